import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBox } from '../../../lib/crypto/token-box';
import { keys } from '../../../lib/storage/keys';
import { createTokenVault } from '../../../lib/vault/token-vault';
import type { ShopifyToken } from '../../../lib/shopify/schemas';
import { validatorFor } from '../../helpers/schema';
import { CookieJar, connectShopify, get, startTestStack, type TestStack } from '../../helpers/stack';

const validate = validatorFor('shopify_data.schema.json');

describe('Shopify connection through the local DO host', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
    stack.shopify!.seedShop('acme-7cu19ngr.myshopify.com', {
      products: 1000,
      variantsPerProduct: 3,
      bigVariantProduct: 130,
    });
  });
  afterAll(async () => stack?.shutdown());

  it("ends at the seed's JSON and writes the whole 1,000-product catalog to Spaces", async () => {
    // Act
    const { res, body, jar } = await connectShopify(stack, 'acme-7cu19ngr');

    // Assess
    expect(res.status).toBe(200);
    expect(body.user_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.webhook_test).toEqual({ status: 'success' });
    expect(body.polling_test).toEqual({ status: 'success' });
    expect(body.upload_status).toEqual({ status: 'success' });
    expect(Object.keys(body.token_data)).toEqual(['scope']);
    expect(body.shopify_data.data.shop.primaryDomain.url).toBe('https://acme-7cu19ngr.myshopify.com');
    expect(body.shopify_data.data.products.edges.length).toBeGreaterThan(0);
    expect(body.shopify_data.data.products.edges.length).toBeLessThan(1000);
    expect(JSON.stringify(body).length).toBeLessThan(1024 * 1024);
    expect(jar.raw.find((c) => c.startsWith('session_id='))).toMatch(/HttpOnly; Secure; SameSite=Lax/);

    const stored = await stack.store.getJson<any>(keys.shopifySnapshot(body.user_uuid));
    expect(stored).not.toBeNull();
    const snapshot = stored!.value;
    expect(validate(snapshot)).toEqual({ valid: true, errors: 'No errors' });
    const expected = stack.shopify!.getProducts('acme-7cu19ngr.myshopify.com');
    expect(snapshot.meta.productCount).toBe(expected.length);
    expect(new Set(snapshot.data.products.edges.map((e: any) => e.node.id))).toEqual(
      new Set(expected.map((p) => p.id)),
    );
    const big = snapshot.data.products.edges.find((e: any) => e.node.variants.edges.length === 130);
    expect(big).toBeDefined();
    expect(snapshot.data.products.edges[0].node.title).toBe('The Complete Snowboard');

    const topics = stack
      .shopify!.webhooks('acme-7cu19ngr.myshopify.com')
      .map((w) => w.topic)
      .sort();
    expect(topics).toEqual([
      'APP_UNINSTALLED',
      'INVENTORY_LEVELS_UPDATE',
      'PRODUCTS_CREATE',
      'PRODUCTS_DELETE',
      'PRODUCTS_UPDATE',
    ]);
    expect(
      stack.logs.some((l) => l.includes('Webhook registered for acme-7cu19ngr.myshopify.com: products/update')),
    ).toBe(true);
    expect(stack.logs.some((l) => l.includes('Uploaded data to Spaces for acme-7cu19ngr.myshopify.com'))).toBe(true);
  });

  it('keeps the UUID on reconnect and registers no duplicate webhooks', async () => {
    const first = await connectShopify(stack, 'second-shop');
    const again = await connectShopify(stack, 'second-shop.myshopify.com');
    expect(again.body.user_uuid).toBe(first.body.user_uuid);
    expect(stack.shopify!.webhooks('second-shop.myshopify.com')).toHaveLength(5);
  });

  it("gives a different shop its own UUID even with another shop's session cookie", async () => {
    const a = await connectShopify(stack, 'shop-a');
    const b = await connectShopify(stack, 'shop-b', a.jar);
    expect(b.res.status).toBe(200);
    expect(b.body.user_uuid).not.toBe(a.body.user_uuid);
  });

  it('stores tokens only encrypted, outside users/, and never shows them', async () => {
    const { body } = await connectShopify(stack, 'secret-scan');
    const vault = createTokenVault(stack.store, createTokenBox(stack.env.TOKEN_ENCRYPTION_KEY!));
    const token = (await vault.get<ShopifyToken>(keys.shopifyToken('secret-scan.myshopify.com')))!.value;
    expect(token.accessToken).toMatch(/^shpat_/);
    const secrets = [
      token.accessToken,
      token.refreshToken!,
      stack.env.SHOPIFY_API_SECRET!,
      stack.env.SESSION_SECRET!,
      stack.env.TOKEN_ENCRYPTION_KEY!,
    ];
    const haystacks = [JSON.stringify(body), ...stack.logs];
    for (const key of await stack.store.list('users/'))
      haystacks.push(JSON.stringify((await stack.store.getJson(key))?.value));
    for (const key of await stack.store.list('private/tokens/'))
      haystacks.push(JSON.stringify((await stack.store.getJson(key))?.value));
    for (const secret of secrets) for (const text of haystacks) expect(text.includes(secret)).toBe(false);
  });
});

