import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countWebhookUpdates, readStatus, recordSyncOutcome } from '../../../lib/account/status';
import { createLogger } from '../../../lib/log';
import { PAGE_CSP } from '../../../lib/pages/html';
import { CookieJar, get, startTestStack, type TestStack } from '../../helpers/stack';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const EVIL = '<script>alert(1)</script>';

/** GET with an Accept header, sending and storing cookies, without following redirects. */
async function fetchAs(url: string, jar: CookieJar, accept?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (jar.cookies.size) headers.cookie = jar.header();
  if (accept !== undefined) headers.accept = accept;
  const res = await fetch(url, { redirect: 'manual', headers });
  jar.store(res);
  return res;
}

/** Shopify login → emulator approval → the callback, asking for `accept`. */
async function connectShop(
  stack: TestStack,
  name: string,
  accept: string | undefined,
  jar = new CookieJar(),
  suffix = '',
) {
  const login = await get(`${stack.appUrl}/shopify/${name}/login`, jar);
  const authorize = await get(login.headers.get('location')!);
  const res = await fetchAs(`${authorize.headers.get('location')!}${suffix}`, jar, accept);
  return { res, text: await res.text(), jar };
}

/** Facebook login (needs the session) → emulator approval → the callback, asking for `accept`. */
async function connectFacebook(stack: TestStack, jar: CookieJar, accept: string | undefined) {
  const login = await fetchAs(`${stack.appUrl}/facebook/login`, jar);
  expect(login.status).toBe(302);
  const dialog = await fetch(login.headers.get('location')!, { redirect: 'manual' });
  await dialog.body?.cancel();
  const res = await fetchAs(dialog.headers.get('location')!.split('#')[0]!, jar, accept);
  return { res, text: await res.text() };
}

