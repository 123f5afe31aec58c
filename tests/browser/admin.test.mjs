// `visite admin disable` while a provider and a waiting patient have the room
// open: both pages show why the room closed and stop reconnecting.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

import {
  checkIn,
  newContext,
  pageString,
  queueEntry,
  signUp,
  startServerAndBrowser,
  stopServerAndBrowser,
  VISITE_BIN,
} from './helpers.mjs';

const run = promisify(execFile);

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

/**
 * Runs `visite admin ARGS` on the test server's data folder. The environment
 * is left out so that no VISITE_ setting of the test run changes the command.
 * @param {string[]} args
 */
async function admin(args) {
  const common = ['admin', '--data-dir', server.dataDir, '--public-origin', server.origin];
  return run(VISITE_BIN, [...common, ...args], { env: {} });
}

describe('disabled account', { timeout: 120_000 }, () => {
  test('pages show the closed room', async (t) => {
    const providerContext = await newContext(browser, server, 'en-US');
    const patientContext = await newContext(browser, server, 'de-DE');
    try {
      const { page: dashboard, account } = await signUp(providerContext, server);
      const roomUrl = await dashboard.inputValue('#room-url');
      const patient = await patientContext.newPage();
      await checkIn(patient, roomUrl, 'Ada Lovelace');
      await queueEntry(dashboard, 'Ada Lovelace').waitFor({ timeout: 10_000 });

      const started = Date.now();
      await admin(['disable', account.email]);

      const closedText = await pageString(patient, 'endedRoomClosed');
      await patient.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await patient.locator('#ended-reason').innerText(), closedText);
      const dashboardText = await pageString(dashboard, 'queueRoomClosed');
      await dashboard.locator('#connection-status', { hasText: dashboardText }).waitFor({ timeout: 10_000 });
      const elapsed = Date.now() - started;
      t.diagnostic(`both pages showed the closed room ${elapsed} ms after visite admin disable started`);
      assert.ok(elapsed < 6_000, `the pages took ${elapsed} ms to show the closed room`);
      assert.equal(await dashboard.locator('#sign-in-hint').isVisible(), true, 'the dashboard does not link to the login');
      assert.equal(await queueEntry(dashboard, 'Ada Lovelace').count(), 0, 'the dashboard still lists the patient');

      // Neither page tries to reconnect to the closed room.
      const sockets = [];
      for (const page of [patient, dashboard]) {
        page.on('websocket', (socket) => sockets.push(socket.url()));
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 4_000));
      assert.deepEqual(sockets, [], 'a page opened a new socket after the room closed');

      const response = await patient.goto(roomUrl);
      assert.equal(response?.status(), 404);
      assert.match(await patient.locator('main').innerText(), /nicht verfügbar/);
    } finally {
      await providerContext.close();
      await patientContext.close();
    }
  });
});
