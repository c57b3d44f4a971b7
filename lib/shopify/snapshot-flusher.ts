import { PreconditionFailedError } from '../errors';
import { backoffMs, type Clock } from '../http/clock';
import { casCondition, casLoop, conditionalWrite, CONFLICT, type ObjectStore, type Versioned } from '../storage/store';
import { bulkWriteActive } from './bulk-window';
import type { FlushCheck } from './flush-checks';
import { deletePending, listPending, loadPending } from './pending-updates';
import { readSnapshot, writeSnapshot } from './snapshot-io';
import { mergeRound, startRound, type Mutate, type StoredSnapshot, type UpdateResult } from './snapshot-merge';
import type { PendingOp } from './snapshot-ops';

// One flusher's state across rounds: the snapshot it last wrote (no re-read while nobody else
// writes) and the pending records it has read (keys are write-once, so they stay valid).
export class Flusher {
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

  /**
   * One round of the compare-and-swap loop (lib/storage/store.ts), retried until the deadline: it keeps the snapshot
   * it wrote last instead of reading it again, lists and checks the pending records (Admin API reads) between the
   * read and the write, validates only what changed, and deletes the records it applied after the write. False when
   * there is no snapshot to fold records into yet. Degraded mode is `flushWithoutCas` (snapshot-no-cas.ts).
   */
  round(mutate: Mutate | null): Promise<boolean> {
    return casLoop(() => this.attempt(mutate), {
      more: () => this.clock.now() < this.deadline,
      backoff: (attempt) => this.clock.sleep(backoffMs(Math.min(attempt, 4), 5, 100)),
      conflict: () =>
        new PreconditionFailedError(
          'The snapshot kept changing under us; pending updates stay queued for the next writer.',
        ),
    });
  }

  private async attempt(mutate: Mutate | null): Promise<boolean | typeof CONFLICT> {
    const snapshotRead = this.current !== undefined ? this.current : readSnapshot(this.store, this.uuid);
    // Without a shop, its records are found once the snapshot (or the sync's new one) names it.
    const [current, listedFirst] = await Promise.all([
      snapshotRead,
      this.shop ? listPending(this.store, this.shop) : null,
    ]);
    this.current = current;
    // Records first, then a sync's merge: a record received before the listing started is covered by the
    // listing (the authority on what exists), one received during it is kept by its receipt time.
    const start = startRound(current?.value ?? null, mutate);
    this.shop ??= start.base?.meta.shop;
    const listed = listedFirst ?? (this.shop ? await listPending(this.store, this.shop) : []);
    listed.splice(this.batch);
    await loadPending(this.store, listed, this.cache);
    const live = listed.filter((key) => this.cache.get(key));
    const ops = (keys: string[]) => keys.map((key) => this.checked.get(key) ?? this.cache.get(key)!);
    const base = start.base;
    if (!base) return false;
    if (this.checks) {
      const fresh = live.filter((key) => !this.checked.has(key)).map((key) => ({ key, op: this.cache.get(key)! }));
      for (const [key, decision] of await this.checks(base, fresh)) this.checked.set(key, decision);
    }
    // Dropped records take no part in the merge; they are reported stale and deleted with the applied ones.
    const kept = live.filter((key) => this.checked.get(key) !== null);
    const { applied, mutated, next } = mergeRound(start, base, ops(kept), mutate, this.clock.now());
    if (next) {
      // Validating 1,000 products costs ~50 ms a round; a merge of pending records into a stored (valid) snapshot
      // checks what it changed.
      const written = await conditionalWrite(() =>
        writeSnapshot(this.store, this.uuid, next, casCondition(current), mutated ? undefined : applied.touched),
      );
      if (written === CONFLICT) {
        this.current = undefined;
        return CONFLICT;
      }
      this.current = { value: next, etag: written.etag };
      Object.assign(this.out, { changed: true, snapshot: next });
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
}
