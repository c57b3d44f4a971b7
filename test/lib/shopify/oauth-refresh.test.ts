import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBox } from '../../../lib/crypto/token-box';
import type { ShopifyEmulator } from '../../../lib/dev/emulators/shopify';
import { ShopifyApiError, UnauthorizedError, UpstreamError, UpstreamShapeError } from '../../../lib/errors';
import { exchangeCode, getAccessToken, type ShopifyOAuthConfig } from '../../../lib/shopify/oauth';
import type { ShopifyToken } from '../../../lib/shopify/schemas';
import { keys } from '../../../lib/storage/keys';
import { createS3Store } from '../../../lib/storage/s3-store';
import { loadConfig } from '../../../lib/config';
import { createTokenVault, type TokenVault } from '../../../lib/vault/token-vault';
import { API_KEY, API_SECRET, authorize, gql, startEmulator } from '../../dev/emulators/shopify/helpers';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';
import { testEnv } from '../../helpers/test-config';

// The refresh path of getAccessToken against the Shopify emulator's real token endpoint and a local Spaces:
// a 5xx is Shopify failing (retried, then a ShopifyApiError), never a refusal that asks the merchant to reconnect.
describe('getAccessToken refresh against a failing token endpoint', () => {
  let t: TestSpaces;
  let emulator: ShopifyEmulator;
  let vault: TokenVault;
  let config: ShopifyOAuthConfig;
  const deps = () => ({ vault, config, now: () => Date.now() });

  beforeAll(async () => {
    t = await startTestSpaces();
    emulator = await startEmulator({ expiringTokens: true });
    const env = testEnv({ SPACES_ENDPOINT: t.spaces.endpoint, SPACES_BUCKET: t.spaces.bucket });
    vault = createTokenVault(
      createS3Store(loadConfig(env, ['spaces'])),
      createTokenBox(randomBytes(32).toString('base64')),
    );
    config = {
      APP_URL: 'https://app.example.com',
      SESSION_SECRET: 'test-session-secret-that-is-long-enough-123',
      SHOPIFY_API_KEY: API_KEY,
      SHOPIFY_API_SECRET: API_SECRET,
      SHOPIFY_SCOPES: 'read_products,read_inventory',
      SHOPIFY_ADMIN_ORIGIN: emulator.adminOriginTemplate,
    };
  });
  afterAll(async () => {
    await emulator?.close();
    await t?.cleanup();
  });

  /** Installs the app on `shop` and stores its expiring token pair, as the OAuth callback does. */
  async function connect(shop: string): Promise<ShopifyToken> {
    emulator.seedShop(shop, { products: 1 });
    const code = (await authorize(emulator, shop)).get('code') ?? '';
    const token = await exchangeCode(shop, code, config, Date.now());
    expect(token.refreshToken).not.toBeNull();
    await vault.put(keys.shopifyToken(shop), token);
    return token;
  }
  const stored = async (shop: string) => (await vault.get<ShopifyToken>(keys.shopifyToken(shop)))!.value;

  it('retries one 5xx of the refresh, then stores and returns the rotated pair', async () => {
    // Prepare
    const shop = 'refresh-blip.myshopify.com';
    const before = await connect(shop);
    emulator.injectFaults({ token: [{ status: 503 }] });

    // Act
    const access = await getAccessToken(shop, deps(), { force: true });

    // Assess
    expect(emulator.pendingFaults()).toBe(0);
    expect(access).not.toBe(before.accessToken);
    expect((await stored(shop)).accessToken).toBe(access);
    expect((await stored(shop)).refreshToken).not.toBe(before.refreshToken);
    expect((await gql(emulator, access, '{ shop { name } }', {}, { shop })).status).toBe(200);
  });

  it('answers 5xx on every try with a ShopifyApiError saying Shopify is failing, keeping the pair', async () => {
    // Prepare
    const shop = 'refresh-down.myshopify.com';
    const before = await connect(shop);
    emulator.injectFaults({ token: [{ status: 503 }], count: 3 });

    // Act
    const err = await getAccessToken(shop, deps(), { force: true }).catch((e: unknown) => e);

    // Assess: not a refusal, so the merchant is not told to reconnect; the pair still refreshes afterwards.
    expect(emulator.pendingFaults()).toBe(0);
    expect(err).toBeInstanceOf(ShopifyApiError);
    expect(err).not.toBeInstanceOf(UnauthorizedError);
    const apiError = err as ShopifyApiError;
    expect(apiError.code).toBe('shopify_token_error');
    expect(apiError.status).toBe(502);
    expect(apiError.toJSON()).toMatchObject({ upstream_status: 503 });
    expect(apiError.message).toMatch(
      /answered 503 while refreshing the token of refresh-down\.myshopify\.com; the next request or poll tries again/,
    );
    expect(apiError.message).not.toMatch(/reconnect/);
    expect(await stored(shop)).toEqual(before);
    const access = await getAccessToken(shop, deps(), { force: true });
    expect(access).not.toBe(before.accessToken);
  });

  it('reports a refresh token Shopify refuses (400) as a 401 that asks to reconnect', async () => {
    const shop = 'refresh-refused.myshopify.com';
    const before = await connect(shop);
    await vault.put(keys.shopifyToken(shop), { ...before, refreshToken: 'shprt_not-a-real-refresh-token' });

    const err = await getAccessToken(shop, deps(), { force: true }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).code).toBe('shopify_refresh_failed');
    expect((err as UnauthorizedError).message).toMatch(/reconnect/);
  });

  it('reports a refresh answer that is not JSON as an UpstreamShapeError, not a failure or a crash', async () => {
    const shop = 'refresh-garbage.myshopify.com';
    const before = await connect(shop);
    emulator.injectFaults({ token: [{ malformed: 'garbage' }] });

    const err = await getAccessToken(shop, deps(), { force: true }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UpstreamShapeError);
    expect(err).not.toBeInstanceOf(UpstreamError);
    expect((err as UpstreamShapeError).code).toBe('shopify_token_shape');
    expect((err as UpstreamShapeError).upstream).toBe('shopify');
    expect(await stored(shop)).toEqual(before);
  });
});
