// Debian's coturn (`turnserver`) for the browser tests, on a free loopback
// port, running the configuration that `visite turn-config` writes for a
// visite settings file.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { VISITE_BIN } from './helpers.mjs';

const COTURN_READY_TIMEOUT_MS = 10_000;

/**
 * Lines that only a test on one machine needs: both browsers' relay addresses
 * are on 127.0.0.1, so each relay must reach the other. coturn refuses
 * loopback peers by default, and the generated deny list covers 127.0.0.0/8,
 * which allowed-peer-ip overrides for this one address.
 */
export const LOOPBACK_PEER_LINES = ['allow-loopback-peers', 'allowed-peer-ip=127.0.0.1'];

/** Returns a free UDP port on 127.0.0.1, found by binding port 0. */
export async function freeUdpPort() {
  const socket = createSocket('udp4');
  await new Promise((resolveBind) => socket.bind(0, '127.0.0.1', () => resolveBind(undefined)));
  const { port } = socket.address();
  await new Promise((resolveClose) => socket.close(() => resolveClose(undefined)));
  return port;
}

/**
 * Writes a visite settings file with a [turn] table for a coturn on
 * 127.0.0.1:`port` and returns its path and folder.
 * @param {{ port: number, forceRelay: 'off' | 'patients' | 'everyone' }} options
 */
export async function writeTurnSettings({ port, forceRelay }) {
  const folder = await mkdtemp(join(tmpdir(), 'visite-turn-'));
  const path = join(folder, 'visite.toml');
  const secret = randomBytes(24).toString('base64url');
  const text = [
    '[turn]',
    `urls = ["turn:127.0.0.1:${port}?transport=udp"]`,
    `secret = "${secret}"`,
    `force_relay = "${forceRelay}"`,
    '',
  ].join('\n');
  await writeFile(path, text);
  return { path, folder };
}

/**
 * Runs `visite turn-config` for a settings file and returns its output.
 * @param {string} settingsPath
 */
export async function generatedCoturnConfig(settingsPath) {
  const { stdout } = await promisify(execFile)(VISITE_BIN, ['turn-config', '--config', settingsPath]);
  return stdout;
}

/**
 * Starts coturn with a generated configuration and waits until it answers a
 * STUN Binding request. Only what a test on loopback needs changes. coturn
 * listens on 127.0.0.1:`port`, which also becomes the relay address. TLS is
 * off because there is no certificate, the pid file goes to a temporary
 * folder, and `extraLines` are appended.
 * @param {{ config: string, port: number, extraLines?: string[] }} options
 */
export async function startCoturn({ config, port, extraLines = [] }) {
  const folder = await mkdtemp(join(tmpdir(), 'visite-coturn-'));
  const replaced = ['listening-port=', 'tls-listening-port=', 'cert=', 'pkey='];
  const lines = config.split('\n').filter((line) => !replaced.some((prefix) => line.startsWith(prefix)));
  lines.push('listening-ip=127.0.0.1', `listening-port=${port}`, 'no-tls', `pidfile=${join(folder, 'turnserver.pid')}`);
  lines.push(...extraLines);
  const configPath = join(folder, 'turnserver.conf');
  await writeFile(configPath, `${lines.join('\n')}\n`);

  const chunks = [];
  const child = spawn('turnserver', ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => chunks.push(chunk));
  const spawnFailed = new Promise((resolveError) => child.once('error', resolveError));
  const exited = new Promise((resolveExit) => child.once('exit', () => resolveExit(undefined)));

  const coturn = {
    port,
    /** Everything coturn printed so far. */
    output: () => Buffer.concat(chunks).toString('utf8'),
    /** Kills coturn at once, as a crash would, and waits for it to exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async removeFiles() {
      await rm(folder, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + COTURN_READY_TIMEOUT_MS;
  while (!(await bindingSucceeds(port))) {
    const error = await Promise.race([spawnFailed, Promise.resolve(null)]);
    if (error) {
      throw new Error(`cannot start turnserver (scripts/test installs Debian's coturn): ${error}`);
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await coturn.stop();
      throw new Error(`coturn did not answer a STUN Binding request within ${COTURN_READY_TIMEOUT_MS} ms:\n${coturn.output()}`);
    }
  }
  return coturn;
}

/**
 * Sends one STUN Binding request (RFC 5389) to 127.0.0.1:`port` and returns
 * whether a Binding success response arrives within 200 ms.
 * @param {number} port
 */
async function bindingSucceeds(port) {
  const socket = createSocket('udp4');
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0);
  request.writeUInt16BE(0, 2);
  request.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(request, 8);
  try {
    return await new Promise((resolveAnswer) => {
      const timer = setTimeout(() => resolveAnswer(false), 200);
      socket.on('message', (message) => {
        if (message.length >= 20 && message.readUInt16BE(0) === 0x0101 && message.subarray(8, 20).equals(request.subarray(8, 20))) {
          clearTimeout(timer);
          resolveAnswer(true);
        }
      });
      socket.on('error', () => resolveAnswer(false));
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
