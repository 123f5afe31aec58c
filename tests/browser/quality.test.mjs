// The device check before a call (microphone meter, connectivity check
// against STUN and TURN servers on loopback) and the call-quality indicator
// with its adaptation of the sent video.

import assert from 'node:assert/strict';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { freeUdpPort, generatedCoturnConfig, startCoturn, writeTurnSettings } from './coturn.mjs';
import {
  freePort,
  launchBrowser,
  newContext,
  pageFaults,
  pageString,
  signUp,
  startCall,
  startServer,
  startServerAndBrowser,
  stopServerAndBrowser,
  watchConsole,
} from './helpers.mjs';


let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

/**
 * Clicks the connection check and returns the result's data-result attribute
 * once the check has finished.
 * @param {import('playwright-core').Page} page
 */
async function runConnectionCheck(page) {
  await page.click('#connection-check');
  const result = page.locator('#connection-result[data-result]');
  await result.waitFor({ timeout: 15_000 });
  return result.getAttribute('data-result');
}

/** @param {import('playwright-core').Page} page */
async function roomPageIceServers(page) {
  return JSON.parse((await page.getAttribute('#device-check', 'data-ice-servers')) ?? 'null');
}

describe('device check', { timeout: 120_000 }, () => {
  test('microphone meter moves with fake microphone', async () => {
    const context = await newContext(browser, server, 'en-US');
    const { page: dashboard } = await signUp(context, server);
    const roomUrl = await dashboard.inputValue('#room-url');
    const room = await context.newPage();
    const log = watchConsole(room);
    await room.goto(roomUrl);
    // A first interaction lets the browser start the page's AudioContext.
    await room.click('#display-name');

    const soundDetected = await pageString(room, 'deviceMicHeard');
    await room.locator('#mic-status', { hasText: soundDetected }).waitFor({ timeout: 10_000 });
    const levels = [];
    for (let reading = 0; reading < 20; reading++) {
      levels.push(Number(await room.getAttribute('#mic-level', 'value')));
      await room.waitForTimeout(100);
    }
    assert.ok(Math.max(...levels) > 0, `the meter stayed at 0: ${levels.join(' ')}`);
    assert.ok(new Set(levels).size > 1, `the meter did not move: ${levels.join(' ')}`);
    assert.equal(await room.getAttribute('#mic-level', 'aria-describedby'), 'mic-status');
    assert.deepEqual(pageFaults(log), []);
    await context.close();
  });

  test('connection check without servers finds local network', async () => {
    const context = await newContext(browser, server, 'en-US');
    const { page: dashboard } = await signUp(context, server);
    const room = await context.newPage();
    await room.goto(await dashboard.inputValue('#room-url'));

    assert.deepEqual(await roomPageIceServers(room), []);
    assert.equal(await runConnectionCheck(room), 'local');
    assert.equal(await room.locator('#connection-result').innerText(), await pageString(room, 'deviceConnectionLocal'));
    await context.close();
  });

  test('connection check without UDP finds nothing', async () => {
    // This policy lets WebRTC use UDP only through a proxy, and there is none, so no candidate is gathered.
    const blocked = await launchBrowser(['--webrtc-ip-handling-policy=disable_non_proxied_udp']);
    try {
      const context = await newContext(blocked, server, 'de-DE');
      const { page: dashboard } = await signUp(context, server);
      assert.equal(await runConnectionCheck(dashboard), 'none');
      assert.equal(
        await dashboard.locator('#connection-result').innerText(),
        await pageString(dashboard, 'deviceConnectionNone'),
      );
    } finally {
      await blocked.close();
    }
  });

  describe('with STUN and TURN on loopback', () => {
    let turn;
    let turnConfigured;
    let configFolder;
    let secret = '';

    before(async () => {
      const port = await freeUdpPort();
      const settings = await writeTurnSettings({ port, forceRelay: 'off' });
      configFolder = settings.folder;
      await appendFile(settings.path, `\n[[ice_servers]]\nurls = ["stun:127.0.0.1:${port}"]\n`);
      secret = /secret = "([^"]+)"/.exec(await readFile(settings.path, 'utf8'))?.[1] ?? '';
      turn = await startCoturn({ config: await generatedCoturnConfig(settings.path), port });
      turnConfigured = await startServer({ config: settings.path });
    });

    after(async () => {
      await turnConfigured?.stop();
      await turnConfigured?.removeData();
      await turn?.stop();
      await turn?.removeFiles();
      await rm(configFolder, { recursive: true, force: true });
    });

    test('room page gets STUN only and reaches Internet', async () => {
      const context = await newContext(browser, turnConfigured, 'en-US');
      const { page: dashboard } = await signUp(context, turnConfigured);
      const room = await context.newPage();
      await room.goto(await dashboard.inputValue('#room-url'));

      assert.deepEqual(await roomPageIceServers(room), [{ urls: [`stun:127.0.0.1:${turn.port}`] }]);
      const html = await room.content();
      assert.ok(secret.length > 0, 'the settings file has no TURN secret');
      assert.ok(!html.includes(secret), 'the patient page contains the TURN secret');
      assert.ok(!html.includes('credential'), 'the patient page contains a TURN credential');
      assert.equal(await runConnectionCheck(room), 'internet', `turnserver log:\n${turn.output()}`);
      await context.close();
    });

    test('unanswered STUN server means local network', async () => {
      const context = await newContext(browser, turnConfigured, 'en-US');
      const page = await context.newPage();
      await page.goto(`${turnConfigured.origin}/`);
      const silentPort = await freePort();

      const result = await page.evaluate(async (port) => {
        const { checkConnectivity, GATHER_TIMEOUT_MS } = await import('/static/js/device-check.js');
        return checkConnectivity([{ urls: [`stun:127.0.0.1:${port}`] }], GATHER_TIMEOUT_MS);
      }, silentPort);
      assert.equal(result, 'local');
      await context.close();
    });

    test('dashboard gets TURN and reaches relay', async () => {
      const context = await newContext(browser, turnConfigured, 'en-US');
      const { page: dashboard } = await signUp(context, turnConfigured);

      const servers = JSON.parse((await dashboard.getAttribute('#device-check', 'data-ice-servers')) ?? 'null');
      assert.equal(servers.length, 2);
      assert.match(servers[1].username, /^\d+:/, 'the dashboard lacks minted TURN credentials');
      assert.equal(typeof servers[1].credential, 'string');
      assert.equal(await runConnectionCheck(dashboard), 'relay', `turnserver log:\n${turn.output()}`);
      assert.equal(
        await dashboard.locator('#connection-result').innerText(),
        await pageString(dashboard, 'deviceConnectionRelay'),
      );
      await context.close();
    });
  });
});

