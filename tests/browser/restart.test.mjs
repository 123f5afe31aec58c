// Both pages ride out a server restart: they reconnect by themselves with
// their tickets, a waiting patient keeps the place, and a running call keeps
// its media flowing the whole time the server is gone.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  checkIn,
  framesDecoded,
  newContext,
  pageString,
  queueEntry,
  recordFrames,
  signUp,
  startCall,
  startServer,
  startServerAndBrowser,
  stopServerAndBrowser,
  uniqueName,
} from './helpers.mjs';

/** How long the server stays down during the call. */
const DOWNTIME_MS = 20_000;

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

test('a waiting patient keeps the place through a server restart', { timeout: 120_000 }, async () => {
  const providerContext = await newContext(browser, server, 'en-US');
  const { page: dashboard } = await signUp(providerContext, server);
  const roomUrl = await dashboard.inputValue('#room-url');
  const patientContext = await newContext(browser, server, 'en-US');
  const room = await patientContext.newPage();
  const name = uniqueName();
  await checkIn(room, roomUrl, name);
  await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });
  const since = await queueEntry(dashboard, name).locator('time').getAttribute('datetime');

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

  const resumed = await pageString(room, 'waitingResumed');
  await room.waitForFunction((text) => document.getElementById('room-status')?.textContent === text, resumed, {
    timeout: 30_000,
  });
  assert.ok(await room.locator('#join-view').isHidden(), 'the patient was asked to check in again');
  await dashboard.waitForFunction(() => document.getElementById('connection-status')?.textContent === '', null, {
    timeout: 30_000,
  });
  await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });
  assert.equal(await dashboard.locator('li.queue-entry').count(), 1, 'the patient is listed once');
  assert.equal(
    await queueEntry(dashboard, name).locator('time').getAttribute('datetime'),
    since,
    'the waiting time starts from the first check-in',
  );

  await providerContext.close();
  await patientContext.close();
});

test('a call keeps its media while the server is down for 20 seconds', { timeout: 180_000 }, async () => {
  const { dashboard, room, providerContext, patientContext } = await startCall(browser, server);
  const roomFrames = recordFrames(room);
  const dashboardFrames = recordFrames(dashboard);
  await room.evaluate(() => {
    window.callBeforeRestart = window.visiteDebug.pc();
  });
  await dashboard.evaluate(() => {
    window.callBeforeRestart = window.visiteDebug.pc();
  });

  await server.stop();
  await room.locator('#call-reconnecting').waitFor({ state: 'visible', timeout: 10_000 });
  await dashboard.locator('#call-reconnecting').waitFor({ state: 'visible', timeout: 10_000 });

  // Media flow peer to peer: the decoded frames keep growing on both sides
  // through the whole downtime.
  const stoppedAt = Date.now();
  let previous = { room: await framesDecoded(room), dashboard: await framesDecoded(dashboard) };
  while (Date.now() - stoppedAt < DOWNTIME_MS) {
    await room.waitForTimeout(4_000);
    const current = { room: await framesDecoded(room), dashboard: await framesDecoded(dashboard) };
    assert.ok(current.room > previous.room, `the patient's video stalled after ${Date.now() - stoppedAt} ms`);
    assert.ok(current.dashboard > previous.dashboard, `the provider's video stalled after ${Date.now() - stoppedAt} ms`);
    previous = current;
  }
  assert.ok(await room.locator('#call-reconnecting').isVisible(), 'the patient page stopped showing the hint');

  server = await startServer({ port: server.port, dataDir: server.dataDir });

  await room.locator('#call-reconnecting').waitFor({ state: 'hidden', timeout: 30_000 });
  await dashboard.locator('#call-reconnecting').waitFor({ state: 'hidden', timeout: 30_000 });
  assert.ok(await room.evaluate(() => window.callBeforeRestart === window.visiteDebug.pc()), 'the patient rejoined with a new call');
  assert.ok(
    await dashboard.evaluate(() => window.callBeforeRestart === window.visiteDebug.pc()),
    'the provider rejoined with a new call',
  );
  assert.ok(await room.locator('#call-view').isVisible());
  assert.ok(await dashboard.locator('#call-view').isVisible());
  assert.ok(await dashboard.locator('#call-elsewhere').isHidden(), 'the dashboard sees a second call');
  assert.equal(await dashboard.locator('li.queue-entry').count(), 0, 'the patient in the call is also listed as waiting');
  const resumedBy = (frames) => frames.map((text) => JSON.parse(text)).filter((message) => message.type === 'call_resumed');
  assert.equal(resumedBy(roomFrames.received).length, 1, 'the patient page resumed more than once');
  assert.equal(resumedBy(dashboardFrames.received).length, 1, 'the provider page resumed more than once');
  const started = roomFrames.received.map((text) => JSON.parse(text)).filter((message) => message.type === 'call_started');
  assert.equal(started.length, 0, 'the call was started anew');

  const after = await framesDecoded(room);
  await room.waitForTimeout(1_000);
  assert.ok((await framesDecoded(room)) > after, 'the video stopped after the restart');

  // The resumed call still ends for both sides, and once.
  await dashboard.click('#call-hang-up');
  await room.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await room.locator('#ended-reason').innerText(), await pageString(room, 'endedHungUp'));
  await dashboard.reload();
  assert.equal(await dashboard.locator('#recent-calls tbody tr').count(), 1, 'the call was recorded more than once');

  await providerContext.close();
  await patientContext.close();
});

test('a page that reloads during a call ends it at once', { timeout: 120_000 }, async () => {
  // The patient reloads: the provider is back at the queue without waiting for the grace period.
  const first = await startCall(browser, server);
  await first.room.reload();
  await first.dashboard.locator('#queue-section').waitFor({ state: 'visible', timeout: 10_000 });
  assert.ok(await first.dashboard.locator('#call-view').isHidden());
  assert.ok(await first.room.locator('#join-view').isVisible(), 'the reloaded patient page did not offer a new check-in');
  await first.providerContext.close();
  await first.patientContext.close();

  // The provider reloads: the patient's visit ends, and the dashboard shows no call held elsewhere.
  const second = await startCall(browser, server);
  await second.dashboard.reload();
  await second.room.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await second.room.locator('#ended-reason').innerText(), await pageString(second.room, 'endedHungUp'));
  await second.dashboard.locator('#queue-section').waitFor({ state: 'visible', timeout: 10_000 });
  assert.ok(await second.dashboard.locator('#call-elsewhere').isHidden(), 'the ended call still blocks the room');
  await second.providerContext.close();
  await second.patientContext.close();
});
