// Microphone and camera during a call, and the check-in page when the camera
// or microphone cannot be opened.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  checkIn,
  framesDecoded,
  mediaStates,
  newContext,
  pageString,
  queueEntry,
  remoteVideoTrackState,
  signUp,
  startCall,
  startServerAndBrowser,
  stopServerAndBrowser,
  uniqueName,
  waitForConnected,
  waitForFrames,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

describe('during a call', { timeout: 120_000 }, () => {
  test('mute sends media_state and shows on the other side', async () => {
    const { dashboard, room, sentByPatient, providerContext, patientContext } = await startCall(browser, server);

    assert.ok(await dashboard.locator('#remote-muted').isHidden(), 'the provider sees the patient unmuted');
    await room.click('#call-mute');

    assert.equal(await room.getAttribute('#call-mute', 'aria-pressed'), 'true');
    await room.waitForFunction(() => {
      const track = window.visiteDebug.pc()?.getSenders().find((s) => s.track?.kind === 'audio')?.track;
      return track?.enabled === false;
    });
    await dashboard.locator('#remote-muted').waitFor({ state: 'visible', timeout: 5_000 });
    const states = mediaStates(sentByPatient);
    assert.deepEqual(states.at(-1), { type: 'media_state', audio: false, video: true, screen: false }, 'the patient sent audio:false');

    await room.click('#call-mute');
    assert.equal(await room.getAttribute('#call-mute', 'aria-pressed'), 'false');
    await dashboard.locator('#remote-muted').waitFor({ state: 'hidden', timeout: 5_000 });
    assert.deepEqual(mediaStates(sentByPatient).at(-1), { type: 'media_state', audio: true, video: true, screen: false });

    await providerContext.close();
    await patientContext.close();
  });

  test('camera off shows avatar on other side', async () => {
    const { dashboard, room, sentByPatient, providerContext, patientContext } = await startCall(browser, server);
    assert.ok(await dashboard.locator('#remote-video').isVisible(), 'the provider sees the patient video');
    assert.ok(await dashboard.locator('#remote-avatar').isHidden(), 'no avatar while the camera is on');

    await room.click('#call-camera');
    await room.waitForFunction(() => document.getElementById('call-camera')?.getAttribute('aria-pressed') === 'true');

    const localVideoTracks = await room.evaluate(() => {
      const pc = window.visiteDebug.pc();
      const sending = pc?.getSenders().filter((sender) => sender.track?.kind === 'video').length ?? -1;
      const video = /** @type {HTMLVideoElement} */ (document.getElementById('local-video'));
      const stream = /** @type {MediaStream | null} */ (video.srcObject);
      const live = stream?.getVideoTracks().filter((track) => track.readyState === 'live').length ?? 0;
      return { sending, live };
    });
    assert.deepEqual(localVideoTracks, { sending: 0, live: 0 }, 'the camera track is stopped and no longer sent');
    assert.deepEqual(mediaStates(sentByPatient).at(-1), { type: 'media_state', audio: true, video: false, screen: false });
    assert.ok(await room.locator('#local-off').isVisible(), 'the patient sees that the own camera is off');

    await dashboard.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await dashboard.locator('#remote-video').isHidden(), 'the frozen video is hidden');
    await dashboard.waitForFunction(
      () => {
        const track = window.visiteDebug.pc()?.getReceivers().find((r) => r.track.kind === 'video')?.track;
        return track?.muted === true || track?.readyState === 'ended';
      },
      null,
      { timeout: 10_000 },
    ).catch(async () => {
      assert.fail(`the provider's remote video track is ${await remoteVideoTrackState(dashboard)}, expected muted or ended`);
    });

    const framesBefore = await framesDecoded(dashboard);
    await room.click('#call-camera');
    await room.waitForFunction(() => document.getElementById('call-camera')?.getAttribute('aria-pressed') === 'false');
    assert.deepEqual(mediaStates(sentByPatient).at(-1), { type: 'media_state', audio: true, video: true, screen: false });
    await waitForFrames(dashboard, 'provider receives the new camera track', framesBefore);
    await dashboard.locator('#remote-video').waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await dashboard.locator('#remote-avatar').isHidden(), 'the avatar is gone again');
    assert.equal(await remoteVideoTrackState(dashboard), 'live');

    // The provider is the impolite side, so its renegotiation runs the other way round.
    await dashboard.click('#call-camera');
    await room.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await room.locator('#remote-video').isHidden(), 'the patient no longer sees the provider video');
    const patientFramesBefore = await framesDecoded(room);
    await dashboard.click('#call-camera');
    await waitForFrames(room, 'patient receives the provider camera again', patientFramesBefore);
    await room.locator('#remote-video').waitFor({ state: 'visible', timeout: 10_000 });

    await providerContext.close();
    await patientContext.close();
  });
});

