import { PreconditionFailedError } from '../errors';
import { backoffMs, systemClock, type Clock } from '../http/clock';
import { keys } from '../storage/keys';
import type { ObjectStore, Versioned } from '../storage/store';
import { deletePending, leaseHolder, listPending, loadPending, tryAcquireLease, type LeaseHolder } from './pending-updates';
import { ProductNodeSchema, ShopifySnapshotSchema, type ProductNode, type ShopInfo, type ShopifySnapshot } from './schemas';
import { bulkWriteActive } from './bulk-window';
import type { FlushCheck } from './flush-checks';
import { applyOps, type OpResult, type PendingOp } from './snapshot-ops';

// A sync's default budget, and how long it waits for a webhook flusher's lease before writing without it.
const DEFAULT_BUDGET_MS = 60_000;
const LEASE_WAIT_MS = 10_000;
// How often a flush job watches another job's lease before leaving the records to it.
const LEASE_POLL_MS = 250;
// After releasing the lease a flusher pauses briefly, so a new arrival (which flushes anyway) can take over.
const HANDOFF_PAUSE_MS = 10;
// Bounds one round's reads and deletes; the rest waits for the next round.
const DEFAULT_BATCH = 64;

/** A snapshot as stored. */
export type StoredSnapshot = ShopifySnapshot;

/** Builds a snapshot in the seed's shape: `{data: {shop, products: {edges: [{node}]}}, meta}`. */
export function buildSnapshot(
  shop: string,
  info: ShopInfo,
  products: readonly ProductNode[],
  meta: { apiVersion: string; now: number; source: ShopifySnapshot['meta']['source']; syncedAt?: string },
): StoredSnapshot {
  const iso = new Date(meta.now).toISOString();
  return {
    data: { shop: info, products: { edges: products.map((node) => ({ node })) } },
    meta: { shop, syncedAt: meta.syncedAt ?? iso, updatedAt: iso, apiVersion: meta.apiVersion, productCount: products.length, source: meta.source },
  };
}

/** The full sync's merge (the authority rules) lives in `sync-merge.ts`. */
export { mergeFullSync } from './sync-merge';

/**
 * Validates and writes a snapshot with one PUT (readers see the old or the new object, never a mix). With `touched`,
 * the snapshot is an already valid one with only those products changed, so only they and `meta` are validated.
 */
export async function writeSnapshot(
  store: ObjectStore,
  uuid: string,
  snapshot: StoredSnapshot,
  condition: { ifMatch?: string; ifNoneMatch?: '*' } = {},
  touched?: readonly ProductNode[],
) {
  if (touched) {
    ShopifySnapshotSchema.shape.meta.parse(snapshot.meta);
    for (const node of touched) ProductNodeSchema.parse(node);
  } else ShopifySnapshotSchema.parse(snapshot);
  return store.putJson(keys.shopifySnapshot(uuid), snapshot, condition);
}

/** Reads a user's snapshot with its ETag. */
export async function readSnapshot(store: ObjectStore, uuid: string): Promise<Versioned<StoredSnapshot> | null> {
  return store.getJson<StoredSnapshot>(keys.shopifySnapshot(uuid));
}

/** Replaces (or inserts) one product unless the stored copy is newer or it was deleted later. */
export function upsertProduct(snapshot: StoredSnapshot, product: ProductNode, now: number): StoredSnapshot | null {
  return applyOps(snapshot, [{ kind: 'node', id: product.id, updatedAt: product.updatedAt, node: product }], now).snapshot;
}

/** Removes a product and remembers its id, so an older copy cannot come back. */
export function removeProduct(snapshot: StoredSnapshot, id: string, now: number): StoredSnapshot {
  return applyOps(snapshot, [{ kind: 'delete', id, at: new Date(now).toISOString() }], now).snapshot ?? snapshot;
}

