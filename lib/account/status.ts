import { PreconditionFailedError } from '../errors';
import { backoffMs, systemClock, type Clock } from '../http/clock';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/s3-store';

/** The result of the last sync of one shop or page. */
export type SyncOutcome = 'success' | 'failed' | 'reauth_required' | 'skipped';

/** One shop's entry in a merchant's status record. */
export interface ShopStatus {
  shop: string;
  state: 'connected' | 'reauth_required' | 'disconnected';
  lastSyncAt: string;
  lastResult: SyncOutcome;
  message?: string;
  productCount?: number;
  mode?: 'paginated' | 'bulk';
  lastSuccessAt?: string;
}

/** One page's entry in a merchant's status record. */
export interface PageStatus {
  pageId: string;
  /** `moved`: another merchant connected the Page; its data is no longer kept for this one (see `movedAt`). */
  state: 'connected' | 'reauth_required' | 'disconnected' | 'moved';
  lastSyncAt: string;
  lastResult: SyncOutcome;
  message?: string;
  lastSuccessAt?: string;
  /** When the Page moved to another account (state `moved` only). */
  movedAt?: string;
}

/** `private/status/<uuid>.json`: what a merchant may see about their connections. Never holds a token. */
export interface MerchantStatus {
  uuid: string;
  updatedAt: string;
  reauthRequired: boolean;
  shops: Record<string, ShopStatus>;
  pages: Record<string, PageStatus>;
}

const MAX_ATTEMPTS = 20;

/** An empty status record for a UUID. */
export function emptyStatus(uuid: string, now: number): MerchantStatus {
  return { uuid, updatedAt: new Date(now).toISOString(), reauthRequired: false, shops: {}, pages: {} };
}

/** Reads a merchant's status record, or null when nothing was synced yet. */
export async function readStatus(store: ObjectStore, uuid: string): Promise<MerchantStatus | null> {
  return (await store.getJson<MerchantStatus>(keys.status(uuid)))?.value ?? null;
}

const needsReauth = (s: MerchantStatus) =>
  Object.values(s.shops).some((x) => x.state === 'reauth_required') || Object.values(s.pages).some((x) => x.state === 'reauth_required');

/**
 * Records one shop's or page's sync outcome with a read-modify-write under `If-Match`, so workers
 * updating the same merchant's shop and page at once never drop each other's entry.
 */
export async function recordSyncOutcome(
  store: ObjectStore,
  uuid: string,
  entry: { kind: 'shop'; value: ShopStatus } | { kind: 'page'; value: PageStatus },
  clock: Clock = systemClock,
): Promise<MerchantStatus> {
  const key = keys.status(uuid);
  const conditional = await store.supportsConditionalWrites();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.getJson<MerchantStatus>(key);
    const next = current?.value ?? emptyStatus(uuid, clock.now());
    const value = entry.value;
    if (entry.kind === 'shop') {
      const prev = next.shops[entry.value.shop];
      next.shops[entry.value.shop] = withLastSuccess(entry.value, prev?.lastSuccessAt);
    } else {
      const prev = next.pages[entry.value.pageId];
      next.pages[entry.value.pageId] = withLastSuccess(entry.value, prev?.lastSuccessAt);
    }
    next.updatedAt = value.lastSyncAt;
    next.reauthRequired = needsReauth(next);
    try {
      await store.putJson(key, next, conditional ? (current ? { ifMatch: current.etag } : { ifNoneMatch: '*' }) : {});
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      await clock.sleep(backoffMs(Math.min(attempt, 4), 10, 200));
    }
  }
  throw new PreconditionFailedError(`The status record of ${uuid} kept changing; the next poll will record it.`);
}

/** Removes a shop's entry (shop/redact); the record goes when nothing is left in it. */
export async function forgetShopStatus(store: ObjectStore, uuid: string, shop: string, clock: Clock = systemClock): Promise<void> {
  const key = keys.status(uuid);
  const conditional = await store.supportsConditionalWrites();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.getJson<MerchantStatus>(key);
    if (!current || !(shop in current.value.shops)) return;
    const next = { ...current.value, shops: { ...current.value.shops } };
    delete next.shops[shop];
    next.reauthRequired = needsReauth(next);
    try {
      if (Object.keys(next.shops).length === 0 && Object.keys(next.pages).length === 0) await store.delete(key);
      else await store.putJson(key, next, conditional ? { ifMatch: current.etag } : {});
      return;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      await clock.sleep(backoffMs(Math.min(attempt, 4), 10, 200));
    }
  }
  throw new PreconditionFailedError(`The status record of ${uuid} kept changing; Shopify's retry of shop/redact will clear it.`);
}

function withLastSuccess<T extends { lastResult: SyncOutcome; lastSyncAt: string; lastSuccessAt?: string }>(value: T, previous?: string): T {
  const lastSuccessAt = value.lastResult === 'success' ? value.lastSyncAt : previous;
  const out = { ...value };
  if (lastSuccessAt) out.lastSuccessAt = lastSuccessAt;
  else delete out.lastSuccessAt;
  return out;
}
