// Features inside a running call: the verification code both people compare,
// the security line, the peer-to-peer chat and screen sharing.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { LOOPBACK_PEER_LINES, freeUdpPort, generatedCoturnConfig, startCoturn, writeTurnSettings } from './coturn.mjs';
import {
  checkIn,
  launchBrowser,
  mediaStates,
  newContext,
  pageString,
  queueEntry,
  recordFrames,
  recordRequests,
  signUp,
  startCall,
  startServer,
  startServerAndBrowser,
  stopServerAndBrowser,
  uniqueName,
  waitForFrames,
} from './helpers.mjs';
import { verificationCode } from '../../static/js/verify.js';

/**
 * Size of the camera video file for the screen-sharing tests. It is 4:3,
 * while Chromium's fake screen capture (with --use-fake-device-for-media-stream)
 * is 1280x720, 16:9. The encoder may scale frames down but keeps their aspect
 * ratio, so the receiver can tell the two sources apart.
 */
const CAMERA_FILE_WIDTH = 320;
const CAMERA_FILE_HEIGHT = 240;

/** A fingerprint that no browser generated, put into relayed descriptions by the tamper test. */
const FORGED_FINGERPRINT = 'sha-256 ' + Array.from({ length: 32 }, () => 'AB').join(':');

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

/**
 * Waits until the page shows a six-digit verification code and returns it.
 * @param {import('playwright-core').Page} page
 */
async function shownCode(page) {
  await page.waitForFunction(() => /^\d{3} \d{3}$/.test(document.getElementById('call-code')?.textContent ?? ''), null, {
    timeout: 15_000,
  });
  return page.locator('#call-code').innerText();
}

/**
 * Computes the code in node from the descriptions that the page's peer connection applied.
 * @param {import('playwright-core').Page} page
 */
async function codeFromDescriptions(page) {
  const { local, remote } = await page.evaluate(() => {
    const pc = window.visiteDebug.pc();
    return { local: pc.localDescription.sdp, remote: pc.remoteDescription.sdp };
  });
  return verificationCode(local, remote);
}

/**
 * Writes a YUV4MPEG2 file of 4:3 frames for --use-file-for-fake-video-capture
 * and returns its folder and path.
 */
async function writeCameraFile() {
  const folder = await mkdtemp(join(tmpdir(), 'visite-camera-'));
  const path = join(folder, 'camera.y4m');
  const header = `YUV4MPEG2 W${CAMERA_FILE_WIDTH} H${CAMERA_FILE_HEIGHT} F30:1 Ip A1:1 C420jpeg\n`;
  const lumaSize = CAMERA_FILE_WIDTH * CAMERA_FILE_HEIGHT;
  const frames = [];
  for (let index = 0; index < 10; index++) {
    // A moving gradient, so the encoder always has changes to send.
    const luma = Buffer.alloc(lumaSize, 0).map((_, offset) => ((offset % CAMERA_FILE_WIDTH) + index * 8) % 256);
    frames.push(Buffer.from('FRAME\n'), luma, Buffer.alloc(lumaSize / 2, 128));
  }
  await writeFile(path, Buffer.concat([Buffer.from(header), ...frames]));
  return { folder, path };
}

/**
 * Returns the frame size of the page's inbound video, or null before the first frame.
 * @param {import('playwright-core').Page} page
 */
async function inboundFrameSize(page) {
  return page.evaluate(async () => {
    for (const report of (await window.visiteDebug.pc().getStats()).values()) {
      if (report.type === 'inbound-rtp' && report.kind === 'video' && report.frameWidth) {
        return { width: report.frameWidth, height: report.frameHeight };
      }
    }
    return null;
  });
}

/**
 * Waits until the page receives video from the camera file (4:3) or from the screen (16:9).
 * @param {import('playwright-core').Page} page
 * @param {'camera' | 'screen'} source
 * @param {string} label for the failure message
 */
async function waitForVideoSource(page, source, label) {
  const sourceOf = (/** @type {{ width: number, height: number } | null} */ size) => {
    if (!size) {
      return 'none';
    }
    return size.width / size.height > 1.5 ? 'screen' : 'camera';
  };
  const deadline = Date.now() + 20_000;
  let size = await inboundFrameSize(page);
  while (sourceOf(size) !== source) {
    if (Date.now() > deadline) {
      assert.fail(`${label}: the inbound video is ${size?.width}x${size?.height}, expected the ${source}`);
    }
    await page.waitForTimeout(250);
    size = await inboundFrameSize(page);
  }
}

