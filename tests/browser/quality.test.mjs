// The device check before a call (microphone meter, connectivity check
// against STUN and TURN servers on loopback) and the call-quality indicator
// with its adaptation of the sent video.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  freePort,
  launchBrowser,
  newContext,
  pageFaults,
  pageString,
  signUp,
  startCall,
  startServer,
  watchConsole,
} from './helpers.mjs';

/** Debian's coturn; TURNSERVER_BIN overrides it. */
const TURNSERVER_BIN = process.env.TURNSERVER_BIN ?? '/usr/bin/turnserver';
const TURN_USER = 'visite';
const TURN_PASSWORD = 'loopback-only';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await server?.removeData();
});

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

/**
 * Starts coturn on a free loopback port as a STUN and TURN server with one
 * user, and waits until it responds to a STUN binding request.
 */
async function startTurnServer() {
  await access(TURNSERVER_BIN, constants.X_OK).catch(() => {
    assert.fail(`${TURNSERVER_BIN} is missing: install Debian's coturn package, or set TURNSERVER_BIN`);
  });
  const port = await freePort();
  const folder = await mkdtemp(join(tmpdir(), 'visite-turn-'));
  const chunks = [];
  const child = spawn(TURNSERVER_BIN, [
    '-n',
    '--listening-ip=127.0.0.1',
    `--listening-port=${port}`,
    '--relay-ip=127.0.0.1',
    '--min-port=49152',
    '--max-port=65535',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--lt-cred-mech',
    `--user=${TURN_USER}:${TURN_PASSWORD}`,
    '--realm=visite.test',
    `--db=${join(folder, 'turndb')}`,
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=${join(folder, 'turnserver.pid')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));

  const turn = {
    port,
    /** The last lines that turnserver printed, for failure messages. */
    output: () => Buffer.concat(chunks).toString('utf8').split('\n').slice(-20).join('\n'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(folder, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 10_000;
  while (!(await answersStun(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await turn.stop();
      assert.fail(`turnserver on 127.0.0.1:${port} did not answer a STUN binding request:\n${turn.output()}`);
    }
  }
  return turn;
}

/**
 * Sends one STUN binding request (RFC 5389) to 127.0.0.1 and returns whether
 * a binding success response with the same transaction id came back.
 * @param {number} port
 */
async function answersStun(port) {
  const socket = createSocket('udp4');
  const transaction = randomBytes(12);
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction]);
  try {
    return await new Promise((resolveAnswer) => {
      const timer = setTimeout(() => resolveAnswer(false), 300);
      socket.on('message', (message) => {
        clearTimeout(timer);
        resolveAnswer(message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(transaction));
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
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

    before(async () => {
      turn = await startTurnServer();
      configFolder = await mkdtemp(join(tmpdir(), 'visite-config-'));
      const config = join(configFolder, 'visite.toml');
      await writeFile(config, [
        '[[ice_servers]]',
        `urls = ["stun:127.0.0.1:${turn.port}"]`,
        '',
        '[[ice_servers]]',
        `urls = ["turn:127.0.0.1:${turn.port}?transport=udp"]`,
        `username = "${TURN_USER}"`,
        `credential = "${TURN_PASSWORD}"`,
        '',
      ].join('\n'));
      turnConfigured = await startServer({ args: ['--config', config] });
    });

    after(async () => {
      await turnConfigured?.stop();
      await turnConfigured?.removeData();
      await turn?.stop();
      await rm(configFolder, { recursive: true, force: true });
    });

    test('room page gets STUN only and reaches Internet', async () => {
      const context = await newContext(browser, turnConfigured, 'en-US');
      const { page: dashboard } = await signUp(context, turnConfigured);
      const room = await context.newPage();
      await room.goto(await dashboard.inputValue('#room-url'));

      assert.deepEqual(await roomPageIceServers(room), [{ urls: [`stun:127.0.0.1:${turn.port}`] }]);
      const html = await room.content();
      assert.ok(!html.includes(TURN_PASSWORD), 'the patient page contains the TURN credential');
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
      assert.equal(servers[1].credential, TURN_PASSWORD);
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
