import { keys } from '../storage/keys';
import type { ObjectStore, Versioned, WriteCondition } from '../storage/store';
import { ProductNodeSchema, ShopifySnapshotSchema, type ProductNode } from './schemas';
import type { StoredSnapshot } from './snapshot-merge';

/**
 * Validates and writes a snapshot with one PUT (readers see the old or the new object, never a mix). With `touched`,
 * the snapshot is an already valid one with only those products changed, so only they and `meta` are validated.
 */
export async function writeSnapshot(
  store: ObjectStore,
  uuid: string,
  snapshot: StoredSnapshot,
  condition: WriteCondition = {},
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
