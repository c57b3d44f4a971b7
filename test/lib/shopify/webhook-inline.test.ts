import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config';
import { startShopifyEmulator, toShopifyJson, type ShopifyEmulator } from '../../../lib/dev/emulators/shopify';
import { UpstreamError } from '../../../lib/errors';
import type { Invoker } from '../../../lib/functions/invoke';
import { parseJsonLossless } from '../../../lib/json-lossless';
import { connectShop } from '../../../lib/shopify/connection';
import { createShopifyDeps, type ShopifyDeps } from '../../../lib/shopify/deps';
import { buildSnapshot } from '../../../lib/shopify/snapshot-merge';
import { applyTopic } from '../../../lib/shopify/webhook-topics';
import { keys } from '../../../lib/storage/keys';
import { createS3Store } from '../../../lib/storage/s3-store';
import type { ObjectStore } from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';
import { testEnv } from '../../helpers/test-config';

// Without FN_API_HOST/FN_API_KEY no flush job can start, so a delivery flushes in its own invocation and is answered
// 200 only once its update is in shopify_data.json; otherwise 503, so Shopify retries it.
const SHOP = 'inline-shop.myshopify.com';
const noInvoker: Invoker = {
  available: false,
  invokeAsync: () => Promise.reject(new Error('unavailable')),
  invokeBlocking: () => Promise.reject(new Error('unavailable')),
};

describe('Shopify product deliveries without the functions API (inline flush)', () => {
  let t: TestSpaces;
  let emulator: ShopifyEmulator;
  let store: ObjectStore;
  let deps: ShopifyDeps;
  let uuid: string;

  beforeAll(async () => {
    t = await startTestSpaces();
    emulator = await startShopifyEmulator({ apiKey: 'k', apiSecret: 'test-shopify-secret-0123456789' });
    emulator.seedShop(SHOP, { products: 20, variantsPerProduct: 2 });
    const env = testEnv({ SPACES_ENDPOINT: t.spaces.endpoint, SPACES_BUCKET: t.spaces.bucket });
    store = createS3Store(loadConfig(env, ['spaces']));
    deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']), {
      store,
      invoker: noInvoker,
    });
    uuid = (await connectShop(store, SHOP, 'read_products', Date.now())).uuid;
    const info = {
      name: 'Inline',
      primaryDomain: { url: `https://${SHOP}` },
      myshopifyDomain: SHOP,
      currencyCode: 'USD',
      email: null,
      description: null,
    };
    await store.putJson(
      keys.shopifySnapshot(uuid),
      buildSnapshot(SHOP, info, [], { apiVersion: '2026-07', now: Date.now(), source: 'oauth' }),
    );
  });
  afterAll(async () => {
    await emulator?.close();
    await t?.cleanup();
  });

  const update = (i: number, title: string, updatedAt: string) => {
    const gid = emulator.getProducts(SHOP)[i]!.id;
    // As the handler parses it: big ids stay exact strings.
    const body = toShopifyJson({
      ...(emulator.productPayload(SHOP, gid) as Record<string, unknown>),
      title,
      updated_at: updatedAt,
    });
    return { gid, payload: parseJsonLossless(body) as Record<string, unknown> };
  };
  const deliver = (payload: Record<string, unknown>, webhookId: string = randomUUID()) =>
    applyTopic('products/update', payload, { shop: SHOP, webhookId, deadline: Date.now() + 3500 }, deps);
  const titleOf = async (gid: string) =>
    (await store.getJson<any>(keys.shopifySnapshot(uuid)))!.value.data.products.edges.find(
      (e: any) => e.node.id === gid,
    )?.node.title;

  it('answers updated once the product is in the snapshot, and stale for an older copy', async () => {
    const fresh = update(0, 'Inline fresh', '2026-09-01T00:00:00Z');
    expect(await deliver(fresh.payload)).toBe('updated');
    expect(await titleOf(fresh.gid)).toBe('Inline fresh');
    expect(await deliver(update(0, 'Inline older', '2026-08-01T00:00:00Z').payload)).toBe('stale');
    expect(await titleOf(fresh.gid)).toBe('Inline fresh');
  });

  it('answers 503 when Spaces keeps failing the snapshot write, keeps the previous snapshot, and applies the update on the retry', async () => {
    // Prepare: every attempt of the SDK (4 per write, and more rounds) fails with 503 SlowDown.
    const next = update(1, 'After the outage', '2026-09-02T00:00:00Z');
    const before = await store.getJson<any>(keys.shopifySnapshot(uuid));
    for (let i = 0; i < 40; i++)
      t.spaces.injectFault('503-slowdown', { match: { method: 'PUT', keyPrefix: 'users/' } });

    // Act
    const failure = await deliver(next.payload, 'outage-delivery').catch((err: unknown) => err);
    t.spaces.clearFaults();

    // Assess
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ status: 503, code: 'not_yet_applied' });
    expect((await store.getJson<any>(keys.shopifySnapshot(uuid)))!.etag).toBe(before!.etag);
    expect(await store.list(keys.pendingShopifyPrefix(SHOP))).toEqual([
      keys.pendingShopifyDelivery(SHOP, 'outage-delivery'),
    ]);
    // Shopify's retry (same Webhook-Id) finds its record still pending, so it is a duplicate that flushes it.
    // (A retry can itself get 503 while the failed attempt's flush still holds the lease; Shopify retries again.)
    let retried: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      retried = await deliver(next.payload, 'outage-delivery').catch((err: unknown) => err);
      if (typeof retried === 'string') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(retried).toBe('duplicate');
    expect(await titleOf(next.gid)).toBe('After the outage');
    expect(await store.list(keys.pendingShopifyPrefix(SHOP))).toEqual([]);
  });

  it('answers every concurrent delivery either after its update is visible or with 503', async () => {
    const versions = Array.from({ length: 12 }, (_, i) => update(2 + i, `Concurrent ${i}`, '2026-09-03T00:00:00Z'));
    const outcomes = await Promise.all(versions.map((v) => deliver(v.payload).catch((err: unknown) => err)));
    // Without faults most are answered 200 (one flushes, the others wait for it); all 503 would mean the hand-off never works.
    expect(outcomes.filter((o) => typeof o === 'string').length).toBeGreaterThan(outcomes.length / 2);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome instanceof UpstreamError) expect(outcome.status).toBe(503);
      else
        expect([outcome, await titleOf(versions[i]!.gid)]).toEqual([
          expect.stringMatching(/^(updated|flushed)$/),
          `Concurrent ${i}`,
        ]);
    }
  });
});
