import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of each page (git-ignored test artifacts). */
const OUTPUT = resolve(__dirname, 'output');
const EVIL = '<script>alert(1)</script>';

describe('a merchant connects Shopify, then Facebook, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    stack = await startTestStack({ publicHost: 'localhost', shopify: { demo: true }, facebook: { demo: true } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.shutdown();
  });

  /**
   * Console errors, page errors and dialogs (an executed `alert`) seen on our pages. The emulators' approval
   * pages are not ours (their favicon requests fail), so only errors from the app's origin count.
   */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('console', (m) => {
      const where = m.location().url;
      if (m.type() === 'error' && where.startsWith(stack.appUrl)) problems.push(`console: ${m.text()} (${where})`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return problems;
  }

  it('walks Shopify → Facebook → status on readable pages, with one UUID and well-scoped cookies', async () => {
    const user = stack.facebook!.defaultUser();
    stack.facebook!.updatePage(user.pageIds[0]!, { name: EVIL });
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);

    // Shopify: login → the emulator's approve page → the callback's page.
    await page.goto(`${stack.appUrl}/shopify/acme-7cu19ngr/login`);
    await page.click('#approve');
    await page.waitForURL(/\/shopify\/callback\?/);
    await page.screenshot({ path: join(OUTPUT, '1-shopify-connected.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe('Your Shopify store is connected');
    const productCount = stack.shopify!.getProducts('acme-7cu19ngr.myshopify.com').length;
    expect((await page.textContent('#product-count'))?.trim()).toBe(String(productCount));
    expect(await page.locator('ul.checks li', { hasText: '✓ Passed' }).count()).toBe(3);
    expect(await page.getAttribute('#connect-facebook', 'href')).toBe(`${stack.appUrl}/facebook/login`);
    expect(await page.getAttribute('#view-status', 'href')).toBe(`${stack.appUrl}/account/status`);
    // The seed's JSON, in full, in the collapsed section.
    const shopify = JSON.parse((await page.textContent('details pre')) ?? '');
    expect(shopify.webhook_test).toEqual({ status: 'success' });
    expect(shopify.polling_test).toEqual({ status: 'success' });
    expect(shopify.upload_status).toEqual({ status: 'success' });
    expect(shopify.product_count).toBe(productCount);

    const cookies = await context.cookies(stack.appUrl);
    const session = cookies.find((c) => c.name === 'session_id');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(cookies.find((c) => c.name === 'shopify_oauth_state')).toBeUndefined();

    // Facebook: the page's button → approve → the callback's page.
    await page.click('#connect-facebook');
    await page.click('#approve');
    await page.waitForURL(/\/facebook\/callback\?/);
    await page.screenshot({ path: join(OUTPUT, '2-facebook-connected.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe('Your Facebook Pages are connected');
    expect(await page.locator('tbody tr').count()).toBe(user.pageIds.length);
    expect(await page.textContent('tbody')).toContain(EVIL);
    expect(await page.locator('script').count()).toBe(0);
    const facebook = JSON.parse((await page.textContent('details pre')) ?? '');
    expect(facebook.user_uuid).toBe(shopify.user_uuid);
    expect(facebook.webhook_test).toEqual({ status: 'success' });
    for (const entry of [...facebook.polling_test, ...facebook.upload_status])
      expect(entry.result).toEqual({ status: 'success' });
    const pageId = facebook.upload_status[0].page_id;
    expect(
      await stack.store.getJson(`users/${shopify.user_uuid}/facebook_messenger/${pageId}/page_data.json`),
    ).not.toBeNull();

    // Status: everything the two connections did, right away.
    await page.click('#view-status');
    await page.waitForURL(/\/account\/status$/);
    await page.screenshot({ path: join(OUTPUT, '3-account-status.png'), fullPage: true });
    expect(await page.textContent('h1')).toBe('Account status');
    const shops = (await page.textContent('#shops')) ?? '';
    expect(shops).toContain('acme-7cu19ngr.myshopify.com');
    expect(shops).toContain('✓ Connected');
    expect(shops).toContain(String(productCount));
    expect(shops).not.toContain('Not synced yet');
    const pages = (await page.textContent('#pages')) ?? '';
    expect(pages).toContain(EVIL);
    for (const id of user.pageIds) expect(pages).toContain(id);
    expect(await page.locator('svg.chart').count()).toBe(2);
    expect(await page.locator('script').count()).toBe(0);
    expect(problems).toEqual([]);

    // ?format=json forces the JSON in a browser too.
    await page.goto(`${stack.appUrl}/account/status?format=json`);
    const status = JSON.parse((await page.textContent('body')) ?? '');
    expect(status.user_uuid).toBe(shopify.user_uuid);
    expect(status.pages).toHaveLength(user.pageIds.length);
    await context.close();
  });
});
