import { backoffMs, systemClock, type Clock } from '../http/clock';
import type { ObjectStore } from '../storage/store';
import type { FlushCheck } from './flush-checks';
import { leaseState, listPending, tryAcquireLease, type LeaseHolder } from './pending-updates';
import { Flusher } from './snapshot-flusher';
import type { Mutate, UpdateResult } from './snapshot-merge';
import { flushWithoutCas } from './snapshot-no-cas';

export type { UpdateResult } from './snapshot-merge';

// A sync's default budget, and how long it waits for a webhook flusher's lease before writing without it.
const DEFAULT_BUDGET_MS = 60_000;
const LEASE_WAIT_MS = 10_000;
// How often a flush job watches another job's lease before leaving the records to it: first after 250 ms, then twice
// as long each time, up to 2 s (at most 7 reads over the 10 s wait).
const LEASE_POLL_MS = 250;
const LEASE_POLL_MAX_MS = 2000;
// After releasing the lease a flusher pauses briefly, so a new arrival (which flushes anyway) can take over.
const HANDOFF_PAUSE_MS = 10;
// Bounds one round's reads and deletes; the rest waits for the next round.
const DEFAULT_BATCH = 64;

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
  mutate: Mutate | null,
  clock: Clock = systemClock,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const deadline = options.deadline ?? clock.now() + DEFAULT_BUDGET_MS;
  const out: UpdateResult = { changed: false, snapshot: null, results: new Map(), ops: new Map() };
  if (!(await store.supportsConditionalWrites())) {
    return flushWithoutCas(store, uuid, options.shop, mutate, clock, out, options.batch ?? DEFAULT_BATCH);
  }
  const flusher = new Flusher(
    store,
    uuid,
    options.shop,
    clock,
    deadline,
    out,
    options.batch ?? DEFAULT_BATCH,
    options.checks,
  );
  const waitUntil = Math.min(deadline, clock.now() + LEASE_WAIT_MS);
  const handOff = options.handOff ?? true;
  let todo = mutate;
  let holderPresumedDead = false;
  for (let attempt = 0; ; attempt++) {
    const lease = await tryAcquireLease(store, uuid, clock.now(), options.holder ?? (mutate ? 'sync' : 'delivery'));
    if (!lease && !todo && handOff) return out;
    const held =
      !lease && !todo && options.yieldToJob && !holderPresumedDead ? await leaseState(store, uuid, clock.now()) : null;
    if (held?.holder === 'job') {
      // Another job is in a round: once it releases the lease it lists again, so our records are its. Watch the lease
      // with reads (no PUTs on the lease key), ever more sparsely: a lease gone or acquired anew since we looked shows
      // the holder released it; one that outlives the wait unchanged belongs to a job that died.
      for (let wait = LEASE_POLL_MS; clock.now() + wait < waitUntil; wait = Math.min(wait * 2, LEASE_POLL_MAX_MS)) {
        await clock.sleep(wait);
        const now = await leaseState(store, uuid, clock.now());
        if (now?.acquiredAt !== held.acquiredAt) return { ...out, yielded: true };
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