describe('Shopify callback failure paths', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
  });
  afterAll(async () => stack?.shutdown());

  async function startLogin(shop: string) {
    const jar = new CookieJar();
    const login = await get(`${stack.appUrl}/shopify/${shop}/login`, jar);
    const authorize = await get(login.headers.get('location')!);
    return { jar, callbackUrl: authorize.headers.get('location')! };
  }

  async function expectJsonError(res: Response, status: number, pattern: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/json/);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(pattern);
  }

  it.each(['evil.com', 'acme.myshopify.com.evil.com', 'a%2F..%2Fb', 'acme_shop'])(
    'login rejects the shop %s without redirecting',
    async (shop) => {
      const res = await get(`${stack.appUrl}/shopify/login?shop=${shop}`);
      await expectJsonError(res, 400, /myshopify/);
      expect(res.headers.get('location')).toBeNull();
    },
  );

  it('rejects a tampered HMAC with 401', async () => {
    const { jar, callbackUrl } = await startLogin('tamper');
    const res = await get(
      callbackUrl.replace(/code=([0-9a-f])/, (_m, c) => `code=${c === 'a' ? 'b' : 'a'}`),
      jar,
    );
    await expectJsonError(res, 401, /HMAC does not match/);
  });

  it('rejects a stale timestamp', async () => {
    const { jar, callbackUrl } = await startLogin('stale');
    const url = new URL(callbackUrl);
    const params = url.searchParams;
    params.set('timestamp', String(Math.floor(Date.now() / 1000) - 600));
    params.delete('hmac');
    const { signQuery } = await import('../../../lib/dev/emulators/shopify');
    params.set('hmac', signQuery(Object.fromEntries(params), stack.env.SHOPIFY_API_SECRET!));
    const res = await get(url.toString(), jar);
    await expectJsonError(res, 400, /outside of the tolerance/);
  });

  it('rejects a missing nonce cookie and a state from another browser', async () => {
    const { callbackUrl } = await startLogin('nocookie');
    await expectJsonError(await get(callbackUrl), 400, /state cookie is missing/);
    const mine = await startLogin('mismatch');
    const other = await startLogin('mismatch');
    await expectJsonError(await get(mine.callbackUrl, other.jar), 401, /state does not match/);
  });

  it('answers a reused code with a clear 400, not a 500', async () => {
    const { res, callbackUrl } = await connectShopify(stack, 'reuse');
    expect(res.status).toBe(200);
    const jar = new CookieJar();
    await get(`${stack.appUrl}/shopify/reuse/login`, jar);
    // Replay the same signed callback with a fresh state cookie for the same shop: the code is spent.
    const fresh = await startLogin('reuse');
    const replay = new URL(callbackUrl);
    replay.searchParams.set('state', new URL(fresh.callbackUrl).searchParams.get('state')!);
    replay.searchParams.delete('hmac');
    const { signQuery } = await import('../../../lib/dev/emulators/shopify');
    replay.searchParams.set('hmac', signQuery(Object.fromEntries(replay.searchParams), stack.env.SHOPIFY_API_SECRET!));
    const replayed = await get(replay.toString(), fresh.jar);
    await expectJsonError(replayed, 400, /already used|not found/);
  });

  it('survives a THROTTLED storm and 5xx answers', async () => {
    stack.shopify!.injectFaults({
      graphql: [{ throttled: true }, { status: 503 }, { status: 429, retryAfter: '0.2' }],
      count: 3,
    });
    const { res, body } = await connectShopify(stack, 'storm');
    expect(res.status).toBe(200);
    expect(body.upload_status).toEqual({ status: 'success' });
  });

  it('retries a token endpoint 5xx, and after three answers it with a 502 that says Shopify is failing', async () => {
    // One 503: ky retries the exchange and the connection succeeds.
    stack.shopify!.injectFaults({ token: [{ status: 503 }] });
    const recovered = await connectShopify(stack, 'token-blip');
    expect(recovered.res.status).toBe(200);
    expect(recovered.body.upload_status).toEqual({ status: 'success' });

    // Three in a row: a clear 502, no token, nothing for the bot.
    stack.shopify!.injectFaults({ token: [{ status: 503 }], count: 3 });
    const { res, body } = await connectShopify(stack, 'token-down');
    expect(stack.shopify!.pendingFaults()).toBe(0);
    expect(res.status).toBe(502);
    expect(body.message).toMatch(
      /token endpoint answered 503: Shopify is failing, not your settings; start again at \/shopify\/token-down\/login/,
    );
    expect(await stack.store.list('private/tokens/shopify/token-down')).toEqual([]);
    expect(await stack.store.getJson(keys.shopRecord('token-down.myshopify.com'))).toBeNull();
  });

  it('reports a 401 from the Admin API clearly and writes nothing', async () => {
    stack.shopify!.injectFaults({ graphql: [{ status: 401 }], count: 40 });
    const { res, body } = await connectShopify(stack, 'revoked');
    stack.shopify!.injectFaults({ graphql: [], count: 0 });
    expect(res.status).toBe(200);
    expect(body.upload_status.status).toBe('failed');
    expect(body.upload_status.message).toMatch(/401|token/);
    expect(await stack.store.list(`users/${body.user_uuid}/`)).toEqual([]);
  });
});

