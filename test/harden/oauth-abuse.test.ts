import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness/context';
import { Browser, connectFacebook, connectShopify, platformHop } from './harness/flows';
import { jsonOf, type Observed } from './harness/http';
import { diffListings, listObjects } from './harness/objects';

const SEED = 20260802;

describe('OAuth abuse', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  async function withoutWrites(act: () => Promise<Observed>): Promise<Observed> {
    const before = await listObjects(h.s3, h.bucket);
    const res = await act();
    expect(diffListings(before, await listObjects(h.s3, h.bucket))).toEqual({ created: [], changed: [], deleted: [] });
    return res;
  }
  const error = (res: Observed) => (jsonOf(res) as { error?: string } | undefined)?.error;

  it("redirects only to the shop's own authorize page with our callback, whatever shop or redirect_uri is asked for", async () => {
    const admin = new URL(h.stack.shopify!.origin);
    const crafted = fc.oneof(
      fc.constantFrom(
        'evil.com',
        '//evil.com',
        'acme.myshopify.com@evil.com',
        'acme.myshopify.com.evil.com',
        'acme.myshopify.com/../evil',
        'acme.myshopify.com%2F@evil.com',
        'acme.myshopify.com:443@evil.com',
        'acme\uff0emyshopify.com',
        'acme%0d%0aLocation:%20https://evil.com',
        'https://evil.com/?.myshopify.com',
        'ACME.MYSHOPIFY.COM',
        ' acme ',
      ),
      fc.stringMatching(/^[a-z0-9.@:/%\\-]{1,40}$/),
    );
    await fc.assert(
      fc.asyncProperty(
        crafted,
        fc.constantFrom('', '&redirect_uri=https%3A%2F%2Fevil.com', '&return_to=//evil.com'),
        async (shop, extra) => {
          const res = await h.send({ method: 'GET', path: `/shopify/login?shop=${encodeURIComponent(shop)}${extra}` });
          if (res.status !== 302) {
            expect(res.status).toBe(400);
            expect(res.headers.location).toBeUndefined();
            return;
          }
          const location = new URL(String(res.headers.location));
          expect(location.origin).toBe(admin.origin);
          expect(location.pathname).toMatch(/^\/[a-z0-9][a-z0-9-]*\.myshopify\.com\/admin\/oauth\/authorize$/);
          expect(location.pathname.split('/')[1]).toBe(
            `${shop
              .trim()
              .toLowerCase()
              .replace(/\.myshopify\.com$/, '')}.myshopify.com`,
          );
          expect(location.searchParams.get('redirect_uri')).toBe(`${h.stack.appUrl}/shopify/callback`);
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  });

  it("keeps Facebook's redirect_uri our own callback", async () => {
    const { browser } = await connectShopify(h, 'redirect-check');
    const res = await browser.get('/facebook/login?redirect_uri=https%3A%2F%2Fevil.com&next=//evil.com');
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin).toBe(new URL(h.stack.facebook!.wwwOrigin).origin);
    expect(location.searchParams.get('redirect_uri')).toBe(`${h.stack.appUrl}/facebook/callback`);
  });

  it('refuses a Shopify callback whose state belongs to another login (state replay / login CSRF)', async () => {
    const victim = new Browser(h);
    const first = await victim.get('/shopify/replay-shop/login');
    const callback = await platformHop(String(first.headers.location));
    await victim.get('/shopify/replay-shop/login'); // a second login replaces the state cookie
    const res = await withoutWrites(() => victim.get(callback));
    expect(res.status).toBe(401);
    expect(error(res)).toBe('state_mismatch');
    const noCookie = await withoutWrites(() => h.send({ method: 'GET', path: callback }));
    expect(noCookie.status).toBe(400);
    expect(error(noCookie)).toBe('state_cookie_missing');
  });

  it('refuses a callback for another shop than the one the login started for', async () => {
    const browser = new Browser(h);
    const login = await browser.get('/shopify/shop-one/login');
    const other = String(login.headers.location).replace('/shop-one.myshopify.com/', '/shop-two.myshopify.com/');
    const res = await withoutWrites(async () => browser.get(await platformHop(other)));
    expect(res.status).toBe(401);
    expect(error(res)).toBe('shop_mismatch');
  });

  it('refuses a Shopify callback replayed after success, and changes nothing', async () => {
    const { res, browser, callbackPath } = await connectShopify(h, 'replayed-after-success');
    expect(res.status).toBe(200);
    const replay = await withoutWrites(() =>
      h.send({
        method: 'GET',
        path: callbackPath,
        headers: { cookie: `shopify_oauth_state=${browser.cookies.get('shopify_oauth_state') ?? ''}` },
      }),
    );
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect(replay.status).toBeLessThan(500);
    const again = await withoutWrites(() => browser.get(callbackPath));
    expect(again.status).toBe(400);
  });

  it('refuses a Facebook callback without a matching state (login CSRF) and writes nothing', async () => {
    const { browser } = await connectShopify(h, 'fb-csrf');
    const login = await browser.get('/facebook/login');
    const callback = await platformHop(String(login.headers.location));
    const session = `session_id=${browser.cookies.get('session_id')}`;
    const state = `facebook_oauth_state=${browser.cookies.get('facebook_oauth_state')}`;
    const cases: Array<[string, string, number, string]> = [
      ['no state cookie', session, 400, 'state_cookie_missing'],
      ['state param removed', `${session}; ${state}`, 401, 'state_mismatch'],
      ['state param from another login', `${session}; ${state}`, 401, 'state_mismatch'],
    ];
    for (const [what, cookie, status, code] of cases) {
      const path =
        what === 'state param removed'
          ? callback.replace(/([?&])state=[^&]*/, '$1')
          : what.startsWith('state param from')
            ? callback.replace(/state=[^&]*/, 'state=AAAA')
            : callback;
      const res = await withoutWrites(() => h.send({ method: 'GET', path, headers: { cookie } }));
      expect({ what, status: res.status, code: error(res) }).toEqual({ what, status, code });
    }
    const done = await browser.get(callback);
    expect(done.status).toBe(200);
    const replay = await withoutWrites(() =>
      h.send({ method: 'GET', path: callback, headers: { cookie: `${session}; ${state}` } }),
    );
    expect(replay.status).toBe(400);
  });

  it('refuses a Facebook login from a browser without a Shopify session', async () => {
    const res = await withoutWrites(() => h.send({ method: 'GET', path: '/facebook/login' }));
    expect(res.status).toBe(401);
    expect(error(res)).toBe('session_missing');
    const { browser } = await connectShopify(h, 'fb-ok');
    expect((await connectFacebook(h, browser)).res.status).toBe(200);
  });
});
