// The waiting room on the provider's dashboard: order, reloads, leaving and removal.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  checkIn,
  newContext,
  pageString,
  queueEntry,
  signUp,
  startServerAndBrowser,
  stopServerAndBrowser,
  uniqueName,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

/**
 * Returns the names in the provider's queue, in the order shown.
 * @param {import('playwright-core').Page} dashboard
 */
async function queueNames(dashboard) {
  return dashboard.locator('li.queue-entry .patient-name').allInnerTexts();
}

describe('waiting room', { timeout: 120_000 }, () => {
  let dashboard;
  let roomUrl = '';
  const contexts = [];

  before(async () => {
    const context = await newContext(browser, server, 'en-US');
    contexts.push(context);
    ({ page: dashboard } = await signUp(context, server));
    roomUrl = await dashboard.inputValue('#room-url');
  });

  after(async () => {
    for (const context of contexts) {
      await context.close();
    }
  });

  /** Opens the room in a new context (its own sessionStorage) and checks in. */
  async function newPatient() {
    const context = await newContext(browser, server, 'en-US');
    contexts.push(context);
    const page = await context.newPage();
    const name = uniqueName();
    await checkIn(page, roomUrl, name);
    await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });
    return { page, name };
  }

  test('reload while waiting keeps the place', async () => {
    const first = await newPatient();
    const second = await newPatient();
    assert.deepEqual(await queueNames(dashboard), [first.name, second.name]);
    assert.match(await dashboard.title(), /^\(2\) /);

    await first.page.reload();
    await first.page.locator('#waiting-view').waitFor({ state: 'visible', timeout: 10_000 });
    const resumed = await pageString(first.page, 'waitingResumed');
    await first.page.waitForFunction((text) => document.getElementById('room-status')?.textContent === text, resumed, {
      timeout: 10_000,
    });
    assert.ok(await first.page.locator('#join-view').isHidden(), 'the reloaded page does not ask to check in again');

    await dashboard.waitForFunction(() => document.querySelectorAll('li.queue-entry.is-disconnected').length === 0);
    assert.deepEqual(await queueNames(dashboard), [first.name, second.name], 'the order is unchanged');
    assert.ok(await first.page.locator('#call-view').isHidden(), 'nobody is admitted by a reload');
    assert.ok(await second.page.locator('#call-view').isHidden(), 'nobody is admitted by a reload');

    await first.page.click('#leave-button');
    await second.page.click('#leave-button');
    await dashboard.locator('#queue-empty').waitFor({ state: 'visible', timeout: 10_000 });
  });

  test('disconnected patient shows connection lost', async () => {
    const patient = await newPatient();
    const entry = queueEntry(dashboard, patient.name);

    // Closing the page drops the socket; the server keeps the place for the resume window.
    await patient.page.close();
    await entry.locator('.connection-lost').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await entry.locator('.connection-lost').innerText(), await pageString(dashboard, 'queueConnectionLost'));
    assert.ok(await entry.locator('button[data-action="admit"]').isDisabled(), 'a disconnected patient cannot be admitted');

    await entry.locator('button[data-action="remove"]').click();
    await entry.locator('button[data-action="remove"]').click();
    await entry.waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('leave removes the patient', async () => {
    const patient = await newPatient();
    await patient.page.click('#leave-button');

    await patient.page.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await patient.page.locator('#ended-reason').innerText(), await pageString(patient.page, 'endedLeft'));
    await queueEntry(dashboard, patient.name).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await dashboard.title(), await dashboard.evaluate(() => document.title.replace(/^\(\d+\) /, '')));

    await patient.page.reload();
    assert.ok(await patient.page.locator('#join-view').isVisible(), 'after leaving, a reload shows the check-in form');
  });

  test('remove needs a second press', async () => {
    const patient = await newPatient();
    const remove = queueEntry(dashboard, patient.name).locator('button[data-action="remove"]');

    await remove.click();
    assert.equal(await remove.innerText(), await pageString(dashboard, 'queueRemoveConfirm'));
    await dashboard.waitForTimeout(300);
    assert.ok(await patient.page.locator('#waiting-view').isVisible(), 'one press sends nobody away');

    await remove.click();
    await patient.page.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await patient.page.locator('#ended-reason').innerText(), await pageString(patient.page, 'endedRemoved'));
    await queueEntry(dashboard, patient.name).waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('stale token shows the check-in form', async () => {
    const context = await newContext(browser, server, 'en-US');
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(roomUrl);
    const slug = new URL(roomUrl).pathname.split('/').at(-1);
    await page.evaluate((key) => {
      const visit = { token: 'not-a-token-the-server-issued', name: 'Ada Lovelace', savedAt: Date.now() };
      sessionStorage.setItem(key, JSON.stringify(visit));
    }, `visite.visit.${slug}`);

    await page.reload();
    await page.locator('#join-notice').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.locator('#join-notice').innerText(), await pageString(page, 'resumeFailed'));
    assert.ok(await page.locator('#join-view').isVisible(), 'the check-in form is back');
    assert.equal(await page.inputValue('#display-name'), 'Ada Lovelace', 'the name is kept for the new check-in');
  });

  test('new check-in raises the badge only', async () => {
    const patient = await newPatient();
    assert.match(await dashboard.title(), /^\(1\) /);
    assert.equal(await dashboard.locator('#waiting-badge').innerText(), '1');
    assert.ok(await patient.page.locator('#call-view').isHidden(), 'the patient is not admitted automatically');
    assert.ok(await dashboard.locator('#call-view').isHidden(), 'the provider is not in a call');
    await patient.page.click('#leave-button');
    await queueEntry(dashboard, patient.name).waitFor({ state: 'detached', timeout: 10_000 });
    assert.ok(await dashboard.locator('#waiting-badge').isHidden(), 'the badge is gone with the queue');
  });
});

