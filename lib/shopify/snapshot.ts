import { PreconditionFailedError } from '../errors';
import { backoffMs, systemClock, type Clock } from '../http/clock';
import { keys } from '../storage/keys';
import type { ObjectStore, Versioned } from '../storage/s3-store';
import { deletePending, listPending, loadPending, tryAcquireLease, type LeaseHolder } from './pending-updates';
import { ProductNodeSchema, ShopifySnapshotSchema, type ProductNode, type ShopInfo, type ShopifySnapshot } from './schemas';
import { bulkWriteActive } from './bulk-window';
import type { FlushCheck } from './flush-checks';
import { applyOps, isNewer, pruneTombstones, type OpResult, type PendingOp } from './snapshot-ops';

// A sync's default budget, and how long it waits for a webhook flusher's lease before writing without it.
const DEFAULT_BUDGET_MS = 60_000;
const LEASE_WAIT_MS = 10_000;
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

/**
 * Merges a full sync into what is stored: a product the stored copy holds in a newer version
 * (a webhook wrote it during the sync) wins, products created after the sync started are kept, and
 * tombstoned ids stay deleted.
 */
export function mergeFullSync(synced: StoredSnapshot, stored: StoredSnapshot | null, syncStartedAt: number): StoredSnapshot {
  if (!stored) return synced;
  const tombstones = pruneTombstones(stored.meta.tombstones, syncStartedAt);
  const current = new Map(stored.data.products.edges.map((e) => [e.node.id, e.node]));
  const seen = new Set<string>();
  const edges: Array<{ node: ProductNode }> = [];
  for (const { node } of synced.data.products.edges) {
    seen.add(node.id);
    const at = tombstones[node.id];
    if (at && !isNewer(node.updatedAt, at)) continue;
    const mine = current.get(node.id);
    edges.push({ node: mine && isNewer(mine.updatedAt, node.updatedAt) ? mine : node });
  }
  for (const [id, node] of current) {
    if (!seen.has(id) && Date.parse(node.updatedAt) >= syncStartedAt) edges.push({ node });
  }
  return {
    data: { ...synced.data, products: { edges } },
    meta: {
      ...synced.meta,
      productCount: edges.length,
      ...(Object.keys(tombstones).length ? { tombstones } : {}),
      // Kept, so a level older than the last applied one stays dropped after a sync.
      ...(stored.meta.inventoryLevels ? { inventoryLevels: stored.meta.inventoryLevels } : {}),
    },
  };
}

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
  if (!(await store.supportsConditionalWrites())) return lastWriterWins(store, uuid, mutate, out);
  const flusher = new Flusher(store, uuid, clock, deadline, out, options.batch ?? DEFAULT_BATCH, options.checks);
  const waitUntil = Math.min(deadline, clock.now() + LEASE_WAIT_MS);
  const handOff = options.handOff ?? true;
  let todo = mutate;
  for (let attempt = 0; ; attempt++) {
    const lease = await tryAcquireLease(store, uuid, clock.now(), options.holder ?? (mutate ? 'sync' : 'delivery'));
    if (!lease && !todo && handOff) return out;
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
    if (clock.now() >= deadline || (await listPending(store, uuid)).length === 0) return out;
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
    private readonly clock: Clock,
    private readonly deadline: number,
    private readonly out: UpdateResult,
    private readonly batch: number,
    private readonly checks?: FlushCheck,
  ) {}

  // Retries until one write succeeds; false when there is no snapshot to fold records into yet.
  async round(mutate: ((current: StoredSnapshot | null) => StoredSnapshot | null) | null): Promise<boolean> {
    for (let attempt = 0; this.clock.now() < this.deadline; attempt++) {
      const [current, listed] = await Promise.all([
        this.current !== undefined ? this.current : readSnapshot(this.store, this.uuid),
        listPending(this.store, this.uuid),
      ]);
      this.current = current;
      listed.splice(this.batch);
      await loadPending(this.store, listed, this.cache);
      const live = listed.filter((key) => this.cache.get(key));
      const mutated = mutate ? mutate(current?.value ?? null) : null;
      const base = mutated ?? current?.value ?? null;
      if (!base) return false;
      if (this.checks) {
        const fresh = live.filter((key) => !this.checked.has(key)).map((key) => ({ key, op: this.cache.get(key)! }));
        for (const [key, decision] of await this.checks(base, fresh)) this.checked.set(key, decision);
      }
      // Dropped records take no part in the merge; they are reported stale and deleted with the applied ones.
      const kept = live.filter((key) => this.checked.get(key) !== null);
      const applied = applyOps(base, kept.map((key) => this.checked.get(key) ?? this.cache.get(key)!), this.clock.now());
      const next = applied.snapshot ?? mutated;
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

// Degraded mode: no compare-and-swap, so the last PUT wins (README "Concurrent writers").
async function lastWriterWins(
  store: ObjectStore,
  uuid: string,
  mutate: ((current: StoredSnapshot | null) => StoredSnapshot | null) | null,
  out: UpdateResult,
): Promise<UpdateResult> {
  const current = await readSnapshot(store, uuid);
  const next = mutate?.(current?.value ?? null) ?? null;
  if (!next) return { ...out, snapshot: current?.value ?? null };
  await writeSnapshot(store, uuid, next);
  return { ...out, changed: true, snapshot: next };
}
