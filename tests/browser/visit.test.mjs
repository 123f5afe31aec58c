// The whole visit in a real browser. A provider signs up, a patient checks in,
// the provider admits them, both sides see each other's video and one hangs up.
// Afterwards the patient's name must be nowhere on disk or in the server log.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  checkIn,
  errorFrames,
  launchBrowser,
  newContext,
  pageFaults,
  pageString,
  queueEntry,
  readAllFiles,
  recordFrames,
  recordRequests,
  signUp,
  startServer,
  uniqueName,
  waitForConnected,
  waitForFrames,
  watchConsole,
} from './helpers.mjs';

/** Texts each run expects on the page, in the locale's language. */
const LOCALES = [
  {
    locale: 'de-DE',
    hangUpBy: 'patient',
    checkInButton: 'Anmelden',
    admitButton: 'Hereinbitten',
    unverified: 'Name nicht überprüft',
    connected: 'Verbunden',
  },
  {
    locale: 'en-US',
    hangUpBy: 'provider',
    checkInButton: 'Check in',
    admitButton: 'Admit',
    unverified: 'Name not verified',
    connected: 'Connected',
  },
];

for (const expected of LOCALES) {
  describe(`full visit in ${expected.locale}`, { timeout: 180_000 }, () => {
    let server;
    let browser;
    const patientName = uniqueName();
    let providerEmail = '';
    /** Proof that the name went through the server, so the privacy check below can fail. */
    let nameShownToProvider = false;

    before(async () => {
      server = await startServer();
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
      await server?.removeData();
    });

    test('provider admits patient, both see video', async () => {
      const providerContext = await newContext(browser, server, expected.locale);
      const patientContext = await newContext(browser, server, expected.locale);
      const requests = recordRequests(providerContext);
      const patientRequests = recordRequests(patientContext);

      const { page: dashboard, account } = await signUp(providerContext, server);
      providerEmail = account.email;
      const dashboardLog = watchConsole(dashboard);
      const dashboardFrames = recordFrames(dashboard);
      await dashboard.reload();
      const roomUrl = await dashboard.inputValue('#room-url');
      assert.equal(new URL(roomUrl).pathname, `/r/${account.slug}`, 'the dashboard shows the room link');

      const room = await patientContext.newPage();
      const roomLog = watchConsole(room);
      const roomFrames = recordFrames(room);
      await room.goto(roomUrl);
      assert.equal(await room.locator('h1').innerText(), account.name, 'the room shows the provider name');
      assert.equal(await room.locator('.practice-name').innerText(), account.practice, 'the room shows the practice');
      assert.equal(await room.locator('#check-in-button').innerText(), expected.checkInButton);
      assert.equal(await room.getAttribute('#consent-terms a', 'href'), '/terms', 'the consent links to the terms');

      await checkIn(room, roomUrl, patientName);

      const entry = queueEntry(dashboard, patientName);
      await entry.waitFor({ timeout: 10_000 });
      nameShownToProvider = (await entry.locator('.patient-name').innerText()) === patientName;
      assert.ok(nameShownToProvider, 'the provider sees the patient name in the queue');
      assert.equal(await entry.locator('.unverified-tag').innerText(), expected.unverified);
      assert.ok(await dashboard.locator('.unverified-notice').isVisible(), 'the queue says names are unverified');
      assert.match(await dashboard.title(), /^\(1\) /, 'the title counts the waiting patient');
      assert.ok(await dashboard.locator('#waiting-badge').isVisible(), 'the page shows the waiting badge');

      const admit = entry.locator('button[data-action="admit"]');
      assert.equal(await admit.innerText(), expected.admitButton);
      await admit.click();

      await room.locator('#call-view').waitFor({ state: 'visible', timeout: 10_000 });
      await dashboard.locator('#call-view').waitFor({ state: 'visible', timeout: 10_000 });
      await waitForConnected(room, `patient (${roomLog.join(' | ')})`);
      await waitForConnected(dashboard, `provider (${dashboardLog.join(' | ')})`);
      await waitForFrames(room, 'patient receives video');
      await waitForFrames(dashboard, 'provider receives video');

      await room.waitForFunction((text) => document.getElementById('call-state')?.textContent === text, expected.connected);
      assert.equal(await dashboard.locator('#call-state').innerText(), expected.connected);
      assert.equal(await dashboard.locator('#call-peer-name').innerText(), patientName);
      assert.ok(await room.locator('#remote-video').isVisible(), 'the patient sees the provider video');
      assert.ok(await dashboard.locator('#remote-video').isVisible(), 'the provider sees the patient video');
      assert.ok(await dashboard.locator('#queue-section').isHidden(), 'the queue is hidden during the call');

      if (expected.hangUpBy === 'patient') {
        await room.click('#call-hang-up');
      } else {
        await dashboard.click('#call-hang-up');
      }

      await room.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await room.locator('#ended-reason').innerText(), await pageString(room, 'endedHungUp'));
      await dashboard.locator('#queue-section').waitFor({ state: 'visible', timeout: 10_000 });
      assert.ok(await dashboard.locator('#call-view').isHidden(), 'the provider left the call view');
      assert.equal(await dashboard.locator('#queue-notice').innerText(), await pageString(dashboard, 'providerEndedHungUp'));
      assert.equal(await dashboard.locator('li.queue-entry').count(), 0, 'the queue is empty after the call');
      await room.waitForFunction(() => window.visiteDebug.pc() === null);
      await dashboard.waitForFunction(() => window.visiteDebug.pc() === null);

      await dashboard.reload();
      const rows = dashboard.locator('#recent-calls tbody tr');
      assert.equal(await rows.count(), 1, 'the dashboard lists one recent call');
      assert.match(await rows.first().locator('.duration').innerText(), /^\d+:\d{2}$/);
      const time = rows.first().locator('time');
      const datetime = await time.getAttribute('datetime');
      assert.match(datetime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.notEqual(await time.innerText(), datetime, 'the call time is shown localised');
      assert.ok(!(await dashboard.content()).includes(patientName), 'the dashboard keeps no patient name');

      const foreign = [...requests, ...patientRequests].filter((url) => {
        const parsed = new URL(url);
        return parsed.host !== new URL(server.origin).host;
      });
      assert.deepEqual(foreign, [], 'every request goes to the server origin');
      assert.ok(requests.length > 0, 'the provider requests were recorded');
      assert.ok(patientRequests.length > 0, 'the patient requests were recorded');
      assert.ok(patientRequests.some((url) => url.startsWith('ws://')), 'the patient WebSocket was recorded');
      assert.deepEqual(errorFrames(roomFrames.received), [], 'the server accepted every patient message');
      assert.deepEqual(errorFrames(dashboardFrames.received), [], 'the server accepted every provider message');
      assert.ok(roomFrames.sent.some((text) => text.includes('"type":"candidate"')), 'the patient trickled candidates');
      assert.deepEqual(pageFaults(roomLog), [], 'the room page ran without errors or CSP violations');
      assert.deepEqual(pageFaults(dashboardLog), [], 'the dashboard ran without errors or CSP violations');

      await providerContext.close();
      await patientContext.close();
    });

    test('patient name leaves no trace on disk', async () => {
      assert.ok(nameShownToProvider, 'the visit ran and showed the name, so its absence below means something');
      await server.stop();

      const files = await readAllFiles(server.dataDir);
      assert.ok(files.length > 0, 'the data folder has files');
      const needle = patientName.toLowerCase();
      const everything = files.map((file) => file.bytes.toString('latin1').toLowerCase());
      assert.ok(
        everything.some((text) => text.includes(providerEmail.toLowerCase())),
        'the scan finds the provider email that the database does store',
      );
      for (const [index, text] of everything.entries()) {
        assert.ok(!text.includes(needle), `the patient name is in ${files[index].path}`);
      }

      const output = server.output().toString('utf8');
      assert.ok(output.length > 0, 'the server printed a log');
      assert.ok(!output.toLowerCase().includes(needle), 'the patient name is in the server output');
    });
  });
}
