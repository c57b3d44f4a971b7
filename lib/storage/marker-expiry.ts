import { keys } from './keys';
import type { ObjectStore } from './store';

/**
 * How long a webhook dedupe record is kept: Shopify retries a delivery 8 times over 4 hours
 * (`contracts/shopify.md` §1) and Meta for up to 36 hours, so a record older than 48 hours can no longer
 * stop a redelivery. Spaces may also expire them with a lifecycle rule (README "Reliability").
 */
export const MARKER_MAX_AGE_MS = 48 * 3600 * 1000;

/**
 * Deletes webhook dedupe records (every key under `private/webhooks/`) whose LastModified is older than
 * `maxAgeMs`; fresh ones stay. One listing plus one DeleteObjects per 1,000 expired records.
 */
export async function expireWebhookMarkers(
  store: ObjectStore,
  now: number,
  maxAgeMs = MARKER_MAX_AGE_MS,
): Promise<{ scanned: number; deleted: number }> {
  const entries = await store.listEntries(keys.webhookMarkersPrefix());
  const old = entries.filter((e) => now - e.lastModified.getTime() > maxAgeMs).map((e) => e.key);
  await store.deleteMany(old);
  return { scanned: entries.length, deleted: old.length };
}
