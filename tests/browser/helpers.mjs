// Shared setup for the browser tests: a visite server of their own on a free
// loopback port with a fresh data folder, headless Chromium with fake camera
// and microphone, and typed steps such as signUp and checkIn.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Path of the server binary; VISITE_BIN overrides the debug build. */
export const VISITE_BIN = process.env.VISITE_BIN ?? join(REPO, 'target/debug/visite');

/** Chromium from Debian's package; CHROMIUM_BIN overrides it. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

const SERVER_READY_TIMEOUT_MS = 20_000;

/** Arguments for headless Chromium with a fake camera and microphone that need no permission prompt. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** Returns a free TCP port on 127.0.0.1, found by binding port 0. */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the server on a free loopback port with a new data folder and waits
 * until /healthz responds with 200. The server's stdout and stderr are kept in memory.
 * A restart passes the port and folder of the server it replaces; `config`
 * names a settings file, and `args` are added to the `visite serve` command line.
 * @param {{ port?: number, dataDir?: string, config?: string, args?: string[] }} [reuse]
 */
export async function startServer(reuse = {}) {
  const port = reuse.port ?? (await freePort());
  const dataDir = reuse.dataDir ?? (await mkdtemp(join(tmpdir(), 'visite-browser-')));
  const chunks = [];
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...(reuse.args ?? [])];
  if (reuse.config) {
    args.push('--config', reuse.config);
  }
  const child = spawn(VISITE_BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
  });
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));

  const server = {
    port,
    dataDir,
    /** The origin the browser uses; the server accepts it without --public-origin. */
    origin: `http://localhost:${port}`,
    /** Everything the server printed so far. */
    output: () => Buffer.concat(chunks),
    /** Stops the server and waits for it to exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
    async removeData() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`visite exited with code ${child.exitCode} before it was ready:\n${server.output()}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) {
        return server;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`visite was not ready within ${SERVER_READY_TIMEOUT_MS} ms:\n${server.output()}`);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
}

/** Starts a server and a browser for a test file, which stops them with stopServerAndBrowser. */
export async function startServerAndBrowser() {
  const server = await startServer();
  const browser = await launchBrowser();
  return { server, browser };
}

/**
 * Closes the browser, stops the server and removes its data folder. Either may be missing after a failed start.
 * @param {Awaited<ReturnType<typeof startServer>> | undefined} server
 * @param {import('playwright-core').Browser | undefined} browser
 */
export async function stopServerAndBrowser(server, browser) {
  await browser?.close();
  await server?.stop();
  await server?.removeData();
}

/** @param {string[]} [extraArgs] */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM_BIN, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * Creates a browser context in a locale, with camera and microphone granted for the
 * server's origin, and a log of console errors for failure messages.
 * @param {import('playwright-core').Browser} browser
 * @param {{ origin: string }} server
 * @param {string} locale such as `de-DE`
 */
export async function newContext(browser, server, locale) {
  const context = await browser.newContext({ locale });
  await context.grantPermissions(['camera', 'microphone'], { origin: server.origin });
  return context;
}

/**
 * Collects console errors and uncaught exceptions of a page, to show with a
 * failed assertion.
 * @param {import('playwright-core').Page} page
 */
export function watchConsole(page) {
  const lines = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      lines.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
  return lines;
}

/**
 * Returns the console lines that point to a broken page: uncaught exceptions
 * and anything the Content Security Policy blocked.
 * @param {string[]} lines from watchConsole
 */
export function pageFaults(lines) {
  return lines.filter((line) => line.startsWith('pageerror') || /Content Security Policy|Refused to/i.test(line));
}

/** Letters only, as the display-name rules allow; unique enough to search for in files. */
export function uniqueName(prefix = 'Zyxwort') {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const suffix = [...randomBytes(10)].map((byte) => letters[byte % letters.length]).join('');
  return `${prefix}-${suffix}`;
}

/**
 * Returns the RFC 6238 code (SHA-1, 30 s steps, 6 digits) of a base32 secret
 * at a Unix time in milliseconds, as an authenticator app shows it.
 * @param {string} base32 the secret, spaces allowed
 * @param {number} nowMs
 */
export function totpCode(base32, nowMs = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const character of base32.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(character);
    assert.ok(value >= 0, `the TOTP secret has a character outside base32: ${character}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const secret = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));

  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000 / 30)));
  const digest = createHmac('sha1', secret).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const number = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, '0');
}

/**
 * Finds the newest link to `path` in the mails the server wrote to its outbox
 * folder for the address `to`. Bodies may be quoted-printable or base64
 * encoded. The server writes mail in the background after its response, so
 * this waits up to 20 seconds. Tests share a server, so an older mail to
 * another provider may contain a link to the same path. Only the recipient
 * distinguishes them.
 * @param {{ dataDir: string }} server
 * @param {string} path such as `/verify-email`
 * @param {string} to the recipient's address
 */
export async function mailedLink(server, path, to) {
  const folder = join(server.dataDir, 'outbox');
  const pattern = new RegExp(`https?://[^\\s"<>]*${path.replace(/[/-]/g, '\\$&')}\\?token=[A-Za-z0-9_-]+`);
  const deadline = Date.now() + 20_000;
  do {
    const link = await newestLink(folder, pattern, to);
    if (link) {
      return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  assert.fail(`no mail to ${to} in ${folder} contains a ${path} link after 20 s`);
}

/**
 * Searches the finished `.eml` files of an outbox folder, newest first, for
 * mails whose To header contains the address `to`. Temporary files are skipped, as
 * they may vanish while being read.
 * @param {string} folder
 * @param {RegExp} pattern
 * @param {string} to
 */
async function newestLink(folder, pattern, to) {
  const names = (await readdir(folder).catch(() => [])).filter((name) => name.endsWith('.eml')).sort().reverse();
  for (const name of names) {
    const raw = (await readFile(join(folder, name))).toString('utf8');
    const headers = raw.split(/\r?\n\r?\n/, 1)[0];
    // The To header, with its folded continuation lines, and the whole addresses in it.
    const toHeader = headers.match(/^to:(.*(?:\r?\n[ \t].*)*)/im)?.[1] ?? '';
    const addresses = (toHeader.match(/[^\s<>,"]+@[^\s<>,"]+/g) ?? []).map((address) => address.toLowerCase());
    if (!addresses.includes(to.toLowerCase())) {
      continue;
    }
    const quotedPrintable = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    const base64 = (raw.match(/^[A-Za-z0-9+/=\r\n]{40,}$/gm) ?? []).map((block) => Buffer.from(block, 'base64').toString('utf8'));
    for (const text of [quotedPrintable, ...base64, raw]) {
      const match = text.match(pattern);
      if (match) {
        return match[0];
      }
    }
  }
  return null;
}

/**
 * Signs a new provider up the way a person does: the signup form, the
 * verification link from the mail, the login, and the authenticator app
 * enrolment. Returns the dashboard page and the account.
 * @param {import('playwright-core').BrowserContext} context
 * @param {{ origin: string, dataDir: string }} server
 */
export async function signUp(context, server) {
  const id = uniqueName('p').slice(2).toLowerCase();
  const account = {
    name: `Dr. Erika Muster`,
    practice: `Praxis Muster ${id.slice(0, 4)}`,
    email: `erika.${id}@praxis.example`,
    slug: `praxis-${id}`,
    password: `correct horse battery ${id}`,
  };

  const page = await context.newPage();
  await page.goto(`${server.origin}/signup`);
  await page.fill('#name', account.name);
  await page.fill('#practice_name', account.practice);
  await page.fill('#email', account.email);
  await page.fill('#slug', account.slug);
  await page.fill('#password', account.password);
  const signedUp = await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/signup') && response.request().method() === 'POST'),
    page.click('form[action="/signup"] button[type="submit"]'),
  ]);
  assert.equal(signedUp[0].status(), 200, `the signup form was rejected: ${await page.locator('main').innerText()}`);

  // Without an SMTP server, visite writes its mails into <data-dir>/outbox.
  await page.goto(await mailedLink(server, '/verify-email', account.email));

  await page.goto(`${server.origin}/login`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL(/\/account\/setup$/), page.click('form[action="/login"] button[type="submit"]')]);

  const secret = await page.locator('#totp-secret').innerText();
  account.totpSecret = secret;
  await page.fill('#code', totpCode(secret));
  await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/account/setup') && response.request().method() === 'POST'),
    page.click('form[action="/account/setup"] button[type="submit"]'),
  ]);

  await page.goto(`${server.origin}/dashboard`);
  assert.equal(new URL(page.url()).pathname, '/dashboard', `the new provider does not reach the dashboard: ${page.url()}`);
  return { page, account };
}

