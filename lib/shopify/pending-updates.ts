import { forEachLimit } from '../concurrency';
import { hashId, keys } from '../storage/keys';
import { createIfAbsent, type ObjectStore } from '../storage/store';
import type { PendingOp } from './snapshot-ops';

/**
 * Pending records: one small object per catalog delivery under `private/pending/shopify/<shop>/`, written before the
 * big snapshot is touched. The record's name is a hash of the delivery's `X-Shopify-Webhook-Id`, so writing it is
 * also the delivery's dedupe claim (one request instead of a marker and a record), and a retry after a crash finds
 * the record that is still to be applied. A record is deleted only by a writer whose successful conditional PUT of
 * the snapshot included it. Every delivery has its own key, so deleting an applied record never removes a newer one.
 */

/** Length of a flush lease's time window; longer than the webhook function's 10 s timeout. */
export const LEASE_TTL_MS = 15_000;

/**
 * Writes a delivery's record (with the topic that asked for it, for the flush's log line) with `If-None-Match: *`.
 * `fresh` is false when the record was there already: a retry of a delivery whose record is still pending.
 */
export async function recordDelivery(
  store: ObjectStore,
  shop: string,
  webhookId: string,
  op: PendingOp,
): Promise<{ key: string; fresh: boolean }> {
  const key = keys.pendingShopifyDelivery(shop, webhookId);
  // Without conditional writes the record is rewritten (a retry writes the same op) and reported fresh.
  return { key, fresh: await createIfAbsent(store, key, op) };
}

/** Lists the keys of a shop's pending records. */
export async function listPending(store: ObjectStore, shop: string): Promise<string[]> {
  return store.list(keys.pendingShopifyPrefix(shop));
}

/**
 * Reads pending records into `cache` (keys are never rewritten, so a cached record stays valid);
 * a record deleted meanwhile is cached as null (someone else applied it).
 */
export async function loadPending(
  store: ObjectStore,
  pending: readonly string[],
  cache: Map<string, PendingOp | null>,
): Promise<void> {
  const missing = pending.filter((key) => !cache.has(key));
  await forEachLimit(missing, READ_CONCURRENCY, async (key) => {
    cache.set(key, (await store.getJson<PendingOp>(key))?.value ?? null);
  });
}

// Parallel reads of pending records; more would only queue at Spaces.
const READ_CONCURRENCY = 16;

/** Deletes records that a successful snapshot write has applied (or found stale). */
export async function deletePending(store: ObjectStore, applied: readonly string[]): Promise<void> {
  await store.deleteMany(applied);
}

/** A held flush lease. */
export interface Lease {
  release(): Promise<void>;
}

/** Who holds a flush lease: a flush job and a sync keep flushing until no record is left; a delivery only until its deadline. */
export type LeaseHolder = 'job' | 'sync' | 'delivery';

/**
 * Tries to become the one flusher of a user's snapshot by creating this time window's lease with
 * `If-None-Match: *`; null when another invocation holds it. Windows are {@link LEASE_TTL_MS} long,
 * so a lease left by a crashed invocation stops blocking when its window ends, without a read to
 * check its age. The lease only saves work: correctness rests on the snapshot's ETag.
 */
export async function tryAcquireLease(
  store: ObjectStore,
  uuid: string,
  now: number,
  holder: LeaseHolder = 'delivery',
): Promise<Lease | null> {
  const key = keys.shopifyFlushLease(uuid, Math.floor(now / LEASE_TTL_MS));
  // Only taken where the store honours conditions (snapshot.ts flushes without a lease otherwise).
  const acquired = await createIfAbsent(store, key, { acquiredAt: new Date(now).toISOString(), holder });
  return acquired ? { release: () => store.delete(key) } : null;
}

/** This time window's flush lease as its holder wrote it: who, and when (each acquisition writes a new time). */
export interface LeaseState {
  holder: LeaseHolder;
  acquiredAt: string;
}

/** This time window's flush lease, or null when nobody holds it. */
export async function leaseState(store: ObjectStore, uuid: string, now: number): Promise<LeaseState | null> {
  const lease = await store.getJson<Partial<LeaseState>>(keys.shopifyFlushLease(uuid, Math.floor(now / LEASE_TTL_MS)));
  return lease ? { holder: lease.value.holder ?? 'delivery', acquiredAt: lease.value.acquiredAt ?? '' } : null;
}

/** Who holds this time window's flush lease, or null. */
export async function leaseHolder(store: ObjectStore, uuid: string, now: number): Promise<LeaseHolder | null> {
  return (await leaseState(store, uuid, now))?.holder ?? null;
}

