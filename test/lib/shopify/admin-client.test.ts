import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyEmulator } from '../../../lib/dev/emulators/shopify';
import { ShopifyApiError, UpstreamError, UpstreamShapeError } from '../../../lib/errors';
import { createAdminClient } from '../../../lib/shopify/admin-client';
import { SHOP_QUERY } from '../../../lib/shopify/queries';
import { SHOP, install, startEmulator } from '../../dev/emulators/shopify/helpers';

/** A virtual clock: sleeping advances time at once, so backoff runs in no real time. */
function virtualClock() {
  let t = Date.parse('2026-11-20T06:00:00Z');
  return { now: () => t, sleep: async (ms: number) => void (t += Math.max(1, ms)) };
}

// "Shopify is failing" and "Shopify answered something we cannot read" are different errors (see lib/errors.ts).
describe('admin client: upstream failure versus an answer of the wrong shape', () => {
  let emulator: ShopifyEmulator;
  let token: string;
  // A budget far above the longest backoff, so the outcome never depends on the jitter drawn.
  const client = () =>
    createAdminClient({
      shop: SHOP,
      apiVersion: '2026-07',
      adminOriginTemplate: emulator.adminOriginTemplate,
      getToken: async () => token,
      budgetMs: 3_600_000,
      clock: virtualClock(),
    });

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.seedShop(SHOP, { products: 1 });
    token = await install(emulator);
  });
  afterAll(async () => emulator?.close());

  it('retries malformed JSON, and after seven tries throws an UpstreamShapeError, not an UpstreamError', async () => {
    // Prepare
    emulator.injectFaults({ graphql: [{ malformed: 'truncated' }], count: 7 });

    // Act
    const err = await client()
      .query(SHOP_QUERY)
      .catch((e: unknown) => e);

    // Assess
    expect(emulator.pendingFaults()).toBe(0);
    expect(err).toBeInstanceOf(UpstreamShapeError);
    expect(err).not.toBeInstanceOf(UpstreamError);
    expect((err as UpstreamShapeError).code).toBe('shopify_malformed_json');
    expect((err as UpstreamShapeError).status).toBe(502);
    expect((err as UpstreamShapeError).toJSON().request_id).toEqual(expect.any(String));
  });

  it('recovers when the malformed answers stop before the last try', async () => {
    emulator.injectFaults({ graphql: [{ malformed: 'garbage' }], count: 3 });
    const { data } = await client().query<{ shop: { myshopifyDomain: string } }>(SHOP_QUERY);
    expect(data.shop.myshopifyDomain).toBe(SHOP);
  });

  it('reports a shop that refuses (403) as a ShopifyApiError', async () => {
    emulator.injectFaults({ graphql: [{ status: 403 }] });
    const err = await client()
      .query(SHOP_QUERY)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShopifyApiError);
    expect(err).not.toBeInstanceOf(UpstreamShapeError);
    expect((err as ShopifyApiError).toJSON()).toMatchObject({ error: 'shopify_error', upstream_status: 403 });
  });
});
