import { randomUUID } from 'node:crypto';
import { PreconditionFailedError } from '../errors';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';

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
  const key = keys.shopRecord(shop);
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await store.getJson<ShopRecord>(key);
    const iso = new Date(now).toISOString();
    const record: ShopRecord = existing
      ? { ...existing.value, state: 'connected', scope, updatedAt: iso }
      : { shop, uuid: newUuid(), state: 'connected', scope, connectedAt: iso, updatedAt: iso };
    delete record.reason;
    try {
      const conditional = await store.supportsConditionalWrites();
      await store.putJson(key, record, conditional ? (existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' }) : {});
      return record;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
  throw new PreconditionFailedError(`Could not record the connection of ${shop}: too much concurrent activity. Try again.`);
}

/** Marks a shop disconnected or needing re-authorisation (keeps the UUID mapping). */
export async function markShop(store: ObjectStore, shop: string, state: ConnectionState, reason: string, now: number): Promise<void> {
  const existing = await store.getJson<ShopRecord>(keys.shopRecord(shop));
  if (!existing) return;
  await store.putJson(keys.shopRecord(shop), { ...existing.value, state, reason, updatedAt: new Date(now).toISOString() });
}

/** Lists every shop in the registry. */
export async function listShops(store: ObjectStore): Promise<string[]> {
  const prefix = keys.shopRecordPrefix();
  return (await store.list(prefix)).map((k) => k.slice(prefix.length).replace(/\.json$/, ''));
}
