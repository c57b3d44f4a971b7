import { Readable } from 'node:stream';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/s3-store';
import { pickStoredProducts, scanStoredSnapshot } from './bulk-scan';
import { ProductNodeSchema, type ProductNode, type ShopInfo, type ShopifySnapshot } from './schemas';
import { buildSnapshot, mergeFullSync } from './snapshot';

/**
 * Stored products updated this long before the sync started are still treated as "written during
 * the sync", covering clock skew between Shopify's `updatedAt` and ours.
 */
const RECENT_MARGIN_MS = 10 * 60_000;

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
}

const stub = (base: ShopifySnapshot, nodes: ProductNode[], tombstones: Record<string, string> | undefined): ShopifySnapshot => ({
  data: { ...base.data, products: { edges: nodes.map((node) => ({ node })) } },
  meta: { ...base.meta, productCount: nodes.length, ...(tombstones ? { tombstones } : {}) },
});

const newer = (a: string | undefined, b: string | undefined) => (a ?? '') > (b ?? '');

/**
 * Writes the merged snapshot of a full sync as a stream (lib-storage multipart upload) with the
 * semantics of `mergeFullSync`, in bounded memory: a first pass over the stored copy keeps its
 * skeleton (shop, meta, tombstones) and the `updatedAt` of recently updated products; synced
 * products then stream out, minus tombstoned ones; those the stored copy holds in a newer version
 * (a webhook wrote them during the sync) and those created during the sync are read in a second
 * pass over the stored copy and appended (so they move to the end; order carries no meaning). A
 * multipart upload cannot carry `If-Match`: a webhook write that lands between the first pass and
 * the end of the upload is lost until the next delivery or poll (see README).
 */
export async function writeMergedSnapshotStream(input: StreamedSnapshotInput): Promise<{ productCount: number; storedCount: number }> {
  const { store, uuid, syncStartedAt } = input;
  const key = keys.shopifySnapshot(uuid);
  const scan = await scanStoredSnapshot(await store.getStream(key), syncStartedAt - RECENT_MARGIN_MS);
  const base = buildSnapshot(input.shop, input.shopInfo, [], { apiVersion: input.apiVersion, now: input.now(), source: input.source });
  // mergeFullSync prunes expired tombstones; do it once rather than per product.
  const storedBase = scan.skeleton ? stub(scan.skeleton, [], scan.skeleton.meta.tombstones) : null;
  const tombstones = storedBase ? mergeFullSync(base, storedBase, syncStartedAt).meta.tombstones : undefined;
  let productCount = 0;

  async function* body(): AsyncGenerator<Buffer> {
    const head = JSON.stringify({ data: { shop: input.shopInfo, products: { edges: [] } } });
    // `{"data":{"shop":{…},"products":{"edges":[` + edges + `]}},"meta":{…}}`
    yield Buffer.from(head.slice(0, head.length - '[]}}}'.length + 1));
    const seen = new Set<string>();
    const fromStored = new Set<string>();
    const emit = function* (edges: Array<{ node: ProductNode }>) {
      for (const edge of edges) {
        ProductNodeSchema.parse(edge.node);
        yield Buffer.from(`${productCount++ === 0 ? '' : ','}${JSON.stringify(edge)}`);
      }
    };
    for await (const product of input.products) {
      seen.add(product.id);
      const merged = storedBase ? mergeFullSync(stub(base, [product], undefined), stub(storedBase, [], tombstones), syncStartedAt).data.products.edges : [{ node: product }];
      if (merged.length > 0 && newer(scan.recent.get(product.id), product.updatedAt)) fromStored.add(product.id);
      else yield* emit(merged);
    }
    for (const [id, updatedAt] of scan.recent) if (!seen.has(id) && Date.parse(updatedAt) >= syncStartedAt) fromStored.add(id);
    const stored = fromStored.size > 0 ? await pickStoredProducts(await store.getStream(key), fromStored) : [];
    // Synced products whose stored copy is newer keep that copy; the rest go through mergeFullSync's rule for "created during the sync".
    yield* emit(stored.filter((n) => seen.has(n.id)).map((node) => ({ node })));
    const tail = storedBase ? mergeFullSync(base, stub(storedBase, stored.filter((n) => !seen.has(n.id)), tombstones), syncStartedAt) : base;
    yield* emit(tail.data.products.edges);
    const levels = scan.skeleton?.meta.inventoryLevels;
    const meta = {
      ...base.meta,
      productCount,
      ...(tail.meta.tombstones ? { tombstones: tail.meta.tombstones } : {}),
      ...(levels ? { inventoryLevels: levels } : {}),
    };
    yield Buffer.from(`]}},"meta":${JSON.stringify(meta)}}`);
  }

  await store.putStream(key, Readable.from(body()), 'application/json');
  return { productCount, storedCount: scan.storedCount };
}