/**
 * Counts the descriptions among frames a page sent.
 * @param {string[]} frames
 */
function descriptionCount(frames) {
  return frames.filter((text) => JSON.parse(text).type === 'description').length;
}

/**
 * Replaces every certificate fingerprint in a relayed description message.
 * Returns the message unchanged when it is not a description.
 * @param {string} text
 */
function forgeFingerprints(text) {
  const message = JSON.parse(text);
  if (message.type !== 'description') {
    return text;
  }
  message.description.sdp = message.description.sdp.replace(/^a=fingerprint:.*$/gm, `a=fingerprint:${FORGED_FINGERPRINT}`);
  return JSON.stringify(message);
}

describe('verification code', { timeout: 120_000 }, () => {
  test('normal call shows equal codes', async () => {
    const { dashboard, room, sentByPatient, providerContext, patientContext } = await startCall(browser, server);

    const providerCode = await shownCode(dashboard);
    const patientCode = await shownCode(room);
    assert.equal(patientCode, providerCode, 'both sides show the same code');
    assert.equal(providerCode, await codeFromDescriptions(dashboard), 'the provider code comes from its descriptions');
    assert.equal(patientCode, await codeFromDescriptions(room), 'the patient code comes from its descriptions');

    // Turning the camera off renegotiates; the code is computed again and stays the same.
    const descriptionsBefore = descriptionCount(sentByPatient);
    await room.click('#call-camera');
    await room.waitForFunction(() => window.visiteDebug.pc().getTransceivers().some((t) => t.currentDirection === 'recvonly'));
    await room.waitForFunction(() => window.visiteDebug.pc().signalingState === 'stable');
    assert.ok(descriptionCount(sentByPatient) > descriptionsBefore, 'the patient renegotiated');
    assert.equal(await shownCode(room), providerCode, 'the code after renegotiating');
    assert.equal(await shownCode(dashboard), providerCode);

    await providerContext.close();
    await patientContext.close();
  });

  test('forged fingerprint gives different codes', async () => {
    const providerContext = await newContext(browser, server, 'en-US');
    const patientContext = await newContext(browser, server, 'en-US');
    let forged = 0;
    // Simulates a server that swaps certificates. Every description the patient receives is rewritten.
    await patientContext.routeWebSocket(/\/ws/, (page) => {
      const upstream = page.connectToServer();
      page.onMessage((message) => upstream.send(message));
      upstream.onMessage((message) => {
        if (typeof message !== 'string') {
          page.send(message);
          return;
        }
        const rewritten = forgeFingerprints(message);
        forged += rewritten === message ? 0 : 1;
        page.send(rewritten);
      });
    });

    const { page: dashboard } = await signUp(providerContext, server);
    const roomUrl = await dashboard.inputValue('#room-url');
    const room = await patientContext.newPage();
    const name = uniqueName();
    await checkIn(room, roomUrl, name);
    const entry = queueEntry(dashboard, name);
    await entry.waitFor({ timeout: 10_000 });
    await entry.locator('button[data-action="admit"]').click();

    const providerCode = await shownCode(dashboard);
    const patientCode = await shownCode(room);
    assert.ok(forged > 0, 'the route rewrote at least one description');
    assert.ok(
      (await room.evaluate(() => window.visiteDebug.pc().remoteDescription.sdp)).includes(FORGED_FINGERPRINT),
      'the patient applied the forged fingerprint',
    );
    assert.notEqual(patientCode, providerCode, 'a swapped certificate changes the code on one side only');

    await providerContext.close();
    await patientContext.close();
  });
});

describe('security line', { timeout: 120_000 }, () => {
  test('direct call is encrypted', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, server, { locale: 'de-DE' });

    for (const [label, page] of [['provider', dashboard], ['patient', room]]) {
      await page.locator('#call-security[data-encrypted="true"]').waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#call-security-line').innerText(), await pageString(page, 'callSecurityEncrypted'), label);
      assert.equal(await page.getAttribute('#call-security', 'data-route'), 'direct', `${label}: loopback needs no relay`);
      assert.equal(await page.locator('#call-security-route').innerText(), await pageString(page, 'callSecurityDirect'), label);

      const transport = await page.evaluate(async () => {
        for (const report of (await window.visiteDebug.pc().getStats()).values()) {
          if (report.type === 'transport') {
            return { dtlsState: report.dtlsState, srtpCipher: report.srtpCipher };
          }
        }
        return null;
      });
      assert.equal(transport?.dtlsState, 'connected', `${label}: getStats reports DTLS connected`);
      assert.ok(transport?.srtpCipher, `${label}: getStats reports an SRTP cipher`);
      assert.ok((await page.locator('#call-security-ciphers').innerText()).includes(transport.srtpCipher), `${label}: the SRTP cipher is shown`);
    }

    await providerContext.close();
    await patientContext.close();
  });
});

