import { PreconditionFailedError } from '../errors';
import { backoffMs, systemClock, type Clock } from '../http/clock';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/s3-store';
import { ShopifySnapshotSchema, type ProductNode, type ShopInfo, type ShopifySnapshot } from './schemas';

// How long a deleted product's id is remembered, so a late sync or delivery cannot resurrect it.
const TOMBSTONE_TTL_MS = 7 * 24 * 3600 * 1000;
const MAX_CAS_ATTEMPTS = 60;

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

const newer = (a: string | undefined, b: string | undefined) => (a ?? '') > (b ?? '');

function pruneTombstones(tombstones: Record<string, string> | undefined, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, at] of Object.entries(tombstones ?? {})) if (now - Date.parse(at) < TOMBSTONE_TTL_MS) out[id] = at;
  return out;
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
    if (at && Date.parse(at) >= Date.parse(node.updatedAt)) continue;
    const mine = current.get(node.id);
    edges.push({ node: mine && newer(mine.updatedAt, node.updatedAt) ? mine : node });
  }
  for (const [id, node] of current) {
    if (!seen.has(id) && Date.parse(node.updatedAt) >= syncStartedAt) edges.push({ node });
  }
  return {
    data: { ...synced.data, products: { edges } },
    meta: { ...synced.meta, productCount: edges.length, ...(Object.keys(tombstones).length ? { tombstones } : {}) },
  };
}

/** Validates and writes a snapshot with one PUT (readers see the old or the new object, never a mix). */
export async function writeSnapshot(store: ObjectStore, uuid: string, snapshot: StoredSnapshot, condition: { ifMatch?: string; ifNoneMatch?: '*' } = {}) {
  ShopifySnapshotSchema.parse(snapshot);
  return store.putJson(keys.shopifySnapshot(uuid), snapshot, condition);
}

/** Reads a user's snapshot with its ETag. */
export async function readSnapshot(store: ObjectStore, uuid: string) {
  return store.getJson<StoredSnapshot>(keys.shopifySnapshot(uuid));
}

/**
 * Read-modify-write of a snapshot with optimistic concurrency: conditional PUT on the ETag read,
 * re-read and re-apply on conflict. `mutate` returns null when there is nothing to change. Where the
 * store does not honour conditions (degraded mode) the write is last-writer-wins.
 */
export async function updateSnapshot(
  store: ObjectStore,
  uuid: string,
  mutate: (current: StoredSnapshot | null) => StoredSnapshot | null,
  clock: Clock = systemClock,
): Promise<{ changed: boolean; snapshot: StoredSnapshot | null }> {
  const conditional = await store.supportsConditionalWrites();
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const current = await readSnapshot(store, uuid);
    const next = mutate(current?.value ?? null);
    if (!next) return { changed: false, snapshot: current?.value ?? null };
    try {
      await writeSnapshot(store, uuid, next, conditional ? (current ? { ifMatch: current.etag } : { ifNoneMatch: '*' }) : {});
      return { changed: true, snapshot: next };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      await clock.sleep(backoffMs(Math.min(attempt, 4), 10, 200));
    }
  }
  throw new PreconditionFailedError('The snapshot kept changing under us; the delivery will be retried.');
}

/** Replaces (or inserts) one product unless the stored copy is newer or it was deleted later. */
export function upsertProduct(snapshot: StoredSnapshot, product: ProductNode, now: number): StoredSnapshot | null {
  const tomb = snapshot.meta.tombstones?.[product.id];
  if (tomb && Date.parse(tomb) >= Date.parse(product.updatedAt)) return null;
  const edges = snapshot.data.products.edges;
  const index = edges.findIndex((e) => e.node.id === product.id);
  if (index >= 0 && !newer(product.updatedAt, edges[index]!.node.updatedAt)) return null;
  const nextEdges = index >= 0 ? edges.map((e, i) => (i === index ? { node: product } : e)) : [...edges, { node: product }];
  return {
    data: { ...snapshot.data, products: { edges: nextEdges } },
    meta: { ...snapshot.meta, productCount: nextEdges.length, updatedAt: new Date(now).toISOString(), source: 'webhook' },
  };
}

/** Removes a product and remembers its id, so an older copy cannot come back. */
export function removeProduct(snapshot: StoredSnapshot, id: string, now: number): StoredSnapshot {
  const edges = snapshot.data.products.edges.filter((e) => e.node.id !== id);
  const iso = new Date(now).toISOString();
  return {
    data: { ...snapshot.data, products: { edges } },
    meta: {
      ...snapshot.meta,
      productCount: edges.length,
      updatedAt: iso,
      source: 'webhook',
      tombstones: { ...pruneTombstones(snapshot.meta.tombstones, now), [id]: iso },
    },
  };
}
