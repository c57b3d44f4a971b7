import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/http/clock';
import { createLogger } from '../../../lib/log';
import { bulkWriteActive, withBulkWriteWindow } from '../../../lib/shopify/bulk-window';
import { listPending, recordDelivery } from '../../../lib/shopify/pending-updates';
import type { ProductNode, ShopifySnapshot } from '../../../lib/shopify/schemas';
import { updateSnapshot } from '../../../lib/shopify/snapshot';
import { keys } from '../../../lib/storage/keys';
import type { ObjectStore } from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

let t: TestSpaces;
let store: ObjectStore;

beforeAll(async () => {
  t = await startTestSpaces({ port: 0, silent: true });
  store = t.appStore();
});
afterAll(async () => t?.cleanup());

function product(id: number, updatedAt: string, title: string): ProductNode {
  return {
    id: `gid://shopify/Product/${id}`,
    title,
    description: '',
    descriptionHtml: '',
    handle: `p${id}`,
    status: 'ACTIVE',
    vendor: '',
    productType: '',
    tags: [],
    createdAt: null,
    updatedAt,
    publishedAt: null,
    onlineStoreUrl: null,
    totalInventory: 1,
    priceRange: null,
    featuredImage: null,
    images: [],
    options: [],
    variants: { edges: [] },
  };
}
function snapshot(products: ProductNode[]): ShopifySnapshot {
  return {
    data: {
      shop: {
        name: 'S',
        primaryDomain: { url: 'https://s' },
        myshopifyDomain: 's.myshopify.com',
        currencyCode: 'EUR',
        email: null,
        description: null,
      },
      products: { edges: products.map((node) => ({ node })) },
    },
    meta: {
      shop: 's.myshopify.com',
      syncedAt: '2031-01-01T00:00:00Z',
      updatedAt: '2031-01-01T00:00:00Z',
      apiVersion: '2026-07',
      productCount: products.length,
      source: 'poll',
    },
  };
}
// Pending records are kept per shop (the one the snapshot names).
const SHOP = 's.myshopify.com';
const titles = async (uuid: string) =>
  (await store.getJson<ShopifySnapshot>(keys.shopifySnapshot(uuid)))!.value.data.products.edges.map(
    (e) => e.node.title,
  );

/**
 * A bulk write as the bulk sync does it: read the stored copy first, then (while webhook updates keep landing)
 * replace the object without If-Match. `during` runs between the read and the write.
 */
async function bulkWrite(uuid: string, during: () => Promise<void>): Promise<void> {
  const scanned = (await store.getJson<ShopifySnapshot>(keys.shopifySnapshot(uuid)))!.value;
  await during();
  const synced = snapshot(
    scanned.data.products.edges.map((e, i) => (i === 1 ? product(2, e.node.updatedAt, 'synced') : e.node)),
  );
  await store.putJson(keys.shopifySnapshot(uuid), synced);
}

// A delivery during the write: its pending record, then a flush (what the flush job does), as in production.
async function deliverAndFlush(uuid: string, title: string): Promise<void> {
  await recordDelivery(store, SHOP, `${uuid}-${title}`, {
    kind: 'node',
    id: 'gid://shopify/Product/1',
    updatedAt: '2031-02-01T00:00:00Z',
    node: product(1, '2031-02-01T00:00:00Z', title),
    topic: 'products/update',
  });
  const result = await updateSnapshot(store, uuid, null, systemClock, { handOff: false, holder: 'job' });
  expect([...result.results.values()]).toEqual(['applied']);
}

describe('no window during a bulk write', () => {
  const log = createLogger({ sink: () => undefined });
  const uuid = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
  const control = '7f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

  it('without the window, an update flushed during the upload is overwritten (the gap this closes)', async () => {
    await store.putJson(
      keys.shopifySnapshot(control),
      snapshot([product(1, '2031-01-01T00:00:00Z', 'old'), product(2, '2031-01-01T00:00:00Z', 'p2')]),
    );
    await bulkWrite(control, () => deliverAndFlush(control, 'acknowledged'));
    expect(await titles(control)).toEqual(['old', 'synced']);
    expect(await listPending(store, SHOP)).toEqual([]);
  });

  it('an update acknowledged and flushed while the bulk write runs reaches shopify_data.json after it', async () => {
    // Prepare
    await store.putJson(
      keys.shopifySnapshot(uuid),
      snapshot([product(1, '2031-01-01T00:00:00Z', 'old'), product(2, '2031-01-01T00:00:00Z', 'p2')]),
    );

    // Act: the flush during the write applies the record but keeps it, since the bulk write is announced.
    await withBulkWriteWindow(
      { store, clock: systemClock, log },
      uuid,
      () =>
        bulkWrite(uuid, async () => {
          expect(await bulkWriteActive(store, uuid, Date.now())).toBe(true);
          await deliverAndFlush(uuid, 'acknowledged');
          expect(await listPending(store, SHOP)).toHaveLength(1);
        }),
      SHOP, // as the bulk syncs call it: the re-apply runs because the shop has a pending record
    );

    // Assess: re-applied after the write, then deleted; the marker is gone.
    expect(await titles(uuid)).toEqual(['acknowledged', 'synced']);
    expect(await listPending(store, SHOP)).toEqual([]);
    expect(await bulkWriteActive(store, uuid, Date.now())).toBe(false);
    expect(await store.list(keys.shopifyBulkWritePrefix(uuid))).toEqual([]);
  });
});