describe('security line with a relay', { timeout: 120_000 }, () => {
  let settings;
  let coturn;
  let relayServer;

  before(async () => {
    const port = await freeUdpPort();
    // Only the patient's browser is limited to relay candidates, as behind a strict firewall.
    settings = await writeTurnSettings({ port, forceRelay: 'patients' });
    const config = await generatedCoturnConfig(settings.path);
    coturn = await startCoturn({ config, port, extraLines: LOOPBACK_PEER_LINES });
    relayServer = await startServer({ config: settings.path });
  });

  after(async () => {
    await relayServer?.stop();
    await relayServer?.removeData();
    await coturn?.stop();
    await coturn?.removeFiles();
    await rm(settings.folder, { recursive: true, force: true });
  });

  test('relayed call is encrypted', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, relayServer);

    for (const [label, page] of [['provider', dashboard], ['patient', room]]) {
      await page.locator('#call-security[data-encrypted="true"][data-route="relayed"]').waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#call-security-line').innerText(), await pageString(page, 'callSecurityEncrypted'), label);
      assert.equal(await page.locator('#call-security-route').innerText(), await pageString(page, 'callSecurityRelayed'), label);
    }
    assert.equal(await shownCode(room), await shownCode(dashboard), 'a relay does not change the code');

    await providerContext.close();
    await patientContext.close();
  });
});

describe('chat', { timeout: 120_000 }, () => {
  test('messages go peer to peer', async () => {
    const frames = [];
    const record = async (/** @type {import('playwright-core').BrowserContext} */ context) => {
      context.on('page', (page) => frames.push(recordFrames(page)));
    };
    const { dashboard, room, name, providerContext, patientContext } = await startCall(browser, server, {
      providerInit: record,
      patientInit: record,
    });
    const requests = [providerContext, patientContext].map((context) => recordRequests(context));
    // The provider's context also contains the pages of the signup, so there may be more.
    assert.ok(frames.length >= 2, 'frames of both pages are recorded');

    const fromPatient = `Frage ${uniqueName()} <b>fett</b> <img src=x> https://example.invalid/preview`;
    const fromProvider = `Antwort ${uniqueName()}`;
    await room.locator('#chat-send:not([disabled])').waitFor({ timeout: 10_000 });
    assert.equal(await room.getAttribute('#chat-input', 'maxlength'), '2000');

    await room.fill('#chat-input', fromPatient);
    await room.press('#chat-input', 'Enter');
    const received = dashboard.locator('#chat-log .from-peer .chat-text');
    await received.waitFor({ timeout: 10_000 });
    assert.equal(await received.innerText(), fromPatient, 'the provider sees the text as sent');
    assert.equal(await dashboard.locator('#chat-log b, #chat-log img, #chat-log a').count(), 0, 'markup stays text');
    assert.equal(await dashboard.locator('#chat-log .from-peer .chat-author').innerText(), name);
    assert.equal(await room.locator('#chat-log .from-self .chat-text').innerText(), fromPatient, 'the patient sees the own message');
    assert.equal(await room.inputValue('#chat-input'), '', 'the input is emptied after sending');

    await dashboard.fill('#chat-input', fromProvider);
    await dashboard.click('#chat-send');
    await room.locator('#chat-log .from-peer .chat-text', { hasText: fromProvider }).waitFor({ timeout: 10_000 });

    for (const text of [fromPatient, fromProvider]) {
      const token = text.split(' ')[1];
      for (const recorded of frames) {
        assert.ok(![...recorded.sent, ...recorded.received].some((frame) => frame.includes(token)), 'no WebSocket frame carries the chat');
      }
      assert.ok(!server.output().toString('utf8').includes(token), 'the server output does not contain the chat');
    }
    assert.ok(frames.every((recorded) => recorded.sent.length > 0), 'the recorder saw the signaling frames');
    assert.ok(!requests.flat().some((url) => url.includes('example.invalid')), 'the link in the message was not fetched');

    await dashboard.click('#call-hang-up');
    await room.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
    for (const [label, page] of [['provider', dashboard], ['patient', room]]) {
      assert.equal(await page.locator('#chat-log li').count(), 0, `${label}: the chat is cleared when the call ends`);
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      for (const text of [fromPatient, fromProvider]) {
        assert.ok(!stored.includes(text.split(' ')[1]), `${label}: nothing of the chat is in web storage`);
      }
    }

    await providerContext.close();
    await patientContext.close();
  });
});