describe('pages for people, JSON for programs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
    for (const shop of ['json-star', 'json-none', 'html-shop', 'json-forced']) {
      stack.shopify!.seedShop(`${shop}.myshopify.com`, { products: 60 });
    }
    stack.shopify!.seedShop('evil-shop.myshopify.com', { products: 3, name: `${EVIL} & Co` });
  });
  afterAll(async () => stack?.shutdown());

  it("keeps the seed's JSON for */* and for no Accept, with product_count beside the preview", async () => {
    const cases = [
      ['json-star', '*/*'],
      ['json-none', undefined],
      ['json-forced', BROWSER_ACCEPT],
    ] as const;
    for (const [name, accept] of cases) {
      const suffix = name === 'json-forced' ? '&format=json' : '';
      const { res, text } = await connectShop(stack, name, accept, new CookieJar(), suffix);
      expect(res.status, text).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = JSON.parse(text);
      expect(Object.keys(body)).toEqual([
        'user_uuid',
        'token_data',
        'shopify_data',
        'product_count',
        'webhook_test',
        'polling_test',
        'upload_status',
      ]);
      expect(body.product_count).toBe(60);
      expect(body.shopify_data.data.products.edges.length).toBeLessThanOrEqual(60);
      expect(body.upload_status).toEqual({ status: 'success' });
    }
  });

  it('shows a browser the Shopify page, then the Facebook page, then a truthful status page', async () => {
    // Prepare: a Page whose name is markup.
    const user = stack.facebook!.defaultUser();
    stack.facebook!.updatePage(user.pageIds[0]!, { name: EVIL });

    // Act: Shopify
    const shop = await connectShop(stack, 'html-shop', BROWSER_ACCEPT);

    // Assess
    expect(shop.res.status).toBe(200);
    expect(shop.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(shop.res.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(shop.res.headers.get('vary')).toMatch(/Accept/);
    expect(shop.text).toContain('Your Shopify store is connected');
    expect(shop.text).toMatch(/<dd id="product-count">60<\/dd>/);
    expect(shop.text).toContain(`href="${stack.appUrl}/facebook/login"`);
    expect(shop.text.match(/✓ Passed/g)).toHaveLength(3);
    expect(shop.text).toContain('<details>');
    expect(shop.text).not.toMatch(/<script/i);
    expect(shop.res.headers.getSetCookie().some((c) => c.startsWith('session_id='))).toBe(true);

    // Act: Facebook, then the status page, right after connecting.
    const fb = await connectFacebook(stack, shop.jar, BROWSER_ACCEPT);
    const page = await fetchAs(`${stack.appUrl}/account/status`, shop.jar, BROWSER_ACCEPT);
    const statusHtml = await page.text();
    const forced = await fetchAs(`${stack.appUrl}/account/status?format=json`, shop.jar, BROWSER_ACCEPT);
    const statusJson = await forced.json();

    // Assess: the Page name is text, never markup, on both pages.
    expect(fb.res.status, fb.text).toBe(200);
    expect(fb.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(fb.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(fb.text).not.toContain(EVIL);
    expect(fb.text).toContain('Your Facebook Pages are connected');
    expect(statusHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(statusHtml).not.toContain(EVIL);
    expect(statusHtml).toContain('<svg class="chart" id="chart-products"');
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);

    // Assess: the status says what connecting did, with no "not synced yet".
    expect(statusJson.shops).toHaveLength(1);
    expect(statusJson.shops[0]).toMatchObject({
      shop: 'html-shop.myshopify.com',
      state: 'connected',
      lastResult: 'success',
      productCount: 60,
      source: 'oauth',
    });
    expect(statusJson.pages.map((p: any) => p.pageId).sort()).toEqual([...user.pageIds].sort());
    for (const p of statusJson.pages) {
      expect(p).toMatchObject({ state: 'connected', lastResult: 'success', source: 'oauth' });
    }
    expect(statusJson.pages.find((p: any) => p.pageId === user.pageIds[0]).name).toBe(EVIL);
    expect(JSON.stringify(statusJson)).not.toMatch(/Not synced yet|Not polled yet/);
    // Which storage mode the deployment runs in, as the probe found it (LOCAL_SPACES_CONDITIONAL_WRITES picks it here).
    const mode = stack.spaces!.conditionalWrites === 'honour' ? 'honoured' : 'ignored';
    expect(statusJson.storage).toEqual({ conditional_writes: mode });
    expect(statusHtml).toContain(`Spaces ${mode === 'honoured' ? 'honours' : 'ignores'} conditional writes`);
    const today = new Date().toISOString().slice(0, 10);
    expect(statusJson.daily).toEqual([{ date: today, productsSynced: 60, webhookUpdates: 0 }]);

    // Assess: the self-tests' expected rejections are followed by a line saying so.
    const shopWarn = stack.logs.findIndex((l) => l.includes('Rejected Shopify webhook'));
    const shopNote = stack.logs.findIndex((l) => l.includes('The rejected Shopify webhook above was this self-test'));
    expect(shopWarn).toBeGreaterThanOrEqual(0);
    expect(shopNote).toBeGreaterThan(shopWarn);
    expect(stack.logs.some((l) => l.includes('The rejected Facebook webhook above was this self-test'))).toBe(true);
  });

  it('escapes a shop name and shows a moved Page and the history on the status page', async () => {
    // Prepare: the shop's own page first (its name is markup), then JSON for the UUID.
    const shopPage = await connectShop(stack, 'evil-shop', 'text/html');
    expect(shopPage.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co (evil-shop.myshopify.com)');
    expect(shopPage.text).not.toContain(EVIL);
    const { res, text, jar } = await connectShop(stack, 'evil-shop', '*/*');
    expect(res.status, text).toBe(200);
    const uuid = JSON.parse(text).user_uuid as string;
    const at = new Date().toISOString();
    await recordSyncOutcome(stack.store, uuid, [
      {
        kind: 'page',
        value: {
          pageId: '999',
          state: 'moved',
          movedAt: at,
          lastSyncAt: at,
          lastResult: 'skipped',
          name: `"><img src=x onerror=alert(1)>`,
          message: 'The Page moved to another account.',
        },
      },
    ]);
    const log = createLogger({ sink: () => undefined });
    const clock = { now: Date.now, sleep: async () => undefined };
    await countWebhookUpdates({ store: stack.store, clock, log }, uuid, 7);

    // Act
    const page = await fetchAs(`${stack.appUrl}/account/status`, jar, 'text/html');
    const body = await page.text();
    const json = await (await fetchAs(`${stack.appUrl}/account/status`, jar, 'application/json')).json();

    // Assess
    expect(body).toContain('Moved to another account');
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(body).not.toContain('<img');
    expect(body).toMatch(/Webhook updates applied: 7 in the last 30 days/);
    expect(json.reauth_required).toBe(false);
    expect(json.pages[0]).toMatchObject({ pageId: '999', state: 'moved' });
    expect(json.pages[0].fix).toMatch(/Another account connected this Page/);
    const status = (await readStatus(stack.store, uuid))!;
    expect(status.daily!.at(-1)).toMatchObject({ productsSynced: 6, webhookUpdates: 7 });
  });
});