/** Length of a flush flag's time window; longer than the flush function's 60 s timeout. */
const FLAG_TTL_MS = 90_000;
/**
 * Flags per window with conditional writes. Every delivery PUTs one (a 412 says it is up), so they are spread over
 * shards: Spaces allows 10 concurrent PUTs per object, and a burst of 64 on one flag would exceed it.
 */
const FLAG_SHARDS = 8;
/**
 * Flags per window without conditional writes (degraded mode), where a raiser that finds none up PUTs its shard
 * unconditionally: at the start of a burst every delivery may find none, so they are spread over many more shards.
 * A job lowers all of them in one DeleteObjects (a fixed set of keys, so none is left behind).
 */
const NO_CAS_FLAG_SHARDS = 64;

/**
 * Raises a shard of the shop's flush flag for this time window and returns its key when this call raised it (the
 * caller must then start a flush job), or null when one is up already: a job is due or running, and a job lowers every
 * shard before it looks for pending records a last time, so it sees ours. A flag left by a job that was killed stops
 * mattering when its window ends.
 *
 * With conditional writes the shard is created with `If-None-Match: *`. A process that has not probed the store yet
 * does the same: a 412 says the shard is up and proves the store honours the condition (the store remembers that), so
 * a cold delivery whose shard is up costs one request here and no probe; only a process whose PUT went through probes.
 *
 * Without conditional writes (degraded mode) a raiser lists the window's flags first, and only when none is up PUTs
 * its own shard and lists again: the raiser whose shard sorts first starts the job, so a burst's simultaneous first
 * deliveries start a few jobs, not one each. Every other raiser saw a shard up, which a job lowers, with all the
 * others, before its last look (or, when no job could start, the raiser flushing inline: {@link abandonFlushFlag}).
 * A process whose probe finds that the store ignored its `If-None-Match` takes the same last step: its PUT may have
 * rewritten a flag that was up, so the list decides.
 */
export async function raiseFlushFlag(
  store: ObjectStore,
  shop: string,
  now: number,
  webhookId: string,
): Promise<string | null> {
  const window = Math.floor(now / FLAG_TTL_MS);
  const value = { raisedAt: new Date(now).toISOString() };
  const prefix = keys.shopifyFlushFlagWindowPrefix(shop, window);
  const firstUp = async (key: string) => ((await store.list(prefix)).sort()[0] === key ? key : null);
  if (store.conditionalWritesKnown() !== false) {
    const key = keys.shopifyFlushFlag(shop, window, flagShard(webhookId, FLAG_SHARDS));
    if (!(await createIfAbsent(store, key, value))) return null;
    return (await store.supportsConditionalWrites()) ? key : firstUp(key);
  }
  if ((await store.list(prefix)).length > 0) return null;
  const key = keys.shopifyFlushFlag(shop, window, flagShard(webhookId, NO_CAS_FLAG_SHARDS));
  await store.putJson(key, value);
  return firstUp(key);
}

// The flag shard of a delivery.
function flagShard(webhookId: string, shards: number): number {
  return Number.parseInt(hashId(webhookId).slice(0, 8), 16) % shards;
}

/** Raises a given flush flag again (a job going on); false when someone else raised it first. */
export async function raiseFlag(store: ObjectStore, key: string, now: number): Promise<boolean> {
  return createIfAbsent(store, key, { raisedAt: new Date(now).toISOString() });
}

/**
 * Lowers the flag a raiser could not start a job for, before it flushes inline. Without conditional writes every shard
 * goes: a raiser that saw ours may have left its own shard up, counting on our flush, and no job would lower it.
 */
export async function abandonFlushFlag(store: ObjectStore, shop: string, now: number, flag: string): Promise<void> {
  if (await store.supportsConditionalWrites()) await store.delete(flag);
  else await lowerFlushFlags(store, shop, now, flag);
}

/** Lowers every shard of the shop's flags of this window and the one before (one DeleteObjects), plus `also`. */
export async function lowerFlushFlags(store: ObjectStore, shop: string, now: number, also?: string): Promise<void> {
  const window = Math.floor(now / FLAG_TTL_MS);
  const flags = new Set<string>(also ? [also] : []);
  for (const w of [window, window - 1]) {
    if (w < 0) continue;
    for (let shard = 0; shard < NO_CAS_FLAG_SHARDS; shard++) flags.add(keys.shopifyFlushFlag(shop, w, shard));
  }
  await store.deleteMany([...flags]);
}