describe('screen sharing', { timeout: 180_000 }, () => {
  /** A browser whose fake camera plays a 4:3 file; the shared `browser` has a 16:9 fake camera. */
  let screenBrowser;
  let cameraFile;

  before(async () => {
    cameraFile = await writeCameraFile();
    screenBrowser = await launchBrowser([`--use-file-for-fake-video-capture=${cameraFile.path}`]);
  });

  after(async () => {
    await screenBrowser?.close();
    await rm(cameraFile.folder, { recursive: true, force: true });
  });

  test('patient shares and returns to camera', async () => {
    const { dashboard, room, sentByPatient, providerContext, patientContext } = await startCall(screenBrowser, server);
    await waitForVideoSource(dashboard, 'camera', 'before sharing');
    const descriptionsBefore = descriptionCount(sentByPatient);

    await room.locator('#call-share-screen:not([disabled])').click();
    await room.waitForFunction(() => document.getElementById('call-share-screen')?.getAttribute('aria-pressed') === 'true');
    assert.deepEqual(mediaStates(sentByPatient).at(-1), { type: 'media_state', audio: true, video: true, screen: true });
    await waitForVideoSource(dashboard, 'screen', 'while sharing');
    await dashboard.locator('#remote-screen').waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await room.locator('#local-screen').isVisible(), 'the patient sees that the screen is shared');
    assert.equal(descriptionCount(sentByPatient), descriptionsBefore, 'replacing the camera needs no renegotiation');

    await room.click('#call-share-screen');
    await room.waitForFunction(() => document.getElementById('call-share-screen')?.getAttribute('aria-pressed') === 'false');
    assert.deepEqual(mediaStates(sentByPatient).at(-1), { type: 'media_state', audio: true, video: true, screen: false });
    await waitForVideoSource(dashboard, 'camera', 'after the button stopped sharing');
    await dashboard.locator('#remote-screen').waitFor({ state: 'hidden', timeout: 5_000 });

    // The browser's own "Stop sharing" control ends the track. Dispatching `ended` simulates it.
    await room.click('#call-share-screen');
    await waitForVideoSource(dashboard, 'screen', 'while sharing again');
    await room.evaluate(() => {
      const sender = window.visiteDebug.pc().getSenders().find((candidate) => candidate.track?.kind === 'video');
      sender.track.dispatchEvent(new Event('ended'));
    });
    await waitForVideoSource(dashboard, 'camera', 'after the browser stopped sharing');
    assert.equal(await room.getAttribute('#call-share-screen', 'aria-pressed'), 'false');
    const screenTracksLive = await room.evaluate(() =>
      window.visiteDebug.pc().getSenders().filter((sender) => sender.track?.label.startsWith('screen')).length);
    assert.equal(screenTracksLive, 0, 'no screen track is sent any more');

    await providerContext.close();
    await patientContext.close();
  });

  test('sharing with the camera off', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(screenBrowser, server);

    await dashboard.click('#call-camera');
    await room.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 10_000 });

    const framesBefore = await waitForFrames(room, 'patient has frames before sharing');
    await dashboard.locator('#call-share-screen:not([disabled])').click();
    await waitForFrames(room, 'patient receives the shared screen', framesBefore);
    await waitForVideoSource(room, 'screen', 'provider shares with the camera off');
    await room.locator('#remote-video').waitFor({ state: 'visible', timeout: 10_000 });
    await room.locator('#remote-screen').waitFor({ state: 'visible', timeout: 5_000 });

    await dashboard.click('#call-share-screen');
    await room.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await room.locator('#remote-video').isHidden(), 'no video once sharing stops with the camera off');
    const sending = await dashboard.evaluate(() =>
      window.visiteDebug.pc().getSenders().filter((sender) => sender.track?.kind === 'video').length);
    assert.equal(sending, 0, 'the provider sends no video after sharing with the camera off');

    await providerContext.close();
    await patientContext.close();
  });
});