describe('Shopify callback with a catalog too large for the web time limit', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 20 }, env: { SHOPIFY_CALLBACK_SYNC_BUDGET_MS: '1000' } });
    stack.shopify!.seedShop('bigshop.myshopify.com', { products: 400, variantsPerProduct: 3 });
  });
  afterAll(async () => stack?.shutdown());

  it('answers queued with a first page, and the background worker writes the whole catalog', async () => {
    const { res, body } = await connectShopify(stack, 'bigshop');
    expect(res.status).toBe(200);
    expect(body.upload_status.status).toBe('queued');
    expect(body.upload_status.activation_id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.shopify_data.data.products.edges.length).toBeGreaterThan(0);
    const key = keys.shopifySnapshot(body.user_uuid);
    let stored = null;
    for (let i = 0; i < 120 && !stored; i++) {
      stored = await stack.store.getJson<any>(key);
      if (!stored) await new Promise((r) => setTimeout(r, 500));
    }
    expect(stored?.value.meta.productCount).toBe(400);
    expect(validate(stored!.value).valid).toBe(true);
    const activation = stack.host.activations.get(body.upload_status.activation_id);
    expect(activation?.name).toMatch(/shopify\/sync/);
    // The background sync continued from the callback's cursor (issue 16), wrote every product once, and removed the partial object.
    expect(stack.logs.some((l) => /Resuming the sync of bigshop\.myshopify\.com after [1-9]\d* products/.test(l))).toBe(
      true,
    );
    expect(new Set(stored!.value.data.products.edges.map((e: any) => e.node.id)).size).toBe(400);
    for (let i = 0; i < 40 && (await stack.store.exists(keys.shopifySyncPartial(body.user_uuid))); i++)
      await new Promise((r) => setTimeout(r, 250));
    expect(await stack.store.exists(keys.shopifySyncPartial(body.user_uuid))).toBe(false);
  });
});