describe('offer collisions', { timeout: 120_000 }, () => {
  test('both cameras toggled at once', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, server);

    // Each toggle renegotiates, so pressing both at once lets the two offers cross.
    await Promise.all([room.click('#call-camera'), dashboard.click('#call-camera')]);
    await room.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 10_000 });
    await dashboard.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 10_000 });

    const before = { room: await framesDecoded(room), dashboard: await framesDecoded(dashboard) };
    await Promise.all([room.click('#call-camera'), dashboard.click('#call-camera')]);
    await waitForFrames(room, 'patient receives video after the collision', before.room);
    await waitForFrames(dashboard, 'provider receives video after the collision', before.dashboard);
    await room.locator('#remote-video').waitFor({ state: 'visible', timeout: 10_000 });
    await dashboard.locator('#remote-video').waitFor({ state: 'visible', timeout: 10_000 });

    for (const [label, page] of [['patient', room], ['provider', dashboard]]) {
      await page.waitForFunction(() => window.visiteDebug.pc()?.signalingState === 'stable', null, { timeout: 10_000 });
      const transceivers = await page.evaluate(() => window.visiteDebug.pc()?.getTransceivers().length);
      assert.equal(transceivers, 2, `${label} keeps one audio and one video transceiver`);
      assert.equal(await page.evaluate(() => window.visiteDebug.pc()?.connectionState), 'connected', label);
    }

    await providerContext.close();
    await patientContext.close();
  });
});

/**
 * Makes getUserMedia fail with a DOMException of the given name, for the
 * camera only or for every request. Runs as an init script in the page.
 * @param {{ name: string, audioToo: boolean }} failure
 */
function failingGetUserMedia(failure) {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (constraints?.video || failure.audioToo) {
      throw new DOMException('camera failure made by the test', failure.name);
    }
    return original(constraints);
  };
}

