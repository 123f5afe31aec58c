// One visit across two visite servers that share a PostgreSQL database of
// this test's own and the Redis on this machine: the provider's dashboard
// talks to one server, the patient's page to the other.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import { framesDecoded, launchBrowser, startCall, startServer, waitForFrames } from './helpers.mjs';

const REDIS = 'redis://127.0.0.1:6379';
const database = `visite_browser_${randomBytes(8).toString('hex')}`;

/**
 * Runs one SQL statement with psql against the PostgreSQL on this machine.
 * @param {string} name the database to connect to
 * @param {string} sql
 */
function psql(name, sql) {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', name, '-v', 'ON_ERROR_STOP=1', '-tA', '-c', sql], {
    encoding: 'utf8',
  });
}

let a;
let b;
let browser;

before(async () => {
  psql('postgres', `CREATE DATABASE ${database}`);
  const args = ['--database-url', `postgres://postgres@127.0.0.1:5432/${database}`, '--bus-url', REDIS];
  a = await startServer({ args });
  b = await startServer({ args });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const server of [a, b]) {
    await server?.stop();
    await server?.removeData();
  }
  psql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

test('a visit runs with provider and patient on different servers', { timeout: 120_000 }, async () => {
  const { dashboard, room, name } = await startCall(browser, a, { patientServer: b });
  assert.equal(new URL(dashboard.url()).port, String(a.port), 'the dashboard is on server A');
  assert.equal(new URL(room.url()).port, String(b.port), 'the patient page is on server B');

  // Media keeps flowing both ways.
  await waitForFrames(room, 'patient keeps receiving video', await framesDecoded(room));
  await waitForFrames(dashboard, 'provider keeps receiving video', await framesDecoded(dashboard));

  await dashboard.click('#call-hang-up');
  await room.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });

  // One call record in the shared database, and the name in no server's output.
  const deadline = Date.now() + 5_000;
  while (psql(database, 'SELECT COUNT(*) FROM calls').trim() === '0' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(psql(database, 'SELECT COUNT(*) FROM calls').trim(), '1');
  for (const server of [a, b]) {
    assert.ok(!server.output().includes(name), 'a server printed the patient name');
  }
});
