// The dashboard's room link and room settings form.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  newContext,
  pageString,
  signUp,
  startServerAndBrowser,
  stopServerAndBrowser,
} from './helpers.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

after(() => stopServerAndBrowser(server, browser));

test('copy button copies the room link', { timeout: 60_000 }, async () => {
  const context = await newContext(browser, server, 'en-US');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
  const { page, account } = await signUp(context, server);

  await page.click('#copy-link');
  await page.locator('#copy-status').filter({ hasText: /\S/ }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#copy-status').innerText(), await pageString(page, 'linkCopied'));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.inputValue('#room-url'));
  assert.equal(new URL(copied).pathname, `/r/${account.slug}`);

  await context.close();
});

test('room settings change the room page', { timeout: 60_000 }, async () => {
  const context = await newContext(browser, server, 'de-DE');
  const { page, account } = await signUp(context, server);
  const message = 'Bitte halten Sie Ihre Versichertenkarte bereit.\nDanke!';
  const newSlug = `${account.slug}-neu`;

  await page.fill('#slug', newSlug);
  await page.fill('#waiting_message', message);
  await Promise.all([page.waitForURL(/\/dashboard\?saved=1$/), page.click('form[action="/dashboard/room"] button[type="submit"]')]);
  assert.ok(await page.locator('#settings-saved').isVisible(), 'the dashboard confirms the change');
  assert.equal(new URL(await page.inputValue('#room-url')).pathname, `/r/${newSlug}`);
  assert.equal(await page.inputValue('#waiting_message'), message);

  const room = await context.newPage();
  await room.goto(await page.inputValue('#room-url'));
  assert.equal(await room.locator('.waiting-message').innerText(), message, 'patients read the message');
  const old = await room.goto(`${server.origin}/r/${account.slug}`);
  assert.equal(old?.status(), 404, 'the old room link no longer works');

  await page.fill('#slug', 'Ungültig!');
  await page.click('form[action="/dashboard/room"] button[type="submit"]');
  await page.locator('#settings-error').waitFor({ timeout: 5_000 });
  assert.match(await page.locator('#settings-error').innerText(), /\S/, 'the dashboard explains the rejected slug');

  await context.close();
});
