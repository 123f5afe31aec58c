// Passkeys in a real browser. Chromium's virtual WebAuthn authenticator
// (DevTools protocol) replaces a security key, so static/js/passkey.js runs
// navigator.credentials.create() and .get() against the server.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import {
  mailedLink,
  newContext,
  pageFaults,
  startServerAndBrowser,
  stopServerAndBrowser,
  uniqueName,
  watchConsole,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

/**
 * Adds a virtual authenticator that keeps discoverable credentials and
 * verifies the user without a prompt.
 * @param {import('playwright-core').BrowserContext} context
 * @param {import('playwright-core').Page} page
 */
async function addAuthenticator(context, page) {
  const session = await context.newCDPSession(page);
  await session.send('WebAuthn.enable');
  await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return session;
}

/**
 * Signs a new provider up and logs in with the password, stopping on the
 * setup page of the first second factor.
 * @param {import('playwright-core').Page} page
 */
async function signUpToSetup(page) {
  const id = uniqueName('p').slice(2).toLowerCase();
  const account = { email: `erika.${id}@praxis.example`, password: `correct horse battery ${id}` };
  await page.goto(`${server.origin}/signup`);
  await page.fill('#name', 'Dr. Erika Muster');
  await page.fill('#practice_name', `Praxis ${id.slice(0, 6)}`);
  await page.fill('#email', account.email);
  await page.fill('#slug', `praxis-${id}`);
  await page.fill('#password', account.password);
  await page.click('form[action="/signup"] button[type="submit"]');
  await page.locator('h1').first().waitFor();
  await page.goto(await mailedLink(server, '/verify-email', account.email));

  await page.goto(`${server.origin}/login`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL(/\/account\/setup$/), page.click('form[action="/login"] button[type="submit"]')]);
  return account;
}

/**
 * Runs axe on the page and fails with every serious or critical violation.
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
async function assertAccessible(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations.filter((violation) => ['serious', 'critical'].includes(violation.impact ?? ''));
  const described = severe.map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  assert.deepEqual(described, [], `${label} has serious or critical accessibility violations`);
}

/** @param {import('playwright-core').Page} page */
async function logOut(page) {
  await Promise.all([page.waitForURL(`${server.origin}/`), page.click('form[action="/logout"] button[type="submit"]')]);
}

test('passkey enrols, signs in and confirms a login', { timeout: 120_000 }, async () => {
  const context = await newContext(browser, server, 'de-DE');
  const page = await context.newPage();
  const consoleLines = watchConsole(page);
  await addAuthenticator(context, page);
  const account = await signUpToSetup(page);
  await assertAccessible(page, 'the setup page');

  await page.click('#passkey-register');
  await page.locator('#passkey-recovery').waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await page.locator('#passkey-recovery-codes li').count(), 10, 'the recovery codes are not shown');
  await Promise.all([page.waitForURL(/\/dashboard$/), page.click('#passkey-recovery-continue')]);

  await logOut(page);
  await page.goto(`${server.origin}/login`);
  await assertAccessible(page, 'the login page');
  await Promise.all([page.waitForURL(/\/dashboard$/, { timeout: 15_000 }), page.click('#passkey-sign-in')]);

  await logOut(page);
  await page.goto(`${server.origin}/login`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL(/\/login\/code$/), page.click('form[action="/login"] button[type="submit"]')]);
  await assertAccessible(page, 'the code page');
  await Promise.all([page.waitForURL(/\/dashboard$/, { timeout: 15_000 }), page.click('#passkey-second-factor')]);

  // The same authenticator again: the browser rejects it, and the page shows the German message.
  await page.goto(`${server.origin}/account`);
  await assertAccessible(page, 'the account page');
  await page.click('#passkey-register');
  await page.locator('#passkey-status').filter({ hasText: 'bereits eingerichtet' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(pageFaults(consoleLines), [], 'the pages had script errors');
  await context.close();
});
