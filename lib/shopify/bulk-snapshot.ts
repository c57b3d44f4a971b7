import { Readable } from 'node:stream';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/s3-store';
import { scanStoredSnapshot } from './bulk-scan';
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

/**
 * Writes the merged snapshot of a full sync as a stream (lib-storage multipart upload), applying
 * `mergeFullSync` product by product so memory stays bounded: the stored copy is scanned first
 * (keeping only its skeleton and recently updated products), then every synced product is merged
 * against its stored copy and tombstones and written out, then products created during the sync
 * are appended. A multipart upload cannot carry `If-Match`, so a webhook write that lands between
 * the scan and the end of the upload is lost until the next delivery or poll (see README).
 */
export async function writeMergedSnapshotStream(input: StreamedSnapshotInput): Promise<{ productCount: number; storedCount: number }> {
  const { store, uuid, syncStartedAt } = input;
  const scan = await scanStoredSnapshot(await store.getStream(keys.shopifySnapshot(uuid)), syncStartedAt - RECENT_MARGIN_MS);
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
    const emit = function* (edges: Array<{ node: ProductNode }>) {
      for (const edge of edges) {
        ProductNodeSchema.parse(edge.node);
        yield Buffer.from(`${productCount++ === 0 ? '' : ','}${JSON.stringify(edge)}`);
      }
    };
    for await (const product of input.products) {
      seen.add(product.id);
      if (!storedBase) {
        yield* emit([{ node: product }]);
        continue;
      }
      const mine = scan.recent.get(product.id);
      const merged = mergeFullSync(stub(base, [product], undefined), stub(storedBase, mine ? [mine] : [], tombstones), syncStartedAt);
      yield* emit(merged.data.products.edges);
    }
    const created = [...scan.recent.values()].filter((n) => !seen.has(n.id));
    const tail = storedBase ? mergeFullSync(base, stub(storedBase, created, tombstones), syncStartedAt) : base;
    yield* emit(tail.data.products.edges);
    const meta = { ...base.meta, productCount, ...(tail.meta.tombstones ? { tombstones: tail.meta.tombstones } : {}) };
    yield Buffer.from(`]}},"meta":${JSON.stringify(meta)}}`);
  }

  await store.putStream(keys.shopifySnapshot(uuid), Readable.from(body()), 'application/json');
  return { productCount, storedCount: scan.storedCount };
}
