import { PreconditionFailedError } from '../errors';
import type { Clock } from '../http/clock';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import { deletePending, loadPending } from './pending-updates';
import { readSnapshot, writeSnapshot } from './snapshot-io';
import { mergeRound, startRound, type Mutate, type UpdateResult } from './snapshot-merge';
import { applyOps, type PendingOp } from './snapshot-ops';

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

export async function flushWithoutCas(
  store: ObjectStore,
  uuid: string,
  knownShop: string | undefined,
  mutate: Mutate | null,
  clock: Clock,
  out: UpdateResult,
  batch: number,
): Promise<UpdateResult> {
  const started = clock.now();
  const current = await readSnapshot(store, uuid);
  // Records first, then a sync's merge, as in the conditional path.
  const start = startRound(current?.value ?? null, mutate);
  const shop = knownShop ?? start.base?.meta.shop;
  const entries = shop ? await store.listEntries(keys.pendingShopifyPrefix(shop)) : [];
  const listed = entries.slice(0, batch).map((e) => ({ key: e.key, lastModified: e.lastModified.getTime() }));
  const cache = new Map<string, PendingOp | null>();
  await loadPending(
    store,
    listed.map((entry) => entry.key),
    cache,
  );
  const live = listed.filter((entry) => cache.get(entry.key));
  const ops = live.map((entry) => cache.get(entry.key)!);
  const base = start.base;
  if (!base) return { ...out, snapshot: null };
  const { applied, mutated, next } = mergeRound(start, base, ops, mutate, clock.now());
  if (next) {
    if (clock.now() - started > WRITER_MAX_MS) {
      throw new PreconditionFailedError(
        'A snapshot round took too long to write safely without conditional writes; retrying.',
      );
    }
    await writeSnapshot(store, uuid, next, {}, mutated ? undefined : applied.touched);
    Object.assign(out, { changed: true, snapshot: next });
  } else out.snapshot = current?.value ?? null;
  // What the snapshot read at `started` already reflected (without `mutate`, the same pass as the write's).
  const reflected =
    mutated && current ? applyOps(current.value, ops, clock.now()).results : mutated ? [] : applied.results;
  const done: string[] = [];
  live.forEach((entry, i) => {
    out.results.set(entry.key, applied.results[i]!);
    out.ops.set(entry.key, ops[i]!);
    if (reflected[i] === 'stale' && started - entry.lastModified > NO_CAS_RECORD_MIN_AGE_MS) done.push(entry.key);
  });
  await deletePending(store, done);
  return out;
}
