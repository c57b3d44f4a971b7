import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('a merchant connects Shopify, then Facebook, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startTestStack({ publicHost: 'localhost', shopify: { demo: true }, facebook: { demo: true } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.shutdown();
  });

  it('ends at the seed\'s JSON twice, with one UUID and well-scoped cookies', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    // Shopify: login → the emulator's approve page → the callback's JSON.
    await page.goto(`${stack.appUrl}/shopify/acme-7cu19ngr/login`);
    await page.click('#approve');
    await page.waitForURL(/\/shopify\/callback\?/);
    const shopify = JSON.parse((await page.textContent('body')) ?? '');
    expect(shopify.webhook_test).toEqual({ status: 'success' });
    expect(shopify.polling_test).toEqual({ status: 'success' });
    expect(shopify.upload_status).toEqual({ status: 'success' });

    const cookies = await context.cookies(stack.appUrl);
    const session = cookies.find((c) => c.name === 'session_id');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(cookies.find((c) => c.name === 'shopify_oauth_state')).toBeUndefined();

    // Facebook: login (needs the session cookie) → approve → the callback's JSON.
    await page.goto(`${stack.appUrl}/facebook/login`);
    await page.click('#approve');
    await page.waitForURL(/\/facebook\/callback\?/);
    const facebook = JSON.parse((await page.textContent('body')) ?? '');
    expect(facebook.user_uuid).toBe(shopify.user_uuid);
    expect(facebook.webhook_test).toEqual({ status: 'success' });
    expect(facebook.polling_test.length).toBeGreaterThan(0);
    for (const entry of [...facebook.polling_test, ...facebook.upload_status]) expect(entry.result).toEqual({ status: 'success' });
    const pageId = facebook.upload_status[0].page_id;
    expect(await stack.store.getJson(`users/${shopify.user_uuid}/facebook_messenger/${pageId}/page_data.json`)).not.toBeNull();
    await context.close();
  });
});
