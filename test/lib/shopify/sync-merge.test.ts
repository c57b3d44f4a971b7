import { describe, expect, it } from 'vitest';
import type { ProductNode, ShopifySnapshot } from '../../../lib/shopify/schemas';
import { applyOps, MAX_FUTURE_SKEW_MS, receiveOp, type PendingOp } from '../../../lib/shopify/snapshot-ops';
import { mergeFullSync } from '../../../lib/shopify/sync-merge';

const STARTED = Date.parse('2026-11-20T10:00:00Z');
const iso = (offsetMs: number) => new Date(STARTED + offsetMs).toISOString();
const gid = (n: number) => `gid://shopify/Product/${n}`;

function product(n: number, updatedAt: string, title = `P${n}`): ProductNode {
  return {
    id: gid(n),
    title,
    description: '',
    descriptionHtml: '',
    handle: `p${n}`,
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

function snapshot(products: ProductNode[], meta: Partial<ShopifySnapshot['meta']> = {}): ShopifySnapshot {
  return {
    data: {
      shop: {
        name: 'S',
        primaryDomain: { url: 'https://s' },
        myshopifyDomain: 's.myshopify.com',
        currencyCode: 'USD',
        email: null,
        description: null,
      },
      products: { edges: products.map((node) => ({ node })) },
    },
    meta: {
      shop: 's.myshopify.com',
      syncedAt: iso(0),
      updatedAt: iso(0),
      apiVersion: '2026-07',
      productCount: products.length,
      source: 'poll',
      ...meta,
    },
  };
}
const titles = (s: ShopifySnapshot) => Object.fromEntries(s.data.products.edges.map((e) => [e.node.id, e.node.title]));

describe('the full sync is the authority on what exists', () => {
  it('clears a tombstone set before the listing started when the listing returns the product', () => {
    // Prepare: a forged products/delete removed 1 an hour before the sync.
    const stored = snapshot([product(2, iso(-86_400_000))], { tombstones: { [gid(1)]: iso(-3_600_000) } });
    const listed = snapshot([product(1, iso(-86_400_000)), product(2, iso(-86_400_000))]);

    const merged = mergeFullSync(listed, stored, STARTED);

    expect(titles(merged)).toEqual({ [gid(1)]: 'P1', [gid(2)]: 'P2' });
    expect(merged.meta.tombstones).toBeUndefined();
  });

  it('keeps a tombstone set during the listing and hides the listed copy it postdates', () => {
    const stored = snapshot([], { tombstones: { [gid(1)]: iso(60_000) } });
    const merged = mergeFullSync(snapshot([product(1, iso(-86_400_000))]), stored, STARTED);
    expect(titles(merged)).toEqual({});
    expect(merged.meta.tombstones).toEqual({ [gid(1)]: iso(60_000) });
  });

  it('removes an unlisted product whatever updatedAt its payload claimed, unless a webhook wrote it during the listing', () => {
    // Prepare: 7 came from another shop's body with a future updated_at, received before the sync; 8 was created during it.
    const stored = snapshot(
      [product(7, iso(10 * 86_400_000), 'Foreign'), product(8, iso(120_000), 'Created meanwhile')],
      {
        webhookWrites: { [gid(7)]: iso(-60_000), [gid(8)]: iso(120_000) },
      },
    );

    const merged = mergeFullSync(snapshot([product(1, iso(-86_400_000))]), stored, STARTED);

    expect(titles(merged)).toEqual({ [gid(1)]: 'P1', [gid(8)]: 'Created meanwhile' });
    expect(merged.meta.webhookWrites).toEqual({ [gid(8)]: iso(120_000) });
  });

  it('lets a stored copy beat the listed one only when a webhook wrote it during the listing', () => {
    const stored = snapshot(
      [product(1, iso(3_600_000), 'Webhook before'), product(2, iso(180_000), 'Webhook during')],
      {
        webhookWrites: { [gid(1)]: iso(-60_000), [gid(2)]: iso(180_000) },
      },
    );
    const listed = snapshot([product(1, iso(-86_400_000), 'Admin 1'), product(2, iso(-86_400_000), 'Admin 2')]);
    expect(titles(mergeFullSync(listed, stored, STARTED))).toEqual({ [gid(1)]: 'Admin 1', [gid(2)]: 'Webhook during' });
  });
});

describe('receiveOp', () => {
  const now = STARTED;
  const payloadOp = (updatedAt: string): PendingOp => ({
    kind: 'payload',
    id: gid(1),
    updatedAt,
    payload: { admin_graphql_api_id: gid(1), title: 'T', updated_at: updatedAt, variants: [] },
  });

  it('clamps an updated_at more than 5 minutes ahead to the receipt time, in the op and its payload', () => {
    const op = receiveOp(payloadOp(iso(MAX_FUTURE_SKEW_MS + 1000)), now);
    expect(op).toMatchObject({ updatedAt: iso(0), receivedAt: iso(0), payload: { updated_at: iso(0) } });
    const node = applyOps(snapshot([]), [op], now).snapshot!.data.products.edges[0]!.node;
    expect(node.updatedAt).toBe(iso(0));
  });

  it('keeps an updated_at within the allowed skew and records the receipt', () => {
    const op = receiveOp(payloadOp(iso(60_000)), now);
    expect(op).toMatchObject({ updatedAt: iso(60_000), receivedAt: iso(0) });
    expect(applyOps(snapshot([]), [op], now).snapshot!.meta.webhookWrites).toEqual({ [gid(1)]: iso(0) });
  });

  it('dates a deletion at receipt, whatever X-Shopify-Triggered-At said', () => {
    expect(receiveOp({ kind: 'delete', id: gid(1), at: '2099-01-01T00:00:00Z' }, now)).toMatchObject({ at: iso(0) });
  });
});
