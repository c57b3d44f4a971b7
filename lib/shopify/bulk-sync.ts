import { LateChildError, ShopifyApiError } from '../errors';
import type { AdminClient } from './admin-client';
import { CatalogAssembler, jsonlLines } from './bulk-jsonl';
import { runBulkQuery, type BulkResult } from './bulk-operation';
import { writeMergedSnapshotStream } from './bulk-snapshot';
import { withBulkWriteWindow } from './bulk-window';
import type { ShopifyDeps } from './deps';
import { PRODUCTS_COUNT_QUERY, BULK_PRODUCTS_QUERY } from './queries';
import type { ProductNode, ShopInfo, ShopifySnapshot } from './schemas';

/**
 * Products held open while re-assembling bulk lines. Shopify writes a product's children after it;
 * in practice right after it, so a few thousand open products bound memory to a few MB.
 */
export const DEFAULT_ASSEMBLY_WINDOW = 2000;

/** Reads the product count (capped by Shopify at 10,000, precision AT_LEAST beyond). */
export async function countProducts(client: AdminClient): Promise<number> {
  const { data } = await client.query<{ productsCount: { count: number; precision: string } | null }>(
    PRODUCTS_COUNT_QUERY,
  );
  return data.productsCount?.count ?? 0;
}

/**
 * Streams the lines of a finished bulk operation's JSONL file (none when the query matched nothing), holding one
 * chunk and one line at a time.
 */
export async function* bulkFileLines(bulk: BulkResult, shop: string, fetchImpl: typeof fetch): AsyncGenerator<string> {
  if (!bulk.url) return;
  const res = await fetchImpl(bulk.url);
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new ShopifyApiError(
      `Downloading the bulk file of ${shop} failed (${res.status}); the next sync will retry.`,
      {
        code: 'shopify_bulk_download',
        upstreamStatus: res.status,
      },
    );
  }
  yield* jsonlLines(res.body);
}

/** What a bulk sync needs besides the deps. */
export interface BulkSyncInput {
  shop: string;
  uuid: string;
  client: AdminClient;
  shopInfo: ShopInfo;
  syncStartedAt: number;
  deadline: number;
  source: ShopifySnapshot['meta']['source'];
  window?: number;
  onProgress?: (count: number) => void;
}

/**
 * Syncs a whole catalog through a bulk operation: runs the query, polls it, streams the JSONL,
 * re-assembles products and stream-writes the merged snapshot. If a child line arrives after its
 * product was written (window too small), the upload is abandoned and the file re-read with an
 * unbounded window; Shopify keeps the file for 7 days.
 */
export async function syncCatalogBulk(
  input: BulkSyncInput,
  deps: ShopifyDeps,
): Promise<{ productCount: number; window: number }> {
  const bulk = await runBulkQuery(input.client, BULK_PRODUCTS_QUERY, { clock: deps.clock, deadline: input.deadline });
  const fetchImpl = deps.fetch ?? fetch;
  let window = input.window ?? DEFAULT_ASSEMBLY_WINDOW;
  for (;;) {
    let late: LateChildError | undefined;
    const assembler = new CatalogAssembler(window);
    async function* products(): AsyncGenerator<ProductNode> {
      let reported = 0;
      try {
        for await (const line of bulkFileLines(bulk, input.shop, fetchImpl)) {
          yield* assembler.push(line);
          if (assembler.emitted - reported >= 500) input.onProgress?.((reported = assembler.emitted));
        }
      } catch (err) {
        if (err instanceof LateChildError) late = err;
        throw err;
      }
      yield* assembler.finish();
      input.onProgress?.(assembler.emitted);
    }
    try {
      // Announced, so webhook updates applied during the multipart upload are re-applied after it (bulk-window.ts).
      const written = await withBulkWriteWindow(
        deps,
        input.uuid,
        () =>
          writeMergedSnapshotStream({
            store: deps.store,
            uuid: input.uuid,
            shop: input.shop,
            shopInfo: input.shopInfo,
            products: products(),
            syncStartedAt: input.syncStartedAt,
            apiVersion: deps.config.SHOPIFY_API_VERSION,
            now: () => deps.clock.now(),
            source: input.source,
          }),
        input.shop,
      );
      if (assembler.orphans > 0)
        deps.log.warn(`Bulk file of ${input.shop}: ${assembler.orphans} lines had no parent and were ignored`);
      return { productCount: written.productCount, window };
    } catch (err) {
      if (!late || window === Infinity) throw err;
      deps.log.warn(`${late.message} (${input.shop})`);
      window = Infinity;
    }
  }
}
