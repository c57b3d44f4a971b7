import { createHash, randomBytes } from 'node:crypto';
import { forEachLimit } from '../concurrency';
import { PreconditionFailedError } from '../errors';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/s3-store';
import { opTime, type PendingOp } from './snapshot-ops';

/**
 * Pending records: one small object per delivery under `private/pending/shopify/<uuid>/`, written
 * before the big snapshot is touched. A record is deleted only by a writer whose successful
 * conditional PUT of the snapshot included it, so a record that exists has not been lost yet.
 * Names hold the subject hash, the op's instant and a random suffix: each version gets its own key,
 * which is why deleting an applied record can never remove a newer one.
 */

/** Length of a flush lease's time window; longer than the webhook function's 10 s timeout. */
export const LEASE_TTL_MS = 15_000;

const subjectOf = (op: PendingOp) => (op.kind === 'inventory' ? op.item : op.id);

/** Writes a pending record for an op (with the topic that asked for it, for the flush's log line) and returns its key. */
export async function recordPending(store: ObjectStore, uuid: string, op: PendingOp): Promise<string> {
  const subject = createHash('sha256').update(subjectOf(op)).digest('hex').slice(0, 16);
  const at = String(Math.max(0, Date.parse(opTime(op)) || 0)).padStart(14, '0');
  const key = keys.pendingShopifyUpdate(uuid, `${subject}-${at}-${randomBytes(4).toString('hex')}`);
  // Keys are unique, so the condition never fails; it only selects the single-request PUT path.
  await store.putJson(key, op, { ifNoneMatch: '*' });
  return key;
}

/** Lists the keys of a user's pending records. */
export async function listPending(store: ObjectStore, uuid: string): Promise<string[]> {
  return store.list(keys.pendingShopifyPrefix(uuid));
}

/**
 * Reads pending records into `cache` (keys are never rewritten, so a cached record stays valid);
 * a record deleted meanwhile is cached as null (someone else applied it).
 */
export async function loadPending(store: ObjectStore, pending: readonly string[], cache: Map<string, PendingOp | null>): Promise<void> {
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
export async function tryAcquireLease(store: ObjectStore, uuid: string, now: number, holder: LeaseHolder = 'delivery'): Promise<Lease | null> {
  const key = keys.shopifyFlushLease(uuid, Math.floor(now / LEASE_TTL_MS));
  try {
    await store.putJson(key, { acquiredAt: new Date(now).toISOString(), holder }, { ifNoneMatch: '*' });
    return { release: () => store.delete(key) };
  } catch (err) {
    if (err instanceof PreconditionFailedError) return null;
    throw err;
  }
}

/** Who holds this time window's flush lease, or null. */
export async function leaseHolder(store: ObjectStore, uuid: string, now: number): Promise<LeaseHolder | null> {
  const lease = await store.getJson<{ holder?: LeaseHolder }>(keys.shopifyFlushLease(uuid, Math.floor(now / LEASE_TTL_MS)));
  return lease ? (lease.value.holder ?? 'delivery') : null;
}

/** Length of a flush flag's time window; longer than the flush function's 60 s timeout. */
const FLAG_TTL_MS = 90_000;

/**
 * Raises the user's flush flag for this time window with `If-None-Match: *` and returns its key when this
 * call raised it (the caller must then start a flush job), or null when it is up already: a job is due or
 * running, and it looks for pending records once more after lowering the flag, so it sees ours.
 * A flag left by a job that was killed stops mattering when its window ends.
 */
export async function raiseFlushFlag(store: ObjectStore, uuid: string, now: number): Promise<string | null> {
  const key = keys.shopifyFlushFlag(uuid, Math.floor(now / FLAG_TTL_MS));
  return (await raiseFlag(store, key, now)) ? key : null;
}

/** Raises a given flush flag again (a job going on); false when someone else raised it first. */
export async function raiseFlag(store: ObjectStore, key: string, now: number): Promise<boolean> {
  try {
    await store.putJson(key, { raisedAt: new Date(now).toISOString() }, { ifNoneMatch: '*' });
    return true;
  } catch (err) {
    if (err instanceof PreconditionFailedError) return false;
    throw err;
  }
}
