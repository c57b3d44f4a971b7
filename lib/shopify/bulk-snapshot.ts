import { Readable } from 'node:stream';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import { pickStoredProducts, scanStoredSnapshot } from './bulk-scan';
import { ProductNodeSchema, type ProductNode, type ShopInfo, type ShopifySnapshot } from './schemas';
import { buildSnapshot } from './snapshot-merge';
import { pruneTombstones } from './snapshot-ops';
import { listingMeta, pickListed, tombstonesAfterListing, withMaps, writesSince } from './sync-merge';

/** Inputs of {@link writeMergedSnapshotStream}. */
export interface StreamedSnapshotInput {
  store: ObjectStore;
  uuid: string;
  shop: string;
  shopInfo: ShopInfo;
  /** The full catalog as it streams out of the bulk file. */
  products: AsyncIterable<ProductNode>;
  syncStartedAt: number;
  apiVersion: string;
  now: () => number;
  source: ShopifySnapshot['meta']['source'];
  /**
   * False for an incremental bulk poll (`bulk-incremental.ts`): `products` is still a complete listing, but the
   * object keeps the last full walk's `syncedAt` and `fullSyncStartedAt`, as the paginated incremental poll does.
   */
  full?: boolean;
}

/**
 * Writes the merged snapshot of a full sync as a stream (lib-storage multipart upload) with the
 * semantics of `mergeFullSync` (the authority rules of `sync-merge.ts`), in bounded memory: a first
 * pass over the stored copy keeps its skeleton (shop, meta with tombstones and webhook receipts); a
 * second pass, only when a webhook wrote during the sync, reads those few products. Synced products
 * then stream out (a newer copy a webhook wrote during the sync wins); products a webhook created
 * during the sync are appended (order carries no meaning). A multipart upload cannot carry `If-Match`:
 * a webhook write that lands between the first pass and the end of the upload is lost until the next
 * delivery or poll (see README).
 */
export async function writeMergedSnapshotStream(
  input: StreamedSnapshotInput,
): Promise<{ productCount: number; storedCount: number }> {
  const { store, uuid, syncStartedAt } = input;
  const key = keys.shopifySnapshot(uuid);
  const scan = await scanStoredSnapshot(await store.getStream(key), Infinity);
  const stored = scan.skeleton;
  const base = buildSnapshot(input.shop, input.shopInfo, [], {
    apiVersion: input.apiVersion,
    now: input.now(),
    source: input.source,
  });
  const writes = writesSince(stored, syncStartedAt);
  const writtenIds = new Set(Object.keys(writes));
  const picked = writtenIds.size ? await pickStoredProducts(await store.getStream(key), writtenIds) : [];
  const during = new Map(picked.map((n) => [n.id, n]));
  // Tombstones set during the listing may hide a listed copy; older ones are cleared for listed products at the end.
  const recentTombs = Object.fromEntries(
    Object.entries(pruneTombstones(stored?.meta.tombstones, syncStartedAt)).filter(
      ([, at]) => Date.parse(at) >= syncStartedAt,
    ),
  );
  const seen = new Set<string>();
  let productCount = 0;

  async function* body(): AsyncGenerator<Buffer> {
    const head = JSON.stringify({ data: { shop: input.shopInfo, products: { edges: [] } } });
    // `{"data":{"shop":{…},"products":{"edges":[` + edges + `]}},"meta":{…}}`
    yield Buffer.from(head.slice(0, head.length - '[]}}}'.length + 1));
    const emit = (node: ProductNode) => {
      ProductNodeSchema.parse(node);
      return Buffer.from(`${productCount++ === 0 ? '' : ','}${JSON.stringify({ node })}`);
    };
    for await (const product of input.products) {
      seen.add(product.id);
      const kept = pickListed(product, stored, during.get(product.id), recentTombs, syncStartedAt);
      if (kept) yield emit(kept);
    }
    const tombstones = tombstonesAfterListing(stored?.meta.tombstones, (id) => seen.has(id), syncStartedAt);
    for (const [id, node] of during) if (!seen.has(id) && !tombstones[id]) yield emit(node);
    const levels = stored?.meta.inventoryLevels ? { inventoryLevels: stored.meta.inventoryLevels } : {};
    const full = input.full !== false;
    const kept = !full && stored ? { syncedAt: stored.meta.syncedAt } : {};
    const listing = listingMeta(syncStartedAt, full, stored?.meta);
    const meta = withMaps({ ...base.meta, ...kept, productCount, ...levels, ...listing }, tombstones, writes);
    yield Buffer.from(`]}},"meta":${JSON.stringify(meta)}}`);
  }

  await store.putStream(key, Readable.from(body()), 'application/json');
  return { productCount, storedCount: scan.storedCount };
}
