import { keys } from '../storage/keys';
import { CatalogAssembler } from './bulk-jsonl';
import { runBulkQuery, type BulkResult } from './bulk-operation';
import { scanSnapshotStream, snapshotEdges } from './bulk-scan';
import { writeMergedSnapshotStream } from './bulk-snapshot';
import { bulkFileLines, type BulkSyncInput } from './bulk-sync';
import { withBulkWriteWindow } from './bulk-window';
import { fetchProduct } from './catalog';
import type { ShopifyDeps } from './deps';
import { BULK_PRODUCT_IDS_QUERY, bulkChangedVariantsQuery, bulkProductsQuery } from './queries';
import type { ProductNode } from './schemas';
import { fullWalkReason, INCREMENTAL_OVERLAP_MS } from './sync-incremental';

/**
 * Changed products an incremental bulk poll holds in memory (a few KB each). When more changed since the last
 * listing, a full bulk walk is as cheap (bulk operations spend no rate-limit points) and streams in bounded memory.
 */
export const BULK_CHANGED_MAX = 2000;
/**
 * Products the incremental bulk poll reads one by one with the paginated `product(id:)` query (these spend points,
 * about as many per product as a page walk): inventory-only changes, products missing from the snapshot, products a
 * webhook wrote since the last listing. Beyond this many, a full bulk walk (no points) runs instead.
 */
export const BULK_FOLLOW_UPS_MAX = 250;

/** What an incremental bulk poll did, or why a full bulk walk is needed instead. */
export type BulkIncrementalOutcome =
  | { kind: 'full'; reason: string }
  | {
      kind: 'done';
      productCount: number;
      /** Products every bulk file or follow-up read in full. */
      changed: number;
      followUps: number;
      listed: number;
      bulkOperations: number;
      /** Lines of the three bulk files together (Shopify's `objectCount`). */
      objects: number;
    };

const legacyOf = (gid: string) => gid.slice(gid.lastIndexOf('/') + 1);

