// Both pages ride out a server restart: they reconnect by themselves, the
// provider gets the (now empty) queue again, and the patient, whose place the
// restart lost, gets the check-in form with an explanation.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { checkIn, launchBrowser, newContext, pageString, queueEntry, signUp, startServer, uniqueName } from './helpers.mjs';

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

test('pages reconnect after a server restart', { timeout: 120_000 }, async () => {
  const providerContext = await newContext(browser, server, 'en-US');
  const { page: dashboard } = await signUp(providerContext, server);
  const roomUrl = await dashboard.inputValue('#room-url');
  const patientContext = await newContext(browser, server, 'en-US');
  const room = await patientContext.newPage();
  const name = uniqueName();
  await checkIn(room, roomUrl, name);
  await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });

  await server.stop();
  const reconnecting = await pageString(room, 'waitingReconnecting');
  await room.waitForFunction((text) => document.getElementById('waiting-status')?.textContent === text, reconnecting, {
    timeout: 10_000,
  });
  const providerReconnecting = await pageString(dashboard, 'queueReconnecting');
  await dashboard.waitForFunction(
    (text) => document.getElementById('connection-status')?.textContent === text,
    providerReconnecting,
    { timeout: 10_000 },
  );

  server = await startServer({ port: server.port, dataDir: server.dataDir });

  await room.locator('#join-notice').waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await room.locator('#join-notice').innerText(), await pageString(room, 'resumeFailed'));
  assert.equal(await room.inputValue('#display-name'), name, 'the name is kept for the new check-in');

  await dashboard.waitForFunction(() => document.getElementById('connection-status')?.textContent === '', null, {
    timeout: 30_000,
  });
  assert.equal(await dashboard.locator('li.queue-entry').count(), 0, 'the restart emptied the queue');

  await room.check('#consent');
  await room.click('#check-in-button');
  await room.locator('#waiting-view').waitFor({ state: 'visible', timeout: 10_000 });
  await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });

  await providerContext.close();
  await patientContext.close();
});
