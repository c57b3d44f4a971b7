import type { AdminClient } from './admin-client';
import { fetchProduct, walkCatalog } from './catalog';
import { CHANGED_VARIANTS_QUERY, PRODUCT_IDS_QUERY } from './queries';
import type { ProductNode, ShopInfo, ShopifySnapshot } from './schemas';
import { FIELD_SET, mergeFullSync } from './sync-merge';

export { FIELD_SET };

/** Changes since the last listing are read with this overlap, for clock skew and in-flight writes. */
export const INCREMENTAL_OVERLAP_MS = 5 * 60_000;
/** A full walk at least this often, whatever the incremental polls found. */
export const FULL_WALK_EVERY_MS = 7 * 24 * 3600_000;

interface Page<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

const IDS_PER_PAGE = 250;
const VARIANTS_PER_PAGE = 250;

/** Why a sync walks the whole catalog (null: an incremental poll will do). */
export function fullWalkReason(stored: ShopifySnapshot | null, now: number, forced: boolean): string | null {
  if (forced) return 'requested (--full)';
  if (!stored) return 'no stored snapshot';
  const meta = stored.meta;
  if (meta.fieldSet !== FIELD_SET) return `field set changed (${meta.fieldSet ?? 'none'} → ${FIELD_SET})`;
  if (!meta.listingStartedAt || !meta.fullSyncStartedAt) return 'no record of the last listing';
  if (now - Date.parse(meta.fullSyncStartedAt) >= FULL_WALK_EVERY_MS) return 'weekly full walk';
  return null;
}

/** Every product id the shop has (a complete listing), in id order. */
export async function listProductIds(client: AdminClient): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const vars: Record<string, unknown> = { first: IDS_PER_PAGE, after };
    const { data }: { data: { products: Page<{ id: string }> } } = await client.query(PRODUCT_IDS_QUERY, vars);
    for (const n of data.products.nodes) ids.push(n.id);
    if (!data.products.pageInfo.hasNextPage) return ids;
    after = data.products.pageInfo.endCursor;
  }
}

/** Products whose variants changed since `since` (inventory moves a variant's `updatedAt`, not its product's). */
export async function productsWithChangedVariants(client: AdminClient, since: string): Promise<Set<string>> {
  const out = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const vars: Record<string, unknown> = { first: VARIANTS_PER_PAGE, after, query: `updated_at:>'${since}'` };
    const { data }: { data: { productVariants: Page<{ product: { id: string } | null }> } } = await client.query(
      CHANGED_VARIANTS_QUERY,
      vars,
    );
    for (const n of data.productVariants.nodes) if (n.product) out.add(n.product.id);
    if (!data.productVariants.pageInfo.hasNextPage) return out;
    after = data.productVariants.pageInfo.endCursor;
  }
}

/** What an incremental poll read from the Admin API. */
export interface IncrementalRead {
  /** Every product id the shop returned, in id order (a complete listing). */
  listed: string[];
  /** Products read in full: changed since the last listing, unknown to the snapshot, or written by a webhook since. */
  fetched: Map<string, ProductNode>;
  /** Progress: products read in full. */
  count: number;
}

/**
 * Reads what changed since the last listing: products updated since (`updated_at:>'…'`, with an overlap), products
 * whose variants changed (inventory), a complete id listing, and in full every listed product the snapshot does not
 * hold or that a webhook wrote since the last listing (so a forged or misrouted delivery is replaced by the Admin
 * API's copy). `listingStartedAt` is the start of this poll.
 */
export async function readIncremental(
  client: AdminClient,
  stored: ShopifySnapshot,
  options: { onProgress?: (count: number) => void } = {},
): Promise<IncrementalRead> {
  const since = new Date(Date.parse(stored.meta.listingStartedAt!) - INCREMENTAL_OVERLAP_MS).toISOString();
  const fetched = new Map<string, ProductNode>();
  for await (const page of walkCatalog(client, { query: `updated_at:>'${since}'` })) {
    for (const p of page.products) fetched.set(p.id, p);
    options.onProgress?.(fetched.size);
  }
  const inventory = await productsWithChangedVariants(client, since);
  const listed = await listProductIds(client);
  const known = new Set(stored.data.products.edges.map((e) => e.node.id));
  const writes = stored.meta.webhookWrites ?? {};
  for (const id of listed) {
    if (fetched.has(id) || (known.has(id) && !inventory.has(id) && writes[id] === undefined)) continue;
    const node = await fetchProduct(client, id);
    if (node) fetched.set(id, node);
    options.onProgress?.(fetched.size);
  }
  return { listed, fetched, count: fetched.size };
}

/**
 * Merges an incremental read into what is stored, as a full sync would: the listing is complete, so it goes through
 * the same authority rules (`mergeFullSync`), with the stored copy standing in for listed products that did not change.
 * A listed product that is neither fetched nor stored (deleted and re-listed in between, practically never) is left out
 * until the next poll.
 */
export function mergeIncremental(
  read: IncrementalRead,
  stored: ShopifySnapshot,
  shopInfo: ShopInfo,
  listingStartedAt: number,
  meta: ShopifySnapshot['meta'],
): ShopifySnapshot {
  const current = new Map(stored.data.products.edges.map((e) => [e.node.id, e.node]));
  const nodes: ProductNode[] = [];
  for (const id of read.listed) {
    const node = read.fetched.get(id) ?? current.get(id);
    if (node) nodes.push(node);
  }
  const synced: ShopifySnapshot = {
    data: { shop: shopInfo, products: { edges: nodes.map((node) => ({ node })) } },
    meta: { ...meta, productCount: nodes.length },
  };
  return mergeFullSync(synced, stored, listingStartedAt);
}
