import { isNewer, pruneTombstones } from './snapshot-ops';
import type { ProductNode, ShopifySnapshot } from './schemas';

/**
 * Version of what a product holds in `shopify_data.json` (the queries' field set and the schema). A stored object
 * written with another version gets a full walk. Bump it whenever `PRODUCT_FIELDS`, `toProductNode` or the
 * snapshot schema changes.
 */
export const FIELD_SET = 'products-v2';

/** Meta of an object written by a complete listing that started at `listingStartedAt`. */
export function listingMeta(listingStartedAt: number, full: boolean, previous?: ShopifySnapshot['meta']) {
  const at = new Date(listingStartedAt).toISOString();
  const fullAt = full ? at : previous?.fullSyncStartedAt;
  return { listingStartedAt: at, fieldSet: FIELD_SET, ...(fullAt ? { fullSyncStartedAt: fullAt } : {}) };
}

/**
 * The full sync is the authority on what exists (README "Reliability"). A complete listing that
 * started at `listingStartedAt` (our clock) decides, for every product:
 * - listed: it is alive. A tombstone set before the listing started is cleared (Shopify never reuses
 *   product ids, so a listed product was not deleted then). A tombstone set during the listing still
 *   hides a listed copy that is not newer than it (the deletion came after the listing read it).
 * - listed, and a webhook wrote a newer copy during the listing: the stored copy wins.
 * - not listed: removed, unless a webhook wrote it during the listing (created meanwhile). What its
 *   payload claims (`updatedAt`) does not count; only our receipt time in `meta.webhookWrites` does.
 */
export function isWrittenDuring(stored: ShopifySnapshot, id: string, listingStartedAt: number): boolean {
  const at = stored.meta.webhookWrites?.[id];
  return at !== undefined && Date.parse(at) >= listingStartedAt;
}

/** Webhook receipts still needed after a complete listing that started at `listingStartedAt`. */
export function writesSince(stored: ShopifySnapshot | null, listingStartedAt: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, at] of Object.entries(stored?.meta.webhookWrites ?? {})) {
    if (Date.parse(at) >= listingStartedAt) out[id] = at;
  }
  return out;
}

/** Tombstones after a complete listing: expired ones and those of listed products set before it started are dropped. */
export function tombstonesAfterListing(
  stored: Record<string, string> | undefined,
  listed: (id: string) => boolean,
  listingStartedAt: number,
): Record<string, string> {
  const out = pruneTombstones(stored, listingStartedAt);
  for (const [id, at] of Object.entries(out)) if (listed(id) && Date.parse(at) < listingStartedAt) delete out[id];
  return out;
}

/** The version of one listed product to keep, or null when a deletion during the listing hides it. */
export function pickListed(
  node: ProductNode,
  stored: ShopifySnapshot | null,
  storedNode: ProductNode | undefined,
  tombstones: Record<string, string>,
  listingStartedAt: number,
): ProductNode | null {
  const tomb = tombstones[node.id];
  if (tomb && !isNewer(node.updatedAt, tomb)) return null;
  const writtenDuring = stored !== null && isWrittenDuring(stored, node.id, listingStartedAt);
  if (storedNode && writtenDuring && isNewer(storedNode.updatedAt, node.updatedAt)) {
    return storedNode;
  }
  return node;
}

/** Puts tombstones and webhook receipts into a meta object, omitting empty maps. */
export function withMaps<M extends ShopifySnapshot['meta']>(
  meta: M,
  tombstones: Record<string, string>,
  writes: Record<string, string>,
): M {
  const out = { ...meta };
  delete out.tombstones;
  delete out.webhookWrites;
  if (Object.keys(tombstones).length) out.tombstones = tombstones;
  if (Object.keys(writes).length) out.webhookWrites = writes;
  return out;
}

/**
 * Merges a complete listing (`synced`, every product the shop returned) into what is stored, by the
 * rules above.
 */
export function mergeFullSync(
  synced: ShopifySnapshot,
  stored: ShopifySnapshot | null,
  listingStartedAt: number,
): ShopifySnapshot {
  if (!stored) return synced;
  const listedIds = new Set(synced.data.products.edges.map((e) => e.node.id));
  const tombstones = tombstonesAfterListing(stored.meta.tombstones, (id) => listedIds.has(id), listingStartedAt);
  const current = new Map(stored.data.products.edges.map((e) => [e.node.id, e.node]));
  const edges: Array<{ node: ProductNode }> = [];
  for (const { node } of synced.data.products.edges) {
    const kept = pickListed(node, stored, current.get(node.id), tombstones, listingStartedAt);
    if (kept) edges.push({ node: kept });
  }
  for (const [id, node] of current) {
    if (!listedIds.has(id) && isWrittenDuring(stored, id, listingStartedAt) && !tombstones[id]) edges.push({ node });
  }
  const writes = writesSince(stored, listingStartedAt);
  // Inventory levels kept, so a level older than the last applied one stays dropped after a sync.
  const levels = stored.meta.inventoryLevels ? { inventoryLevels: stored.meta.inventoryLevels } : {};
  const meta = withMaps({ ...synced.meta, productCount: edges.length, ...levels }, tombstones, writes);
  return { data: { ...synced.data, products: { edges } }, meta };
}
