import * as z from 'zod';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import { ProductNodeSchema, type ProductNode } from './schemas';
import { FIELD_SET } from './sync-merge';

/** A partial object older than this was abandoned (its background sync never finished) and is removed. */
export const PARTIAL_TTL_MS = 24 * 3600_000;

const PartialSchema = z.object({
  shop: z.string(),
  fieldSet: z.string(),
  /** When the interrupted listing started (epoch ms): the resumed sync merges as that listing. */
  listingStartedAt: z.number(),
  /** `endCursor` of the last page read. */
  cursor: z.string(),
  products: z.array(ProductNodeSchema),
});

/** What an interrupted full walk hands to the background sync. */
export type SyncPartial = z.infer<typeof PartialSchema>;

/** Stores the products read so far and the cursor (under `private/`, never read by the bot). */
export async function savePartial(
  store: ObjectStore,
  uuid: string,
  partial: Omit<SyncPartial, 'fieldSet'>,
): Promise<void> {
  await store.putJson(keys.shopifySyncPartial(uuid), { ...partial, fieldSet: FIELD_SET });
}

/**
 * The partial object of this shop, or null. One that does not parse, names another shop, has another field set or
 * is older than a day is deleted and ignored: the sync then walks from the start, so a changed or missing partial
 * object costs points, never correctness.
 */
export async function loadPartial(
  store: ObjectStore,
  uuid: string,
  shop: string,
  now: number,
): Promise<{ cursor: string; products: ProductNode[]; listingStartedAt: number } | null> {
  const key = keys.shopifySyncPartial(uuid);
  const found = await store.getJson<unknown>(key).catch(() => ({ value: null }));
  if (!found) return null;
  const parsed = PartialSchema.safeParse(found.value);
  const ok =
    parsed.success &&
    parsed.data.shop === shop &&
    parsed.data.fieldSet === FIELD_SET &&
    now - parsed.data.listingStartedAt < PARTIAL_TTL_MS;
  if (!ok || !parsed.success) {
    await store.delete(key);
    return null;
  }
  return { cursor: parsed.data.cursor, products: parsed.data.products, listingStartedAt: parsed.data.listingStartedAt };
}

/** Removes the partial object once the sync it belongs to has written the snapshot. */
export async function deletePartial(store: ObjectStore, uuid: string): Promise<void> {
  await store.delete(keys.shopifySyncPartial(uuid));
}

/** Removes an abandoned partial object (older than a day); a fresh one may belong to a running background sync. */
export async function dropStalePartial(store: ObjectStore, uuid: string, shop: string, now: number): Promise<void> {
  const key = keys.shopifySyncPartial(uuid);
  const found = await store.getJson<{ listingStartedAt?: unknown; shop?: unknown }>(key).catch(() => null);
  if (!found) return;
  const at = typeof found.value?.listingStartedAt === 'number' ? found.value.listingStartedAt : 0;
  if (now - at >= PARTIAL_TTL_MS || found.value?.shop !== shop) await store.delete(key);
}