/** What {@link updateSnapshot} did. */
export interface UpdateResult {
  changed: boolean;
  snapshot: StoredSnapshot | null;
  /** Per pending record this invocation applied: whether its op changed the snapshot or was older than it. */
  results: Map<string, OpResult>;
  /** The ops of those records, by record key. */
  ops: Map<string, PendingOp>;
  /** With `yieldToJob`: another flush job held the lease, and it applies the records (this call applied none). */
  yielded?: boolean;
  /** Records were applied but kept, because a bulk write was under way (it re-applies them when it ends). */
  keptForBulkWrite?: boolean;
}

/** How {@link updateSnapshot} runs. */
export interface UpdateOptions {
  /** Epoch ms to stop by (default: a minute from now). */
  deadline?: number;
  /**
   * Without `mutate`: when another invocation holds the flush lease, return at once and leave the
   * records to it (a webhook flushing inline). False waits for the lease like a sync (a flush job).
   */
  handOff?: boolean;
  /** Pending records folded in per write (default 64). */
  batch?: number;
  /** Recorded in the lease (default: a sync with `mutate`, else a delivery). */
  holder?: LeaseHolder;
  /** The shop whose pending records to fold in; default: the one the snapshot names (`meta.shop`). */
  shop?: string;
  /**
   * Without `mutate`: when a flush job holds the lease, return at once with `yielded` (a flush job started by another
   * flag shard). The holder lowers every flag shard and lists again before it stops, so it applies our records.
   */
  yieldToJob?: boolean;
  /** Checks of pending records against the shop before they are applied (see `flush-checks.ts`). */
  checks?: FlushCheck;
}

/**
 * Writes a user's snapshot: folds in every pending record, then `mutate` (null = nothing to change;
 * a full sync's merge), with a conditional PUT on the ETag read, and deletes the records it applied.
 * One flusher at a time holds a lease; with `handOff`, an invocation without `mutate` that finds the
 * lease taken hands its records to the holder (which lists again after releasing it, see README
 * "Concurrent writers"). Where the store ignores conditions (degraded mode) the write is last-writer-wins.
 */
export async function updateSnapshot(
  store: ObjectStore,
  uuid: string,
  mutate: ((current: StoredSnapshot | null) => StoredSnapshot | null) | null,
  clock: Clock = systemClock,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const deadline = options.deadline ?? clock.now() + DEFAULT_BUDGET_MS;
  const out: UpdateResult = { changed: false, snapshot: null, results: new Map(), ops: new Map() };
  if (!(await store.supportsConditionalWrites())) {
    return flushWithoutCas(store, uuid, options.shop, mutate, clock, out, options.batch ?? DEFAULT_BATCH);
  }
  const flusher = new Flusher(store, uuid, options.shop, clock, deadline, out, options.batch ?? DEFAULT_BATCH, options.checks);
  const waitUntil = Math.min(deadline, clock.now() + LEASE_WAIT_MS);
  const handOff = options.handOff ?? true;
  let todo = mutate;
  let holderPresumedDead = false;
  for (let attempt = 0; ; attempt++) {
    const lease = await tryAcquireLease(store, uuid, clock.now(), options.holder ?? (mutate ? 'sync' : 'delivery'));
    if (!lease && !todo && handOff) return out;
    if (!lease && !todo && options.yieldToJob && !holderPresumedDead && (await leaseHolder(store, uuid, clock.now())) === 'job') {
      // Another job is in a round: once it releases the lease it lists again, so our records are its. Watch the lease
      // with reads (no PUTs on the lease key); a lease that outlives the wait belongs to a job that died.
      while (clock.now() < waitUntil) {
        await clock.sleep(LEASE_POLL_MS);
        if ((await leaseHolder(store, uuid, clock.now())) === null) return { ...out, yielded: true };
      }
      holderPresumedDead = true;
    }
    if (!lease && clock.now() < waitUntil) {
      await clock.sleep(backoffMs(Math.min(attempt, 3), 25, 200));
      continue;
    }
    let more: boolean;
    try {
      more = await flusher.round(todo);
      todo = null;
    } finally {
      await lease?.release();
    }
    if (!more) return out;
    await clock.sleep(HANDOFF_PAUSE_MS);
    const shop = flusher.shop;
    if (clock.now() >= deadline || !shop || (await listPending(store, shop)).length === 0) return out;
  }
}

