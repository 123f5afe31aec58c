// axe-core scans of the patient and provider pages, and the check-in form's
// own error messages.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import {
  checkIn,
  newContext,
  pageString,
  queueEntry,
  recordSentFrames,
  signUp,
  startCall,
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
 * Runs axe on the page and fails with every serious or critical violation.
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
async function assertAccessible(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations.filter((violation) => ['serious', 'critical'].includes(violation.impact ?? ''));
  const described = severe.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
  assert.deepEqual(described, [], `${label} has serious or critical accessibility violations`);
}

for (const locale of ['en-US', 'de-DE']) {
  describe(`axe in ${locale}`, { timeout: 120_000 }, () => {
    test('join, waiting and dashboard pages', async () => {
      const providerContext = await newContext(browser, server, locale);
      const patientContext = await newContext(browser, server, locale);
      const { page: dashboard } = await signUp(providerContext, server);
      const roomUrl = await dashboard.inputValue('#room-url');
      await assertAccessible(dashboard, 'the empty dashboard');

      const room = await patientContext.newPage();
      await room.goto(roomUrl);
      await room.locator('#media-status').filter({ hasText: /\S/ }).waitFor({ timeout: 5_000 });
      await assertAccessible(room, 'the join page');

      await room.click('#check-in-button');
      await room.locator('#display-name-error').waitFor({ state: 'visible' });
      await assertAccessible(room, 'the join page with errors');

      const name = uniqueName();
      await checkIn(room, roomUrl, name);
      await assertAccessible(room, 'the waiting page');

      await queueEntry(dashboard, name).waitFor({ timeout: 10_000 });
      await assertAccessible(dashboard, 'the dashboard with a waiting patient');

      await providerContext.close();
      await patientContext.close();
    });

    test('call view on both sides', async () => {
      const { dashboard, room, providerContext, patientContext } = await startCall(browser, server, { locale });
      await assertAccessible(room, 'the patient call view');
      await assertAccessible(dashboard, 'the provider call view');

      await room.click('#call-hang-up');
      await room.locator('#ended-view').waitFor({ state: 'visible', timeout: 10_000 });
      await assertAccessible(room, 'the visit-ended view');

      await providerContext.close();
      await patientContext.close();
    });
  });
}

describe('check-in form', { timeout: 60_000 }, () => {
  const cases = [
    { input: '', message: 'nameEmpty' },
    { input: '   ', message: 'nameEmpty' },
    { input: 'Ada 123', message: 'nameNotALetter' },
    { input: 'Ada; Lovelace', message: 'nameNotALetter' },
    { input: '<script>', message: 'nameNotALetter' },
    { input: 'a'.repeat(65), message: 'nameTooLong' },
    { input: 'A\u200Bda', message: 'nameForbiddenCharacter' },
    { input: '\u202EadA', message: 'nameForbiddenCharacter' },
  ];

  test('name errors are specific and stay local', async () => {
    const providerContext = await newContext(browser, server, 'en-US');
    const { page: dashboard } = await signUp(providerContext, server);
    const roomUrl = await dashboard.inputValue('#room-url');
    const context = await newContext(browser, server, 'en-US');
    const page = await context.newPage();
    const sent = recordSentFrames(page);
    await page.goto(roomUrl);
    await page.check('#consent');

    for (const { input, message } of cases) {
      await page.fill('#display-name', input);
      await page.click('#check-in-button');
      const error = page.locator('#display-name-error');
      assert.equal(await error.innerText(), await pageString(page, message), `message for ${JSON.stringify(input)}`);
      assert.equal(await page.getAttribute('#display-name', 'aria-invalid'), 'true');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'display-name', 'focus is on the name');
    }
    assert.deepEqual(sent, [], 'no invalid name was sent to the server');

    await page.fill('#display-name', 'Ada Lovelace');
    assert.ok(await page.locator('#display-name-error').isHidden(), 'typing clears the error');
    await page.uncheck('#consent');
    await page.click('#check-in-button');
    assert.equal(await page.locator('#consent-error').innerText(), await pageString(page, 'consentMissing'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'consent', 'focus is on the consent');
    assert.deepEqual(sent, [], 'nothing was sent without consent');

    await page.check('#consent');
    await page.fill('#display-name', '  Jürgen   Groß-Müller ');
    await page.click('#check-in-button');
    await page.locator('#waiting-view').waitFor({ state: 'visible', timeout: 10_000 });
    assert.deepEqual(JSON.parse(sent[0]), { type: 'check_in', name: 'Jürgen Groß-Müller' }, 'the name is sent trimmed');

    await context.close();
    await providerContext.close();
  });
});
