import { randomUUID } from 'node:crypto';
import { keys } from '../storage/keys';
import { markRecord } from '../storage/registry-mark';
import { updateWithRetry, type ObjectStore } from '../storage/store';

/** Where a shop's connection stands. */
export type ConnectionState = 'connected' | 'disconnected' | 'reauth_required';

/** The private registry record of a shop: shop → user UUID, plus connection state. No secrets. */
export interface ShopRecord {
  shop: string;
  uuid: string;
  state: ConnectionState;
  scope: string;
  connectedAt: string;
  updatedAt: string;
  reason?: string;
}

/** Reads a shop's record. */
export async function getShopRecord(store: ObjectStore, shop: string): Promise<ShopRecord | null> {
  return (await store.getJson<ShopRecord>(keys.shopRecord(shop)))?.value ?? null;
}

/**
 * Returns the shop's UUID, creating one for a new shop. The UUID never comes from a cookie: a
 * session holder could otherwise pull another shop under their UUID. A create races safely with
 * `If-None-Match: *` where the store honours it.
 */
export async function connectShop(
  store: ObjectStore,
  shop: string,
  scope: string,
  now: number,
  newUuid: () => string = randomUUID,
): Promise<ShopRecord> {
  const iso = new Date(now).toISOString();
  const record = await updateWithRetry<ShopRecord>(
    store,
    keys.shopRecord(shop),
    (existing) => {
      const next: ShopRecord = existing
        ? { ...existing.value, state: 'connected', scope, updatedAt: iso }
        : { shop, uuid: newUuid(), state: 'connected', scope, connectedAt: iso, updatedAt: iso };
      delete next.reason;
      return next;
    },
    { attempts: 5, conflict: `Could not record the connection of ${shop}: too much concurrent activity. Try again.` },
  );
  return record!;
}

/** Marks a shop disconnected or needing re-authorisation, keeping its UUID mapping ({@link markRecord}). */
export async function markShop(
  store: ObjectStore,
  shop: string,
  state: ConnectionState,
  reason: string,
  now: number,
  seen?: ShopRecord,
): Promise<void> {
  await markRecord(store, keys.shopRecord(shop), { state, reason, now, seen, what: shop });
}

/** Lists every shop in the registry. */
export async function listShops(store: ObjectStore): Promise<string[]> {
  const prefix = keys.shopRecordPrefix();
  return (await store.list(prefix)).map((k) => k.slice(prefix.length).replace(/\.json$/, ''));
}
