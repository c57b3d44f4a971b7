import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LateChildError } from '../../../lib/errors';
import { CatalogAssembler } from '../../../lib/shopify/bulk-jsonl';
import { writeMergedSnapshotStream } from '../../../lib/shopify/bulk-snapshot';
import { buildSnapshot } from '../../../lib/shopify/snapshot-merge';
import { mergeFullSync } from '../../../lib/shopify/sync-merge';
import type { ProductNode, ShopInfo } from '../../../lib/shopify/schemas';
import { keys } from '../../../lib/storage/keys';
import type { ObjectStore } from '../../../lib/storage/store';

const UUID = '0b6f1c3e-2a4d-4e8f-9a1b-3c5d7e9f1a2b';
const SHOP_INFO: ShopInfo = {
  name: 'Acme',
  primaryDomain: { url: 'https://acme.example' },
  myshopifyDomain: 'acme.myshopify.com',
  currencyCode: 'USD',
  email: null,
  description: null,
};
const STARTED = Date.parse('2026-11-20T10:00:00Z');

function product(n: number, updatedAt: string, title = `Product ${n}`): ProductNode {
  return {
    id: `gid://shopify/Product/${n}`,
    title,
    description: '',
    descriptionHtml: 'a "quoted" \\ [bracket] {brace}',
    handle: `p-${n}`,
    status: 'ACTIVE',
    vendor: '',
    productType: '',
    tags: [],
    createdAt: null,
    updatedAt,
    publishedAt: null,
    onlineStoreUrl: null,
    totalInventory: null,
    priceRange: null,
    featuredImage: null,
    images: [],
    options: [],
    variants: { edges: [] },
  };
}

/** A store holding objects in memory; streams are read and written whole (enough for a unit test). */
function memoryStore(): ObjectStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  const fail = () => Promise.reject(new Error('not used'));
  return {
    objects,
    bucket: 'test',
    getJson: async (key) => (objects.has(key) ? { value: JSON.parse(objects.get(key)!), etag: '"1"' } : null),
    putJson: async (key, value) => (objects.set(key, JSON.stringify(value)), { etag: '"2"' }),
    async putStream(key, body) {
      const parts: Buffer[] = [];
      for await (const chunk of body as Readable) parts.push(Buffer.from(chunk));
      objects.set(key, Buffer.concat(parts).toString('utf8'));
    },
    // Small chunks, so elements and strings straddle chunk boundaries.
    getStream: async (key) =>
      objects.has(key)
        ? Readable.from(
            objects
              .get(key)!
              .match(/[\s\S]{1,7}/g)!
              .map((s) => Buffer.from(s)),
          )
        : null,
    exists: async (key) => objects.has(key),
    delete: fail,
    deleteMany: fail,
    deletePrefix: fail,
    list: fail,
    listEntries: fail,
    supportsConditionalWrites: async () => true,
    conditionalWritesKnown: () => true,
  };
}

async function* iterate<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('streamed full-sync merge', () => {
  it('writes what mergeFullSync would, in bounded passes', async () => {
    // Prepare: a webhook updated 2 during the sync, created 9, deleted 3 (tombstone); 5 was deleted in Shopify long ago.
    const store = memoryStore();
    const stored = buildSnapshot(
      'acme.myshopify.com',
      SHOP_INFO,
      [
        product(1, '2026-01-01T00:00:00Z'),
        product(2, '2026-11-20T10:05:00Z', 'Webhook title'),
        product(5, '2026-01-01T00:00:00Z'),
        product(9, '2026-11-20T10:06:00Z', 'Created during sync'),
      ],
      { apiVersion: '2026-07', now: STARTED, source: 'webhook' },
    );
    stored.meta.tombstones = {
      'gid://shopify/Product/3': '2026-11-20T10:07:00Z',
      'gid://shopify/Product/77': '2026-01-01T00:00:00Z',
    };
    stored.meta.webhookWrites = {
      'gid://shopify/Product/2': '2026-11-20T10:05:00Z',
      'gid://shopify/Product/9': '2026-11-20T10:06:00Z',
    };
    await store.putJson(keys.shopifySnapshot(UUID), stored);
    const synced = [
      product(1, '2026-01-01T00:00:00Z'),
      product(2, '2026-11-20T09:00:00Z'),
      product(3, '2026-11-20T09:00:00Z'),
      product(4, '2026-02-01T00:00:00Z'),
    ];
    const expected = mergeFullSync(
      buildSnapshot('acme.myshopify.com', SHOP_INFO, synced, { apiVersion: '2026-07', now: STARTED, source: 'poll' }),
      stored,
      STARTED,
    );

    // Act
    const written = await writeMergedSnapshotStream({
      store,
      uuid: UUID,
      shop: 'acme.myshopify.com',
      shopInfo: SHOP_INFO,
      products: iterate(synced),
      syncStartedAt: STARTED,
      apiVersion: '2026-07',
      now: () => STARTED,
      source: 'poll',
    });

    // Assess
    const actual = JSON.parse(store.objects.get(keys.shopifySnapshot(UUID))!);
    const byId = (s: typeof expected) => Object.fromEntries(s.data.products.edges.map((e) => [e.node.id, e.node]));
    expect(byId(actual)).toEqual(byId(expected));
    expect(actual.meta.tombstones).toEqual(expected.meta.tombstones);
    expect(actual.meta.webhookWrites).toEqual(expected.meta.webhookWrites);
    expect(Object.keys(byId(actual)).sort()).toEqual([1, 2, 4, 9].map((n) => `gid://shopify/Product/${n}`));
    expect(byId(actual)['gid://shopify/Product/2']?.title).toBe('Webhook title');
    expect(actual.meta.productCount).toBe(expected.meta.productCount);
    expect(written).toEqual({ productCount: 4, storedCount: 4 });
    expect(actual.data.shop).toEqual(SHOP_INFO);
  });
});

describe('bulk line assembly', () => {
  const line = (o: object) => JSON.stringify(o).replace(/\//g, '\\/');
  const root = (n: number) =>
    line({
      id: `gid://shopify/Product/${n}`,
      title: `P${n}`,
      handle: 'h',
      status: 'ACTIVE',
      tags: [],
      updatedAt: '2026-01-01T00:00:00Z',
      options: [],
    });
  const variant = (n: number, parent: number, position: number) =>
    line({
      id: `gid://shopify/ProductVariant/${n}`,
      title: 'V',
      price: '1.00',
      position,
      selectedOptions: [],
      inventoryItem: null,
      __parentId: `gid://shopify/Product/${parent}`,
    });

  it('re-assembles children that arrive after other products, in position order', () => {
    const assembler = new CatalogAssembler(10);
    const lines = [root(1), root(2), variant(11, 1, 2), variant(21, 2, 1), variant(10, 1, 1)];
    const out = [...lines.flatMap((l) => assembler.push(l)), ...assembler.finish()];
    expect(out.map((p) => [p.id, p.variants.edges.map((e) => e.node.id)])).toEqual([
      ['gid://shopify/Product/1', ['gid://shopify/ProductVariant/10', 'gid://shopify/ProductVariant/11']],
      ['gid://shopify/Product/2', ['gid://shopify/ProductVariant/21']],
    ]);
  });

  it('throws LateChildError when a child comes after its product left the window', () => {
    const assembler = new CatalogAssembler(1);
    assembler.push(root(1));
    expect(assembler.push(root(2))).toHaveLength(1);
    expect(() => assembler.push(variant(10, 1, 1))).toThrow(LateChildError);
  });
});