/**
 * Returns the encoding parameters of the page's video senders.
 * @param {import('playwright-core').Page} page
 */
async function videoEncodings(page) {
  return page.evaluate(() =>
    window.visiteDebug
      .pc()
      .getTransceivers()
      .filter((transceiver) => transceiver.receiver.track.kind === 'video')
      .flatMap((transceiver) => transceiver.sender.getParameters().encodings)
      .map((encoding) => ({ scale: encoding.scaleResolutionDownBy ?? 1, maxFramerate: encoding.maxFramerate ?? null })),
  );
}

describe('quality indicator', { timeout: 180_000 }, () => {
  test('real call shows good with figures', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, server);

    for (const page of [room, dashboard]) {
      const good = await pageString(page, 'qualityGood');
      await page.locator('#quality-label', { hasText: good }).waitFor({ timeout: 15_000 });
      await page.click('.quality-details summary');
      await page.waitForFunction(() => /kbit\/s$/.test(document.getElementById('quality-bitrate')?.textContent ?? ''));
      assert.match(await page.locator('#quality-rtt').innerText(), /^\d+ ms$/);
      assert.match(await page.locator('#quality-loss').innerText(), /^\d+([.,]\d)? %$/);
      assert.ok(await page.locator('#quality-hint').isHidden(), 'a good connection shows no hint');
    }

    await providerContext.close();
    await patientContext.close();
  });

  test('poor samples lower sent video, good ones restore it', async () => {
    const { dashboard, room, providerContext, patientContext } = await startCall(browser, server);
    assert.deepEqual(await videoEncodings(room), [{ scale: 1, maxFramerate: null }], 'full quality at the start');

    // Three poor samples in a row, fed in one task so no measured sample comes
    // between them. The label is read at once, before a measured sample replaces it.
    const label = await room.evaluate(async () => {
      const monitor = window.visiteDebug.quality();
      const poor = { rttMs: 900, lossPercent: 25, bitrateKbps: 40 };
      await Promise.all([monitor.record(poor), monitor.record(poor), monitor.record(poor)]);
      return document.getElementById('quality-label')?.textContent;
    });

    assert.equal(label, await pageString(room, 'qualityPoor'));
    assert.deepEqual(await videoEncodings(room), [{ scale: 2, maxFramerate: 15 }], 'lowered after poor samples');
    assert.ok(await room.locator('#quality-hint').isVisible(), 'the poor hint is shown while the video is lowered');

    // The audio-only button turns the patient's camera off, and the provider's page shows the avatar.
    await room.click('#quality-audio-only');
    await room.waitForFunction(() => !window.visiteDebug.pc().getSenders().some((sender) => sender.track?.kind === 'video'));
    await dashboard.locator('#remote-avatar').waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await room.locator('#quality-audio-only').isHidden(), 'no camera button once the camera is off');
    assert.deepEqual(await videoEncodings(room), [{ scale: 2, maxFramerate: 15 }], 'still lowered with the camera off');

    // A camera turned on again while the connection counts as poor starts lowered.
    await room.click('#call-camera');
    await room.waitForFunction(() => window.visiteDebug.pc().getSenders().some((sender) => sender.track?.kind === 'video'));
    assert.deepEqual(await videoEncodings(room), [{ scale: 2, maxFramerate: 15 }], 'still lowered with the camera on again');

    // The real connection on loopback is good, so its samples restore the sent video after a while.
    await room.waitForFunction(() => window.visiteDebug.quality()?.lowered === false, null, { timeout: 40_000, polling: 500 });
    await room.waitForFunction(
      () => window.visiteDebug.pc().getTransceivers().every((transceiver) =>
        transceiver.receiver.track.kind !== 'video' ||
        transceiver.sender.getParameters().encodings.every((encoding) => (encoding.scaleResolutionDownBy ?? 1) === 1)),
      null,
      { timeout: 5_000 },
    );
    assert.deepEqual(await videoEncodings(room), [{ scale: 1, maxFramerate: null }], 'restored after good samples');
    assert.ok(await room.locator('#quality-hint').isHidden(), 'the hint is gone on a good connection');

    await providerContext.close();
    await patientContext.close();
  });
});
