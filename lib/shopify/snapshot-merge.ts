import { applyOps, type OpResult, type PendingOp } from './snapshot-ops';
import type { ProductNode, ShopInfo, ShopifySnapshot } from './schemas';

/** Pure snapshot merges (no I/O): building a snapshot, and one writer round's fold of pending records and a sync. */

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
    meta: {
      shop,
      syncedAt: meta.syncedAt ?? iso,
      updatedAt: iso,
      apiVersion: meta.apiVersion,
      productCount: products.length,
      source: meta.source,
    },
  };
}

/** Replaces (or inserts) one product unless the stored copy is newer or it was deleted later. */
export function upsertProduct(snapshot: StoredSnapshot, product: ProductNode, now: number): StoredSnapshot | null {
  return applyOps(snapshot, [{ kind: 'node', id: product.id, updatedAt: product.updatedAt, node: product }], now)
    .snapshot;
}

/** Removes a product and remembers its id, so an older copy cannot come back. */
export function removeProduct(snapshot: StoredSnapshot, id: string, now: number): StoredSnapshot {
  return applyOps(snapshot, [{ kind: 'delete', id, at: new Date(now).toISOString() }], now).snapshot ?? snapshot;
}

/** A sync's merge of what it fetched into the current snapshot (null: nothing to change). */
export type Mutate = (current: StoredSnapshot | null) => StoredSnapshot | null;

/** A writer round's start: what pending records are folded into, and a sync's snapshot when nothing is stored yet. */
export interface RoundStart {
  /** The stored snapshot, or the sync's first one; null: nothing to fold records into yet. */
  base: StoredSnapshot | null;
  mutatedFirst: StoredSnapshot | null;
  /** A sync's merge runs after the records (a record received during its listing is kept by receipt time). */
  mergeAfter: boolean;
}

/** Starts a round on the snapshot read (records first, then a sync's merge, when one is stored). */
export function startRound(current: StoredSnapshot | null, mutate: Mutate | null): RoundStart {
  const mergeAfter = mutate !== null && current !== null;
  const mutatedFirst = mutate && !current ? mutate(null) : null;
  return { base: current ?? mutatedFirst, mutatedFirst, mergeAfter };
}

/** Folds the records' ops into the round's base, then a sync's merge; `next` is null when nothing changed. */
export function mergeRound(
  start: RoundStart,
  base: StoredSnapshot,
  ops: PendingOp[],
  mutate: Mutate | null,
  now: number,
) {
  const applied = applyOps(base, ops, now);
  const mutated = start.mergeAfter && mutate ? mutate(applied.snapshot ?? base) : start.mutatedFirst;
  const next = start.mergeAfter ? (mutated ?? applied.snapshot) : (applied.snapshot ?? mutated);
  return { applied, mutated, next };
}

/** What a snapshot writer (`updateSnapshot`) did. */
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
