import { createHash } from 'node:crypto';
import { keys } from '../storage/keys';
import { createIfAbsent, type ObjectStore } from '../storage/store';

/**
 * Meta redelivers a notification it considers failed with the same bytes and signature for up to
 * 36 hours (contract §7.4) and never sends a delivery id, so a delivery is identified by
 * sha256(raw body, signature).
 */
export function deliveryId(body: Uint8Array, signature: string): string {
  return createHash('sha256').update(body).update('\n').update(signature).digest('hex');
}

/** A claimed delivery: its marker key, and how to give the claim back when processing fails. */
export interface DeliveryClaim {
  /** False when the delivery was seen before (a redelivery or a simultaneous twin). */
  fresh: boolean;
  marker: string;
  release(): Promise<void>;
}

/**
 * Records a delivery under `private/webhooks/facebook/<object>/<id>` before it is applied.
 *
 * ```
 *  delivery A ──PUT If-None-Match:* ──► 200  → fresh: apply it
 *  delivery A' (same bytes) ──PUT If-None-Match:* ──► 412  → seen: acknowledge, change nothing
 * ```
 * The conditional PUT makes two simultaneous identical deliveries apply once. A store that does
 * not honour `If-None-Match` (probed at run time) degrades to exists-then-put, which narrows but
 * cannot close that window; the daily poll repairs anything a duplicate could disturb.
 */
export async function claimDelivery(
  store: ObjectStore,
  delivery: { object: string; body: Uint8Array; signature: string; entries: number; now: number },
): Promise<DeliveryClaim> {
  const marker = keys.webhookSeen('facebook', delivery.object, deliveryId(delivery.body, delivery.signature));
  const record = {
    receivedAt: new Date(delivery.now).toISOString(),
    object: delivery.object,
    entries: delivery.entries,
  };
  const fresh = await createIfAbsent(store, marker, record, { fallback: 'check-exists' });
  return { fresh, marker, release: () => store.delete(marker) };
}