/**
 * Opens the room link, fills in the name, agrees to the terms and checks in,
 * then waits for the waiting-room view.
 * @param {import('playwright-core').Page} page
 * @param {string} roomUrl
 * @param {string} name
 */
export async function checkIn(page, roomUrl, name) {
  if (page.url() !== roomUrl) {
    await page.goto(roomUrl);
  }
  await page.fill('#display-name', name);
  await page.check('#consent');
  await page.click('#check-in-button');
  await page.locator('#waiting-view').waitFor({ state: 'visible', timeout: 10_000 });
}

/**
 * Returns a locator for the queue entry of a patient on the dashboard.
 * @param {import('playwright-core').Page} dashboard
 * @param {string} name
 */
export function queueEntry(dashboard, name) {
  return dashboard.locator('li.queue-entry', { has: dashboard.locator('.patient-name', { hasText: name }) });
}

/**
 * Waits until the page's peer connection reports `connected`.
 * @param {import('playwright-core').Page} page
 * @param {string} label for the failure message
 */
export async function waitForConnected(page, label, timeout = 30_000) {
  try {
    await page.waitForFunction(() => window.visiteDebug?.pc()?.connectionState === 'connected', null, {
      timeout,
      polling: 200,
    });
  } catch (error) {
    const state = await page.evaluate(() => {
      const pc = window.visiteDebug?.pc();
      if (!pc) {
        return 'no peer connection';
      }
      const transceivers = pc.getTransceivers().map((t) => `${t.mid}:${t.direction}:${t.currentDirection}`);
      return `${pc.connectionState} (signaling ${pc.signalingState}, ICE ${pc.iceConnectionState}, transceivers ${transceivers.join(' ')})`;
    });
    throw new Error(`${label}: the peer connection did not reach connected, it is ${state}`, { cause: error });
  }
}

