// Provider account security in a real browser: the verification link leaves
// the address bar, the strength meter applies the server's rules, and a
// second login needs a code computed like an authenticator app does.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  mailedLink,
  newContext,
  signUp,
  startServerAndBrowser,
  stopServerAndBrowser,
  totpCode,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

test('second login needs a fresh authenticator code', { timeout: 120_000 }, async () => {
  const context = await newContext(browser, server, 'de-DE');
  const { page, account } = await signUp(context, server);
  await page.click('form[action="/logout"] button[type="submit"]');
  await page.goto(`${server.origin}/dashboard`);
  assert.equal(new URL(page.url()).pathname, '/login', 'the dashboard opened after logout');

  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL(/\/login\/code$/), page.click('form[action="/login"] button[type="submit"]')]);

  await page.fill('#code', '000000');
  await page.click('form[action="/login/code"] button[type="submit"]');
  await page.locator('#code-error').waitFor();
  assert.match(await page.locator('#code-error').innerText(), /nicht gültig/);

  await page.fill('#code', totpCode(account.totpSecret, Date.now() + 30_000));
  await Promise.all([page.waitForURL(/\/dashboard$/), page.click('form[action="/login/code"] button[type="submit"]')]);
  await context.close();
});

test('verification link leaves the address bar', { timeout: 60_000 }, async () => {
  const context = await newContext(browser, server, 'en-US');
  const page = await context.newPage();
  await page.goto(`${server.origin}/signup`);
  await page.fill('#name', 'Dr. Ada Muster');
  await page.fill('#practice_name', 'Praxis Ada');
  await page.fill('#email', 'ada.link@praxis.example');
  await page.fill('#slug', 'praxis-ada-link');
  await page.fill('#password', 'correct horse battery staple');
  await page.click('form[action="/signup"] button[type="submit"]');
  await page.locator('h1').filter({ hasText: 'check your inbox' }).waitFor();

  const link = await mailedLink(server, '/verify-email', 'ada.link@praxis.example');
  await page.goto(link);
  assert.equal(new URL(page.url()).search, '', `the token stayed in the address bar: ${page.url()}`);
  assert.equal(await page.locator('h1').innerText(), 'Email address confirmed');
  await context.close();
});

test('strength meter explains a weak password', { timeout: 60_000 }, async () => {
  const context = await newContext(browser, server, 'de-DE');
  const page = await context.newPage();
  await page.goto(`${server.origin}/signup`);
  await page.fill('#name', 'Erika Muster');
  await page.fill('#email', 'erika.meter@praxis.example');

  await page.locator('#password').pressSequentially('Passwort123456', { delay: 10 });
  await page.locator('#password-meter-message').filter({ hasText: /Liste/ }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');

  await page.fill('#password', '');
  await page.locator('#password').pressSequentially('Zwetschgen-Baum wächst leise', { delay: 10 });
  await page.locator('#password-meter-message').filter({ hasText: /Gut/ }).waitFor({ timeout: 5_000 });
  const score = await page.$eval('#password-meter', (meter) => /** @type {HTMLMeterElement} */ (meter).value);
  assert.ok(score >= 3, `the meter shows ${score} for a good passphrase`);
  await context.close();
});
