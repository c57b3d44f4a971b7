import { backoffMs, systemClock, type Clock } from '../http/clock';
import { keys } from '../storage/keys';
import { DELETE, UNCHANGED, updateWithRetry, type ObjectStore } from '../storage/store';
import type { SyncMode } from '../shopify/sync';

/** The result of the last sync of one shop or page. */
export type SyncOutcome = 'success' | 'failed' | 'reauth_required' | 'skipped' | 'queued';

/** What ran the sync an entry describes: the connect callback, the daily poll, or `npm run sync`. */
export type SyncSource = 'oauth' | 'poll' | 'manual';

/** One shop's entry in a merchant's status record. */
export interface ShopStatus {
  shop: string;
  state: 'connected' | 'reauth_required' | 'disconnected';
  lastSyncAt: string;
  lastResult: SyncOutcome;
  message?: string;
  productCount?: number;
  mode?: SyncMode;
  lastSuccessAt?: string;
  source?: SyncSource;
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
  /** The Page's name when it was connected (shown on the status page, escaped). */
  name?: string;
  source?: SyncSource;
}

/** One UTC day of the merchant's history: products written by full syncs, webhook updates applied. */
export interface DailyCount {
  date: string;
  productsSynced: number;
  webhookUpdates: number;
}

/** Days of history kept in the status record. */
export const HISTORY_DAYS = 30;

/** `private/status/<uuid>.json`: what a merchant may see about their connections. Never holds a token. */
export interface MerchantStatus {
  uuid: string;
  updatedAt: string;
  reauthRequired: boolean;
  shops: Record<string, ShopStatus>;
  pages: Record<string, PageStatus>;
  /** The last {@link HISTORY_DAYS} days with activity, oldest first (absent in records written before it existed). */
  daily?: DailyCount[];
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
  Object.values(s.shops).some((x) => x.state === 'reauth_required') ||
  Object.values(s.pages).some((x) => x.state === 'reauth_required');

/** One entry of {@link recordSyncOutcome}. */
export type StatusEntry = { kind: 'shop'; value: ShopStatus } | { kind: 'page'; value: PageStatus };

/**
 * Records shops' and pages' sync outcomes (one write for all of them) with a read-modify-write under
 * `If-Match`, so workers updating the same merchant's shop and page at once never drop each other's
 * entry. A successful shop sync adds its product count to today's history.
 */
export async function recordSyncOutcome(
  store: ObjectStore,
  uuid: string,
  entries: StatusEntry | readonly StatusEntry[],
  clock: Clock = systemClock,
): Promise<MerchantStatus> {
  const list = Array.isArray(entries) ? (entries as readonly StatusEntry[]) : [entries as StatusEntry];
  return updateStatus(store, uuid, clock, (next) => {
    for (const entry of list) {
      if (entry.kind === 'shop') {
        const prev = next.shops[entry.value.shop];
        next.shops[entry.value.shop] = withLastSuccess(entry.value, prev?.lastSuccessAt);
        if (entry.value.lastResult === 'success' && entry.value.productCount) {
          addToHistory(next, entry.value.lastSyncAt, { productsSynced: entry.value.productCount });
        }
      } else {
        const prev = next.pages[entry.value.pageId];
        const value = withLastSuccess(entry.value, prev?.lastSuccessAt);
        if (!value.name && prev?.name) value.name = prev.name;
        next.pages[entry.value.pageId] = value;
      }
      next.updatedAt = entry.value.lastSyncAt;
    }
  });
}

/**
 * Adds counts to today's history, once per flush job or poll run (never per webhook delivery: each
 * delivery's own writes are what the production Spaces limits are about).
 */
export async function addDailyCounts(
  store: ObjectStore,
  uuid: string,
  counts: Partial<Omit<DailyCount, 'date'>>,
  clock: Clock = systemClock,
): Promise<void> {
  if (!counts.productsSynced && !counts.webhookUpdates) return;
  await updateStatus(store, uuid, clock, (next) => addToHistory(next, new Date(clock.now()).toISOString(), counts));
}

/** Adds counts to the day of `at` (UTC) and keeps only the last {@link HISTORY_DAYS} days. */
export function addToHistory(status: MerchantStatus, at: string, counts: Partial<Omit<DailyCount, 'date'>>): void {
  const date = at.slice(0, 10);
  const daily = [...(status.daily ?? [])];
  let day = daily.find((d) => d.date === date);
  if (!day) {
    day = { date, productsSynced: 0, webhookUpdates: 0 };
    daily.push(day);
    daily.sort((a, b) => a.date.localeCompare(b.date));
  }
  day.productsSynced += counts.productsSynced ?? 0;
  day.webhookUpdates += counts.webhookUpdates ?? 0;
  const oldest = new Date(Date.parse(`${date}T00:00:00Z`) - (HISTORY_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  status.daily = daily.filter((d) => d.date >= oldest);
}

async function updateStatus(
  store: ObjectStore,
  uuid: string,
  clock: Clock,
  change: (next: MerchantStatus) => void,
): Promise<MerchantStatus> {
  const written = await updateWithRetry<MerchantStatus>(
    store,
    keys.status(uuid),
    (current) => {
      const next = current?.value ?? emptyStatus(uuid, clock.now());
      change(next);
      next.reauthRequired = needsReauth(next);
      return next;
    },
    { ...retry(clock), conflict: `The status record of ${uuid} kept changing; the next poll will record it.` },
  );
  return written!;
}

/** Removes a shop's entry (shop/redact); the record goes when nothing is left in it. */
export async function forgetShopStatus(
  store: ObjectStore,
  uuid: string,
  shop: string,
  clock: Clock = systemClock,
): Promise<void> {
  await updateWithRetry<MerchantStatus>(
    store,
    keys.status(uuid),
    (current) => {
      if (!current || !(shop in current.value.shops)) return UNCHANGED;
      const next = { ...current.value, shops: { ...current.value.shops } };
      delete next.shops[shop];
      next.reauthRequired = needsReauth(next);
      return Object.keys(next.shops).length === 0 && Object.keys(next.pages).length === 0 ? DELETE : next;
    },
    {
      ...retry(clock),
      conflict: `The status record of ${uuid} kept changing; Shopify's retry of shop/redact will clear it.`,
    },
  );
}

const retry = (clock: Clock) => ({
  attempts: MAX_ATTEMPTS,
  backoff: (attempt: number) => clock.sleep(backoffMs(Math.min(attempt, 4), 10, 200)),
});

function withLastSuccess<T extends { lastResult: SyncOutcome; lastSyncAt: string; lastSuccessAt?: string }>(
  value: T,
  previous?: string,
): T {
  const lastSuccessAt = value.lastResult === 'success' ? value.lastSyncAt : previous;
  const out = { ...value };
  if (lastSuccessAt) out.lastSuccessAt = lastSuccessAt;
  else delete out.lastSuccessAt;
  return out;
}

/**
 * Adds a flush job's applied webhook updates to today's history: one status write per flush run (a
 * burst), never per delivery. Never throws: the history is a view, the snapshot already holds the data.
 */
export async function countWebhookUpdates(
  deps: { store: ObjectStore; clock: Clock; log: { warn(message: string): void } },
  uuid: string,
  applied: number,
): Promise<void> {
  try {
    await addDailyCounts(deps.store, uuid, { webhookUpdates: applied }, deps.clock);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.log.warn(`Could not add ${applied} webhook updates to the history of ${uuid}: ${reason}`);
  }
}
