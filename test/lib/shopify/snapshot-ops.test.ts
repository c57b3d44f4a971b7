import { describe, expect, it } from 'vitest';
import type { ProductNode, ShopifySnapshot } from '../../../lib/shopify/schemas';
import { applyOps, isNewer, type PendingOp } from '../../../lib/shopify/snapshot-ops';
import { keys } from '../../../lib/storage/keys';

const NOW = Date.parse('2031-01-06T00:00:00Z');
const UUID = '550e8400-e29b-41d4-a716-446655440000';

function product(id: number, updatedAt: string, title = `P${id}`): ProductNode {
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
    totalInventory: 5,
    priceRange: null,
    featuredImage: null,
    images: [],
    options: [],
    variants: {
      edges: [
        {
          node: {
            id: `gid://shopify/ProductVariant/${id}`,
            title: 'Default',
            sku: null,
            barcode: null,
            price: '1.00',
            compareAtPrice: null,
            inventoryQuantity: 5,
            availableForSale: true,
            inventoryPolicy: 'DENY',
            position: 1,
            selectedOptions: [],
            inventoryItemId: `gid://shopify/InventoryItem/${id}`,
          },
        },
      ],
    },
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
const upsert = (node: ProductNode): PendingOp => ({ kind: 'node', id: node.id, updatedAt: node.updatedAt, node });
const titles = (s: ShopifySnapshot | null) => s?.data.products.edges.map((e) => e.node.title);

describe('applyOps', () => {
  it('compares instants, not strings, across offsets', () => {
    expect(isNewer('2031-01-01T14:30:00+05:00', '2031-01-01T10:00:00Z')).toBe(false);
    expect(isNewer('2031-01-01T05:30:00-05:00', '2031-01-01T10:00:00Z')).toBe(true);
  });

  it('keeps the newest version whatever order the ops come in', () => {
    const base = snapshot([product(1, '2031-01-01T00:00:00Z')]);
    const ops = [3, 1, 2].map((v) => upsert(product(1, `2031-01-0${v + 1}T00:00:00Z`, `v${v}`)));
    expect(titles(applyOps(base, ops, NOW).snapshot)).toEqual(['v3']);
  });

  it('reports an op older than the stored copy as stale and changes nothing', () => {
    const base = snapshot([product(1, '2031-01-05T00:00:00Z', 'stored')]);
    const { snapshot: next, results } = applyOps(base, [upsert(product(1, '2031-01-04T00:00:00Z', 'old'))], NOW);
    expect([next, results]).toEqual([null, ['stale']]);
  });

  it('tombstones a deletion so an older update cannot resurrect the product, but keeps others', () => {
    const base = snapshot([product(1, '2031-01-01T00:00:00Z'), product(2, '2031-01-01T00:00:00Z')]);
    const ops: PendingOp[] = [
      { kind: 'delete', id: 'gid://shopify/Product/1', at: '2031-01-03T00:00:00Z' },
      upsert(product(1, '2031-01-02T00:00:00Z', 'late')),
    ];
    const { snapshot: next, results } = applyOps(base, ops, NOW);
    expect(titles(next)).toEqual(['P2']);
    expect(results).toEqual(['applied', 'applied']); // in time order: the update, then the deletion
    expect(next!.meta.tombstones).toEqual({ 'gid://shopify/Product/1': '2031-01-03T00:00:00Z' });
    expect(next!.meta.productCount).toBe(1);
    expect(applyOps(next!, [upsert(product(1, '2031-01-02T12:00:00Z', 'retry'))], NOW)).toMatchObject({
      snapshot: null,
      results: ['stale'],
    });
  });

  it('sets inventory on the variant behind an item and recomputes the total', () => {
    const op: PendingOp = {
      kind: 'inventory',
      item: 'gid://shopify/InventoryItem/2',
      available: 0,
      updatedAt: '2031-01-02T00:00:00Z',
    };
    const applied = applyOps(
      snapshot([product(1, '2031-01-01T00:00:00Z'), product(2, '2031-01-01T00:00:00Z')]),
      [op],
      NOW,
    );
    const next = applied.snapshot!;
    expect(applied.touched.map((n) => n.id)).toEqual(['gid://shopify/Product/2']);
    const node = next.data.products.edges[1]!.node;
    expect([node.totalInventory, node.variants.edges[0]!.node.availableForSale]).toEqual([0, false]);
    expect(next.data.products.edges[0]!.node.totalInventory).toBe(5);
  });

  it('drops an inventory level older than the last one applied to its item, in one batch or across writes', () => {
    const item = 'gid://shopify/InventoryItem/1';
    const level = (available: number, updatedAt: string): PendingOp => ({
      kind: 'inventory',
      item,
      available,
      updatedAt,
    });
    const base = snapshot([product(1, '2031-01-01T00:00:00Z')]);
    const quantity = (s: ShopifySnapshot) => s.data.products.edges[0]!.node.variants.edges[0]!.node.inventoryQuantity;
    // Newer first, then a retried older one, in separate writes.
    const first = applyOps(base, [level(7, '2031-01-02T10:00:00Z')], NOW).snapshot!;
    expect([quantity(first), first.meta.inventoryLevels]).toEqual([7, { [item]: '2031-01-02T10:00:00Z' }]);
    expect(applyOps(first, [level(3, '2031-01-02T09:00:00Z')], NOW)).toMatchObject({
      snapshot: null,
      results: ['stale'],
    });
    // Offsets are compared as instants: 05:30-05:00 is 10:30Z, newer.
    expect(quantity(applyOps(first, [level(4, '2031-01-02T05:30:00-05:00')], NOW).snapshot!)).toBe(4);
    // In one batch, whatever the order of arrival, the newest level wins.
    const batch = applyOps(base, [level(9, '2031-01-03T00:00:00Z'), level(2, '2031-01-02T00:00:00Z')], NOW).snapshot!;
    expect(quantity(batch)).toBe(9);
    // Equal quantity still records the instant, so an older level with another quantity stays dropped.
    const same = applyOps(base, [level(5, '2031-01-04T00:00:00Z')], NOW);
    expect(same.snapshot!.meta.inventoryLevels).toEqual({ [item]: '2031-01-04T00:00:00Z' });
    expect(applyOps(same.snapshot!, [level(1, '2031-01-03T00:00:00Z')], NOW).snapshot).toBeNull();
  });
});

describe('pending-update keys', () => {
  it('stay under private/ and validate their parts', () => {
    // Any Webhook-Id (slashes, dots, unicode) becomes a fixed-length hex name.
    const key = keys.pendingShopifyDelivery('acme.myshopify.com', '../x/é?');
    expect(key).toMatch(/^private\/pending\/shopify\/acme\.myshopify\.com\/[0-9a-f]{40}\.json$/);
    expect(keys.pendingShopifyDelivery('acme.myshopify.com', '../x/é?')).toBe(key);
    expect(keys.pendingShopifyDelivery('acme.myshopify.com', '../x/é')).not.toBe(key);
    expect(keys.shopifyFlushLease(UUID, 12)).toBe(`private/leases/shopify/${UUID}/12.json`);
    expect(keys.shopifyFlushFlag('acme.myshopify.com', 3, 7)).toBe('private/flush/shopify/acme.myshopify.com/3-7.json');
    expect(() => keys.shopifyFlushLease(UUID, -1)).toThrow();
    expect(() => keys.pendingShopifyPrefix('../etc')).toThrow(/Invalid shop/);
  });
});