// One flusher's state across rounds: the snapshot it last wrote (no re-read while nobody else
// writes) and the pending records it has read (keys are write-once, so they stay valid).
class Flusher {
  private current: Versioned<StoredSnapshot> | null | undefined;
  private readonly cache = new Map<string, PendingOp | null>();
  // What the checks decided per record key (a replacement op, or null to drop it); each record is checked once.
  private readonly checked = new Map<string, PendingOp | null>();

  constructor(
    private readonly store: ObjectStore,
    private readonly uuid: string,
    /** Whose pending records to fold in; learnt from the snapshot when not given. */
    public shop: string | undefined,
    private readonly clock: Clock,
    private readonly deadline: number,
    private readonly out: UpdateResult,
    private readonly batch: number,
    private readonly checks?: FlushCheck,
  ) {}

  // Retries until one write succeeds; false when there is no snapshot to fold records into yet.
  async round(mutate: ((current: StoredSnapshot | null) => StoredSnapshot | null) | null): Promise<boolean> {
    for (let attempt = 0; this.clock.now() < this.deadline; attempt++) {
      const snapshotRead = this.current !== undefined ? this.current : readSnapshot(this.store, this.uuid);
      // Without a shop, its records are found once the snapshot (or the sync's new one) names it.
      const [current, listedFirst] = await Promise.all([snapshotRead, this.shop ? listPending(this.store, this.shop) : null]);
      this.current = current;
      // Records first, then a sync's merge: a record received before the listing started is covered by the
      // listing (the authority on what exists), one received during it is kept by its receipt time.
      const mergeAfter = mutate !== null && current !== null;
      const mutatedFirst = mutate && !current ? mutate(null) : null;
      this.shop ??= (current?.value ?? mutatedFirst)?.meta.shop;
      const listed = listedFirst ?? (this.shop ? await listPending(this.store, this.shop) : []);
      listed.splice(this.batch);
      await loadPending(this.store, listed, this.cache);
      const live = listed.filter((key) => this.cache.get(key));
      const ops = (keys: string[]) => keys.map((key) => this.checked.get(key) ?? this.cache.get(key)!);
      const base = current?.value ?? mutatedFirst;
      if (!base) return false;
      if (this.checks) {
        const fresh = live.filter((key) => !this.checked.has(key)).map((key) => ({ key, op: this.cache.get(key)! }));
        for (const [key, decision] of await this.checks(base, fresh)) this.checked.set(key, decision);
      }
      // Dropped records take no part in the merge; they are reported stale and deleted with the applied ones.
      const kept = live.filter((key) => this.checked.get(key) !== null);
      const applied = applyOps(base, ops(kept), this.clock.now());
      const mutated = mergeAfter && mutate ? mutate(applied.snapshot ?? base) : mutatedFirst;
      const next = mergeAfter ? (mutated ?? applied.snapshot) : (applied.snapshot ?? mutated);
      if (next) {
        try {
          const condition = current ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const };
          // Validating 1,000 products costs ~50 ms a round; a merge of pending records into a stored (valid) snapshot checks what it changed.
          const { etag } = await writeSnapshot(this.store, this.uuid, next, condition, mutated ? undefined : applied.touched);
          this.current = { value: next, etag };
          Object.assign(this.out, { changed: true, snapshot: next });
        } catch (err) {
          if (!(err instanceof PreconditionFailedError)) throw err;
          this.current = undefined;
          await this.clock.sleep(backoffMs(Math.min(attempt, 4), 5, 100));
          continue;
        }
      } else this.out.snapshot ??= current?.value ?? null;
      kept.forEach((key, i) => this.out.results.set(key, applied.results[i]!));
      for (const key of live) {
        if (!this.out.results.has(key)) this.out.results.set(key, 'stale');
        this.out.ops.set(key, this.cache.get(key)!);
      }
      // A bulk write under way may replace what was just written: keep the records for it to re-apply, and stop.
      if (await bulkWriteActive(this.store, this.uuid, this.clock.now())) {
        this.out.keptForBulkWrite = true;
        return false;
      }
      await deletePending(this.store, live);
      return true;
    }
    throw new PreconditionFailedError('The snapshot kept changing under us; pending updates stay queued for the next writer.');
  }
}

