import { randomBytes } from 'node:crypto';
import type { Clock } from '../http/clock';
import type { Logger } from '../log';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import { listPending } from './pending-updates';
import { updateSnapshot } from './snapshot';

/**
 * A bulk sync writes `shopify_data.json` with a multipart upload, which cannot carry `If-Match`: a flush that
 * applies a pending record while the upload runs writes a snapshot the upload then replaces. So while a bulk write
 * is announced (a marker under `private/bulk/shopify/<uuid>/`), flushers apply records but keep them; after the
 * upload the bulk sync removes its marker and folds every pending record into what it wrote. A record is thus deleted
 * only after every writer that could have missed it has finished and the stored snapshot reflects it. This does not
 * rely on conditional writes, so it holds in both storage modes wherever updates go through pending records.
 */

/** A marker older than the longest function timeout (15 min) belongs to a crashed sync and is ignored. */
export const BULK_WRITE_TTL_MS = 16 * 60_000;

/** Whether a bulk write of the user's snapshot is under way (one listing). */
export async function bulkWriteActive(store: ObjectStore, uuid: string, now: number): Promise<boolean> {
  const markers = await store.listEntries(keys.shopifyBulkWritePrefix(uuid));
  return markers.some((m) => now - m.lastModified.getTime() < BULK_WRITE_TTL_MS);
}

/**
 * Runs a bulk write of the user's snapshot inside an announced window, then re-applies the pending records kept
 * meanwhile. A failed re-apply leaves the records pending for the next flush or poll (logged, not thrown).
 * With `shop`, the re-apply only runs when the shop has pending records: it reads the whole snapshot, which for a
 * bulk-size store is what the streamed write avoided (a 50,000-product object took the worker from ~170 MB to over
 * 600 MB). Listing after the marker is gone misses nothing: a record written later finds no marker and its own
 * flusher applies and deletes it.
 */
export async function withBulkWriteWindow<T>(
  deps: { store: ObjectStore; clock: Clock; log: Logger },
  uuid: string,
  write: () => Promise<T>,
  shop?: string,
): Promise<T> {
  const { store, clock, log } = deps;
  const marker = keys.shopifyBulkWrite(uuid, `${clock.now()}-${randomBytes(4).toString('hex')}`);
  await store.putJson(marker, { startedAt: new Date(clock.now()).toISOString() });
  let result: T;
  try {
    result = await write();
  } finally {
    await store.delete(marker).catch(() => undefined);
  }
  try {
    if (shop !== undefined && (await listPending(store, shop)).length === 0) return result;
    const { results } = await updateSnapshot(store, uuid, null, clock, { handOff: false, holder: 'sync' });
    if (results.size > 0) log.info(`Re-applied ${results.size} webhook updates received during the bulk write`);
  } catch (err) {
    log.warn(
      `Could not re-apply the webhook updates received during the bulk write (the next flush or poll does): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return result;
}