/**
 * Returns the summed `framesDecoded` of the page's inbound video RTP streams.
 * @param {import('playwright-core').Page} page
 */
export async function framesDecoded(page) {
  return page.evaluate(async () => {
    const pc = window.visiteDebug?.pc();
    if (!pc) {
      return -1;
    }
    let frames = 0;
    for (const report of (await pc.getStats()).values()) {
      if (report.type === 'inbound-rtp' && report.kind === 'video') {
        frames += report.framesDecoded ?? 0;
      }
    }
    return frames;
  });
}

/**
 * Waits until more than `after` video frames were decoded on the page.
 * @param {import('playwright-core').Page} page
 * @param {string} label for the failure message
 */
export async function waitForFrames(page, label, after = 0, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let frames = await framesDecoded(page);
  while (frames <= after) {
    if (Date.now() > deadline) {
      assert.fail(`${label}: framesDecoded stayed at ${frames}, expected more than ${after}`);
    }
    await page.waitForTimeout(250);
    frames = await framesDecoded(page);
  }
  return frames;
}

/**
 * Reads a translated string of a page, as the scripts see it.
 * @param {import('playwright-core').Page} page
 * @param {string} key the Fluent key without `js-`, in camelCase
 */
export async function pageString(page, key) {
  const text = await page.evaluate((name) => document.getElementById('strings')?.dataset[name], key);
  assert.ok(text, `the page has no translation for ${key}`);
  return text;
}

/**
 * Reads every file under a folder, recursively, as bytes.
 * @param {string} folder
 * @returns {Promise<{ path: string, bytes: Buffer }[]>}
 */
export async function readAllFiles(folder) {
  const files = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await readAllFiles(path)));
    } else if (entry.isFile()) {
      files.push({ path, bytes: await readFile(path) });
    }
  }
  return files;
}

/**
 * Records the URL of every HTTP request and WebSocket of a context.
 * @param {import('playwright-core').BrowserContext} context
 */
