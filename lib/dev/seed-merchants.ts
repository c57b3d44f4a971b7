import { randomUUID } from 'node:crypto';
import type { ShopRecord } from '../shopify/connection';
import type { PageRecord } from '../facebook/registry';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';

/** What {@link seedMerchants} wrote. */
export interface SeededMerchants {
  shops: string[];
  pages: string[];
}

/**
 * Developer and benchmark helper: writes registry records for `shops` fake shops and `pages` fake
 * Pages (no tokens, no snapshots) with bounded concurrency, so a dispatcher run sees a large
 * registry without thousands of OAuth installs. Shops are `bench-<n>.myshopify.com`, Pages
 * `9<n padded>`.
 */
export async function seedMerchants(
  store: ObjectStore,
  counts: { shops: number; pages: number },
  concurrency = 48,
): Promise<SeededMerchants> {
  const now = new Date().toISOString();
  const shops = Array.from({ length: counts.shops }, (_, i) => `bench-${i + 1}.myshopify.com`);
  const pages = Array.from({ length: counts.pages }, (_, i) => `9${String(i + 1).padStart(14, '0')}`);
  const writes: Array<() => Promise<unknown>> = [
    ...shops.map((shop) => () => {
      const record: ShopRecord = {
        shop,
        uuid: randomUUID(),
        state: 'connected',
        scope: 'read_products',
        connectedAt: now,
        updatedAt: now,
      };
      return store.putJson(keys.shopRecord(shop), record);
    }),
    ...pages.map((pageId) => () => {
      const record: PageRecord = {
        pageId,
        uuid: randomUUID(),
        asid: '1',
        name: `Bench page ${pageId}`,
        state: 'connected',
        connectedAt: now,
        updatedAt: now,
      };
      return store.putJson(keys.pageRecord(pageId), record);
    }),
  ];
  let next = 0;
  const lane = async () => {
    while (next < writes.length) await writes[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, writes.length) }, lane));
  return { shops, pages };
}