/** Orders product GIDs as Shopify's `sortKey: ID` does (numeric legacy ids, which may exceed 2^53). */
export function compareGids(a: string, b: string): number {
  const x = legacyOf(a);
  const y = legacyOf(b);
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

async function* rows(bulk: BulkResult, shop: string, fetchImpl: typeof fetch): AsyncGenerator<Record<string, unknown>> {
  for await (const line of bulkFileLines(bulk, shop, fetchImpl)) yield JSON.parse(line) as Record<string, unknown>;
}

/**
 * The daily poll of a store above the bulk threshold whose snapshot is usable (`fullWalkReason`): the same design as
 * the paginated incremental poll (`sync-incremental.ts`), with bulk operations, which spend no rate-limit points:
 * 1. `products(query: "updated_at:>'<last listing − 5 min>'")` in full (a bulk query honours the search filter);
 * 2. `productVariants(query: "updated_at:>'…'")` with the product id: an inventory-only change moves the variant's
 *    `updatedAt`, not the product's (contract §4). A bulk query too: a busy store's daily inventory moves would cost
 *    points page by page, and the contract allows any top-level connection in a bulk query;
 * 3. every product id (the complete listing, bulk over ids).
 * Listed products missing from the snapshot, with changed variants, or written by a webhook since the last listing
 * are then read one by one (`BULK_FOLLOW_UPS_MAX`). The merged object is stream-written by `writeMergedSnapshotStream`
 * with the full sync's authority rules, its product source being the stored object streamed once more with changed
 * products swapped in, unlisted ones dropped and new ones merged in id order: memory holds ids, the changed products
 * (`BULK_CHANGED_MAX`) and one stored product, never the catalog.
 */
export async function syncCatalogBulkIncremental(
  input: BulkSyncInput & { forced: boolean /** `productsCount` (a lower bound past 10,000) */; productCount?: number },
  deps: ShopifyDeps,
): Promise<BulkIncrementalOutcome> {
  const { store, clock } = deps;
  const { client, shop } = input;
  const fetchImpl = deps.fetch ?? fetch;
  const key = keys.shopifySnapshot(input.uuid);
  const known = new Set<string>();
  const body = await store.getStream(key);
  const skeleton = body
    ? await scanSnapshotStream(body, (edge) => known.add((JSON.parse(edge) as { node: ProductNode }).node.id))
    : null;
  const reason = fullWalkReason(skeleton, input.syncStartedAt, input.forced);
  if (reason || !skeleton) return { kind: 'full', reason: reason ?? 'no stored snapshot' };
  // More products than the snapshot holds plus the follow-up cap: a full walk is due anyway (install, big import).
  if (input.productCount !== undefined && input.productCount - known.size > BULK_FOLLOW_UPS_MAX) {
    return { kind: 'full', reason: `the shop has ${input.productCount - known.size} products more than the snapshot` };
  }

  const since = new Date(Date.parse(skeleton.meta.listingStartedAt!) - INCREMENTAL_OVERLAP_MS).toISOString();
  const timing = { clock, deadline: input.deadline };
  const changedOp = await runBulkQuery(client, bulkProductsQuery(`updated_at:>'${since}'`), timing);
  if (changedOp.rootObjectCount > BULK_CHANGED_MAX) {
    return { kind: 'full', reason: `${changedOp.rootObjectCount} products changed since ${since}` };
  }
  const fetched = new Map<string, ProductNode>();
  const assembler = new CatalogAssembler(Infinity);
  for await (const line of bulkFileLines(changedOp, shop, fetchImpl)) {
    for (const p of assembler.push(line)) fetched.set(p.id, p);
  }
  for (const p of assembler.finish()) fetched.set(p.id, p);

  const variantsOp = await runBulkQuery(client, bulkChangedVariantsQuery(since), timing);
  const inventory = new Set<string>();
  for await (const row of rows(variantsOp, shop, fetchImpl)) {
    const product = row.product as { id?: string } | null | undefined;
    if (product?.id) inventory.add(product.id);
  }

  const idsOp = await runBulkQuery(client, BULK_PRODUCT_IDS_QUERY, timing);
  const listed = new Set<string>();
  for await (const row of rows(idsOp, shop, fetchImpl)) {
    if (typeof row.id === 'string' && !row.__parentId) listed.add(row.id);
  }

  const writes = skeleton.meta.webhookWrites ?? {};
  const followUps = [...listed].filter(
    (id) => !fetched.has(id) && (!known.has(id) || inventory.has(id) || writes[id] !== undefined),
  );
  if (followUps.length > BULK_FOLLOW_UPS_MAX) {
    return { kind: 'full', reason: `${followUps.length} products to read one by one` };
  }
  const gone = new Set<string>();
  for (const id of followUps) {
    const node = await fetchProduct(client, id);
    if (node) fetched.set(id, node);
    else gone.add(id);
  }
  // A changed product missing from the listing was deleted after the first bulk query: the listing decides.
  for (const id of fetched.keys()) if (!listed.has(id)) fetched.delete(id);
  input.onProgress?.(listed.size);

  async function* products(): AsyncGenerator<ProductNode> {
    const added = [...fetched.values()].filter((n) => !known.has(n.id)).sort((a, b) => compareGids(a.id, b.id));
    const emitted = new Set<string>();
    let next = 0;
    const stream = await store.getStream(key);
    if (stream) {
      for await (const edge of snapshotEdges(stream)) {
        const node = (JSON.parse(edge) as { node: ProductNode }).node;
        for (; next < added.length && compareGids(added[next]!.id, node.id) < 0; next++) {
          emitted.add(added[next]!.id);
          yield added[next]!;
        }
        if (!listed.has(node.id) || emitted.has(node.id) || gone.has(node.id)) continue;
        emitted.add(node.id);
        yield fetched.get(node.id) ?? node;
      }
    }
    // New products after the last stored one, and changed ones the stored object lost meanwhile (a webhook deletion
    // during the poll: its tombstone decides in the merge).
    const rest = [...fetched.values()].filter((n) => !emitted.has(n.id)).sort((a, b) => compareGids(a.id, b.id));
    yield* rest;
  }

  const written = await withBulkWriteWindow(
    deps,
    input.uuid,
    () =>
      writeMergedSnapshotStream({
        store,
        uuid: input.uuid,
        shop,
        shopInfo: input.shopInfo,
        products: products(),
        syncStartedAt: input.syncStartedAt,
        apiVersion: deps.config.SHOPIFY_API_VERSION,
        now: () => clock.now(),
        source: input.source,
        full: false,
      }),
    shop,
  );
  return {
    kind: 'done',
    productCount: written.productCount,
    changed: fetched.size,
    followUps: followUps.length,
    listed: listed.size,
    bulkOperations: 3,
    objects: changedOp.objectCount + variantsOp.objectCount + idsOp.objectCount,
  };
}