describe('camera or microphone unavailable', { timeout: 120_000 }, () => {
  let roomUrl = '';

  before(async () => {
    const context = await newContext(browser, server, 'en-US');
    const { page } = await signUp(context, server);
    roomUrl = await page.inputValue('#room-url');
    await context.close();
  });

  const cases = [
    { name: 'NotAllowedError', message: 'mediaDenied' },
    { name: 'NotFoundError', message: 'mediaNoDevice' },
    { name: 'OverconstrainedError', message: 'mediaNoDevice' },
    { name: 'NotReadableError', message: 'mediaInUse' },
    { name: 'AbortError', message: 'mediaInUse' },
    { name: 'SomethingElseError', message: 'mediaOther' },
  ];

  for (const failure of cases) {
    test(`${failure.name} explains and offers audio only`, async () => {
      const context = await newContext(browser, server, 'en-US');
      await context.addInitScript(failingGetUserMedia, { name: failure.name, audioToo: false });
      const page = await context.newPage();
      await page.goto(roomUrl);

      await page.locator('#media-error').waitFor({ state: 'visible', timeout: 5_000 });
      assert.equal(await page.locator('#media-error-text').innerText(), await pageString(page, failure.message));
      assert.ok(await page.locator('#media-audio-only').isVisible(), 'audio only is offered');
      assert.ok(await page.locator('#media-none').isHidden(), 'going without devices is not offered yet');

      await page.click('#media-audio-only');
      const audioOnly = await pageString(page, 'mediaOnAudio');
      await page.waitForFunction((text) => document.getElementById('media-status')?.textContent === text, audioOnly, {
        timeout: 5_000,
      });
      assert.ok(await page.locator('#media-error').isHidden(), 'the failure message is gone');
      const tracks = await page.evaluate(() => {
        const video = /** @type {HTMLVideoElement} */ (document.getElementById('media-preview'));
        const stream = /** @type {MediaStream | null} */ (video.srcObject);
        return stream?.getTracks().map((track) => track.kind) ?? [];
      });
      assert.deepEqual(tracks, ['audio'], 'the preview holds the microphone only');
      assert.ok(await page.locator('#media-preview-off').isVisible(), 'the preview says there is no picture');

      await context.close();
    });
  }

  test('audio only call shows avatar to provider', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, server, {
      patientInit: (context) => context.addInitScript(failingGetUserMedia, { name: 'NotAllowedError', audioToo: false }),
      beforeCheckIn: async (page) => {
        await page.locator('#media-audio-only').click();
        const audioOnly = await pageString(page, 'mediaOnAudio');
        await page.waitForFunction((text) => document.getElementById('media-status')?.textContent === text, audioOnly);
      },
      patientVideo: false,
    });

    assert.ok(await dashboard.locator('#remote-avatar').isVisible(), 'the provider sees the avatar');
    assert.ok(await dashboard.locator('#remote-video').isHidden(), 'the provider sees no video element');
    assert.ok(await dashboard.locator('#remote-muted').isHidden(), 'the patient microphone is on');
    assert.ok(await room.locator('#remote-video').isVisible(), 'the patient sees the provider');
    assert.equal(await room.getAttribute('#call-camera', 'aria-pressed'), 'true', 'the camera button shows camera off');

    await providerContext.close();
    await patientContext.close();
  });

  test('provider camera failure pauses the admission', async () => {
    const providerContext = await newContext(browser, server, 'en-US');
    await providerContext.addInitScript(failingGetUserMedia, { name: 'NotReadableError', audioToo: false });
    const { page: dashboard } = await signUp(providerContext, server);
    const patientContext = await newContext(browser, server, 'en-US');
    const room = await patientContext.newPage();
    const name = uniqueName();
    await checkIn(room, await dashboard.inputValue('#room-url'), name);

    const entry = queueEntry(dashboard, name);
    await entry.locator('button[data-action="admit"]').click();
    await dashboard.locator('#media-error').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await dashboard.locator('#media-error-text').innerText(), await pageString(dashboard, 'mediaInUse'));
    await room.waitForTimeout(500);
    assert.ok(await room.locator('#waiting-view').isVisible(), 'the patient still waits while the provider chooses');
    assert.ok(await dashboard.locator('#call-view').isHidden(), 'no call started without a choice');

    await dashboard.click('#media-audio-only');
    await room.locator('#call-view').waitFor({ state: 'visible', timeout: 10_000 });
    await waitForConnected(dashboard, 'provider with audio only');
    await waitForConnected(room, 'patient');
    await waitForFrames(dashboard, 'provider receives the patient video');
    await room.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await room.locator('#remote-video').isHidden(), 'the patient sees the provider avatar');

    await providerContext.close();
    await patientContext.close();
  });

  test('no devices at all still joins the call', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, server, {
      patientInit: (context) => context.addInitScript(failingGetUserMedia, { name: 'NotAllowedError', audioToo: true }),
      beforeCheckIn: async (page) => {
        await page.locator('#media-audio-only').click();
        await page.locator('#media-none').waitFor({ state: 'visible' });
        assert.equal(await page.locator('#media-error-text').innerText(), await pageString(page, 'mediaDenied'));
        assert.ok(await page.locator('#media-audio-only').isHidden(), 'audio only is not offered again');
        await page.locator('#media-none').click();
        await page.locator('#media-error').waitFor({ state: 'hidden' });
        const withoutDevices = await pageString(page, 'mediaOnNone');
        await page.waitForFunction((text) => document.getElementById('media-status')?.textContent === text, withoutDevices);
      },
      patientVideo: false,
    });

    assert.ok(await dashboard.locator('#remote-avatar').isVisible(), 'the provider sees the avatar');
    assert.ok(await dashboard.locator('#remote-muted').isVisible(), 'the provider sees that there is no microphone');
    assert.ok(await room.locator('#remote-video').isVisible(), 'the patient sees the provider');
    assert.ok(await room.locator('#call-mute').isDisabled(), 'mute is disabled without a microphone');

    await providerContext.close();
    await patientContext.close();
  });
});