export function recordRequests(context) {
  const urls = [];
  context.on('request', (request) => urls.push(request.url()));
  context.on('page', (page) => page.on('websocket', (socket) => urls.push(socket.url())));
  for (const page of context.pages()) {
    page.on('websocket', (socket) => urls.push(socket.url()));
  }
  return urls;
}

/**
 * Records the text of every WebSocket frame a page sends.
 * @param {import('playwright-core').Page} page
 */
export function recordSentFrames(page) {
  return recordFrames(page).sent;
}

/**
 * Records the text of every WebSocket frame a page sends and receives, from
 * sockets opened after this call.
 * @param {import('playwright-core').Page} page
 */
export function recordFrames(page) {
  const frames = { sent: /** @type {string[]} */ ([]), received: /** @type {string[]} */ ([]) };
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') {
        frames.sent.push(frame.payload);
      }
    });
    socket.on('framereceived', (frame) => {
      if (typeof frame.payload === 'string') {
        frames.received.push(frame.payload);
      }
    });
  });
  return frames;
}

/**
 * Returns the error messages among received frames, such as the server's
 * reply to a message with an unknown field.
 * @param {string[]} frames
 */
export function errorFrames(frames) {
  return frames.map((text) => JSON.parse(text)).filter((message) => message.type === 'error');
}

/**
 * Signs a provider up in one context, checks a patient in from another and
 * admits them, then waits until both peer connections are connected and both
 * sides decode video from the other (unless `patientVideo` is false).
 * @param {import('playwright-core').Browser} browser
 * @param {{ origin: string }} server
 * @param {{ locale?: string, patientInit?: (context: import('playwright-core').BrowserContext) => Promise<void>,
 *   providerInit?: (context: import('playwright-core').BrowserContext) => Promise<void>,
 *   beforeCheckIn?: (room: import('playwright-core').Page) => Promise<void>, patientVideo?: boolean,
 *   patientServer?: { origin: string } }} [options] `patientServer` is another server of the same
 *   installation that the patient opens the room link at
 */
export async function startCall(browser, server, options = {}) {
  const locale = options.locale ?? 'en-US';
  const patientServer = options.patientServer ?? server;
  const providerContext = await newContext(browser, server, locale);
  const patientContext = await newContext(browser, patientServer, locale);
  await options.providerInit?.(providerContext);
  await options.patientInit?.(patientContext);
  await options.providerInit?.(providerContext);

  const { page: dashboard, account } = await signUp(providerContext, server);
  const dashboardLog = watchConsole(dashboard);
  const link = new URL(await dashboard.inputValue('#room-url'));
  const roomUrl = `${patientServer.origin}${link.pathname}`;
  const room = await patientContext.newPage();
  const roomLog = watchConsole(room);
  const sentByPatient = recordSentFrames(room);
  await room.goto(roomUrl);
  await options.beforeCheckIn?.(room);

  const name = uniqueName();
  await checkIn(room, roomUrl, name);
  const entry = queueEntry(dashboard, name);
  await entry.waitFor({ timeout: 10_000 });
  await entry.locator('button[data-action="admit"]').click();

  await waitForConnected(room, `patient (${roomLog.join(' | ')})`);
  await waitForConnected(dashboard, `provider (${dashboardLog.join(' | ')})`);
  await waitForFrames(room, 'patient receives video');
  if (options.patientVideo !== false) {
    await waitForFrames(dashboard, 'provider receives video');
  }

  return { dashboard, room, name, account, roomUrl, sentByPatient, providerContext, patientContext };
}

/**
 * Returns the video receiver track's state on a page: `muted`, `ended` or `live`.
 * @param {import('playwright-core').Page} page
 */
export async function remoteVideoTrackState(page) {
  return page.evaluate(() => {
    const receiver = window.visiteDebug?.pc()?.getReceivers().find((r) => r.track.kind === 'video');
    if (!receiver) {
      return 'none';
    }
    if (receiver.track.readyState === 'ended') {
      return 'ended';
    }
    return receiver.track.muted ? 'muted' : 'live';
  });
}

/**
 * Parses the recorded frames and returns the media_state messages among them.
 * @param {string[]} frames
 */
export function mediaStates(frames) {
  return frames.map((text) => JSON.parse(text)).filter((message) => message.type === 'media_state');
}