/**
 * Degraded mode (the store ignores `If-Match` / `If-None-Match`): writers may overwrite each other's snapshot, so
 * records are kept until no writer can lose them. Every writer lists the records after it read the snapshot and
 * folds them in, and gives up a round that took longer than {@link WRITER_MAX_MS} before its PUT. So once a record
 * is older than that (plus clock skew), every writer that could have missed it has finished, and a snapshot read after
 * that point which reflects the record (its op is as old as what is stored, or a newer pending op covers it) stays
 * reflecting it: only then is the record deleted. One round per call; the flush job calls again while records remain.
 */
export const WRITER_MAX_MS = 15_000;
/**
 * Age (by LastModified) after which a reflected record may go: {@link WRITER_MAX_MS}, plus a PUT's own retries
 * (up to four attempts with a 4 s idle timeout each) and the difference between a function's clock and Spaces'.
 */
export const NO_CAS_RECORD_MIN_AGE_MS = 40_000;

async function flushWithoutCas(
  store: ObjectStore,
  uuid: string,
  knownShop: string | undefined,
  mutate: ((current: StoredSnapshot | null) => StoredSnapshot | null) | null,
  clock: Clock,
  out: UpdateResult,
  batch: number,
): Promise<UpdateResult> {
  const started = clock.now();
  const current = await readSnapshot(store, uuid);
  // Records first, then a sync's merge, as in the conditional path.
  const mergeAfter = mutate !== null && current !== null;
  const mutatedFirst = mutate && !current ? mutate(null) : null;
  const shop = knownShop ?? (current?.value ?? mutatedFirst)?.meta.shop;
  const entries = shop ? await store.listEntries(keys.pendingShopifyPrefix(shop)) : [];
  const listed = entries.slice(0, batch).map((e) => ({ key: e.key, lastModified: e.lastModified.getTime() }));
  const cache = new Map<string, PendingOp | null>();
  await loadPending(store, listed.map((entry) => entry.key), cache);
  const live = listed.filter((entry) => cache.get(entry.key));
  const ops = live.map((entry) => cache.get(entry.key)!);
  const base = current?.value ?? mutatedFirst;
  if (!base) return { ...out, snapshot: null };
  const applied = applyOps(base, ops, clock.now());
  const mutated = mergeAfter && mutate ? mutate(applied.snapshot ?? base) : mutatedFirst;
  const next = mergeAfter ? (mutated ?? applied.snapshot) : (applied.snapshot ?? mutated);
  if (next) {
    if (clock.now() - started > WRITER_MAX_MS) {
      throw new PreconditionFailedError('A snapshot round took too long to write safely without conditional writes; retrying.');
    }
    await writeSnapshot(store, uuid, next, {}, mutated ? undefined : applied.touched);
    Object.assign(out, { changed: true, snapshot: next });
  } else out.snapshot = current?.value ?? null;
  // What the snapshot read at `started` already reflected (without `mutate`, the same pass as the write's).
  const reflected = mutated && current ? applyOps(current.value, ops, clock.now()).results : mutated ? [] : applied.results;
  const done: string[] = [];
  live.forEach((entry, i) => {
    out.results.set(entry.key, applied.results[i]!);
    out.ops.set(entry.key, ops[i]!);
    if (reflected[i] === 'stale' && started - entry.lastModified > NO_CAS_RECORD_MIN_AGE_MS) done.push(entry.key);
  });
  await deletePending(store, done);
  return out;
}
