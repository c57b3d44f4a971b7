import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShopRecord } from '../shopify/connection';
import type { PageRecord } from '../facebook/registry';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';

/** What {@link seedMerchants} wrote. */
export interface SeededMerchants {
  shops: string[];
  pages: string[];
}

/** Writes per second the seeding keeps to: under Spaces' 300 writes/s per bucket (the strict local profile's too). */
const SEED_WRITES_PER_SECOND = 250;
/** Tries per record when Spaces still answers SlowDown (after the S3 client's own retries). */
const SEED_ATTEMPTS = 5;

/**
 * Developer and benchmark helper: writes registry records for `shops` fake shops and `pages` fake
 * Pages (no tokens, no snapshots) with bounded concurrency, paced below Spaces' write rate, so a
 * dispatcher run sees a large registry without thousands of OAuth installs (10,000 take about 40 s).
 * Shops are `bench-<n>.myshopify.com`, Pages `9<n padded>`.
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
  let slot = Date.now();
  const lane = async () => {
    while (next < writes.length) {
      const write = writes[next++]!;
      const at = slot;
      slot += 1000 / SEED_WRITES_PER_SECOND;
      await sleep(Math.max(0, at - Date.now()));
      for (let attempt = 1; ; attempt++) {
        try {
          await write();
          break;
        } catch (err) {
          if (attempt === SEED_ATTEMPTS) throw err;
          await sleep(1000 * attempt);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, writes.length) }, lane));
  return { shops, pages };
}