/**
 * Counts the chime's oscillators and replaces Notification with a recorder
 * whose permission starts as `default`. The page also reports itself hidden,
 * as a dashboard in a background tab does. Runs as an init script in the page.
 */
function recordAlerts() {
  const state = { tones: 0, notifications: /** @type {{ title: string, body?: string }[]} */ ([]) };
  Object.defineProperty(window, 'visiteAlerts', { value: state });

  const createOscillator = BaseAudioContext.prototype.createOscillator;
  BaseAudioContext.prototype.createOscillator = function () {
    state.tones++;
    return createOscillator.call(this);
  };

  class RecordingNotification {
    static permission = 'default';
    static async requestPermission() {
      RecordingNotification.permission = 'granted';
      return 'granted';
    }
    constructor(title, options) {
      state.notifications.push({ title, body: options?.body });
    }
    addEventListener() {}
    close() {}
  }
  Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true, writable: true });
  Object.defineProperty(document, 'visibilityState', { get: () => 'hidden', configurable: true });
}

describe('check-in alerts', { timeout: 120_000 }, () => {
  test('sound and notification, but not during a call', async () => {
    const providerContext = await newContext(browser, server, 'en-US');
    await providerContext.addInitScript(recordAlerts);
    const { page: dashboard } = await signUp(providerContext, server);
    const roomUrl = await dashboard.inputValue('#room-url');
    const alerts = () => dashboard.evaluate(() => /** @type {any} */ (window).visiteAlerts);

    const enable = dashboard.locator('#enable-notifications');
    assert.ok(await enable.isVisible(), 'the page offers notifications');
    assert.deepEqual(await alerts(), { tones: 0, notifications: [] }, 'nothing before a check-in');
    await enable.click();
    await enable.waitFor({ state: 'hidden' });
    assert.equal(await dashboard.locator('#notification-status').innerText(), await pageString(dashboard, 'notificationsOn'));

    const patientContext = await newContext(browser, server, 'en-US');
    const first = await patientContext.newPage();
    const firstName = uniqueName();
    await checkIn(first, roomUrl, firstName);
    await queueEntry(dashboard, firstName).waitFor({ timeout: 10_000 });
    await dashboard.waitForFunction(() => /** @type {any} */ (window).visiteAlerts.tones > 0, null, { timeout: 5_000 });
    const afterFirst = await alerts();
    assert.equal(afterFirst.tones, 2, 'the chime plays two tones');
    assert.deepEqual(afterFirst.notifications, [
      { title: await pageString(dashboard, 'notificationTitle'), body: await pageString(dashboard, 'notificationBody') },
    ]);
    assert.ok(!JSON.stringify(afterFirst.notifications).includes(firstName), 'the notification names nobody');

    await queueEntry(dashboard, firstName).locator('button[data-action="admit"]').click();
    await dashboard.locator('#call-view').waitFor({ state: 'visible', timeout: 10_000 });

    const secondContext = await newContext(browser, server, 'en-US');
    const second = await secondContext.newPage();
    await checkIn(second, roomUrl, uniqueName());
    await dashboard.waitForFunction(() => document.title.startsWith('(1) '), null, { timeout: 10_000 });
    assert.equal(await dashboard.locator('#waiting-badge').innerText(), '1', 'the badge counts the new patient');
    assert.ok(await dashboard.locator('#waiting-badge').isVisible(), 'the badge shows during the call');
    await dashboard.waitForTimeout(500);
    assert.deepEqual(await alerts(), afterFirst, 'no sound and no notification during a call');

    await providerContext.close();
    await patientContext.close();
    await secondContext.close();
  });
});

test('a note reaches only its patient, as text', { timeout: 120_000 }, async () => {
  const providerContext = await newContext(browser, server, 'en-US');
  const { page: dashboard } = await signUp(providerContext, server);
  const roomUrl = await dashboard.inputValue('#room-url');
  const patients = [];
  for (let n = 0; n < 2; n += 1) {
    const context = await newContext(browser, server, 'en-US');
    const page = await context.newPage();
    const name = uniqueName();
    await checkIn(page, roomUrl, name);
    await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });
    patients.push({ context, page, name });
  }
  const [first, second] = patients;
  const note = `<img src=x onerror="window.noteRan=1"> about 5 minutes ${uniqueName()}`;
  const entry = queueEntry(dashboard, second.name);
  await entry.locator('button[data-action="note"]').click();
  await entry.locator('form.note-form input').fill(note);
  await entry.locator('form.note-form button[type="submit"]').click();

  await second.page.locator('#provider-note').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await second.page.locator('#provider-note .provider-note-text').innerText(), note);
  assert.equal(await second.page.locator('#provider-note img').count(), 0, 'the note was rendered as markup');
  assert.equal(await second.page.evaluate(() => window.noteRan), undefined);
  assert.equal(await entry.locator('.note-status').innerText(), await pageString(dashboard, 'queueNoteSent'));
  assert.ok(await first.page.locator('#provider-note').isHidden(), 'another patient saw the note');

  // The note survives a reload of the waiting page.
  await second.page.reload();
  await second.page.locator('#provider-note').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await second.page.locator('#provider-note .provider-note-text').innerText(), note);

  for (const context of [providerContext, first.context, second.context]) {
    await context.close();
  }
});
