import { forEachLimit } from '../concurrency';
import { fetchProduct } from './catalog';
import type { ShopifyDeps } from './deps';
import type { ProductNode, ShopifySnapshot } from './schemas';
import type { PendingOp } from './snapshot-ops';

/**
 * Checks a flush makes where the snapshot already is, before pending records are applied. Only the body of a webhook
 * is signed, so a captured body can be replayed under another topic or shop header; these checks undo what such a
 * replay asks for. Returns, per record key it decided on, a replacement op, or null to drop the record (it is then
 * reported stale and deleted like an applied one). Records it does not name are applied as they are.
 */
export type FlushCheck = (
  snapshot: ShopifySnapshot,
  records: ReadonlyArray<{ key: string; op: PendingOp }>,
) => Promise<Map<string, PendingOp | null>>;

// Admin API reads run a few at a time; each is one product query (a few cost points).
const READ_CONCURRENCY = 4;
const READ_BUDGET_MS = 5_000;

/** Which records need an Admin API read: deletions, and updates (not creations) of products the snapshot lacks. */
export function needsRead(op: PendingOp, known: ReadonlySet<string>): boolean {
  if (op.kind === 'delete') return true;
  // A `node` op was read from the Admin API of the header's shop when the delivery came in: it is verified already.
  return op.kind === 'payload' && op.topic !== 'products/create' && !known.has(op.id);
}

/**
 * The Admin API checks of `shop`'s flushes:
 * - an update for a product id the snapshot does not know (other than `products/create`) is verified with one read:
 *   applied as the product the shop returns, or dropped when the shop does not return it (a body replayed from
 *   another shop, or a product deleted since);
 * - a `products/delete` of a product the shop still returns is dropped (an update body replayed as a deletion).
 * One read per product id, however many records name it. When a read fails, the record is applied unchecked
 * (logged): the next full sync is the authority on what exists. `reads` counts the Admin API reads made.
 */
export function adminFlushChecks(deps: ShopifyDeps, shop: string, reads: { count: number } = { count: 0 }): FlushCheck {
  const { log } = deps;
  return async (snapshot, records) => {
    const known = new Set(snapshot.data.products.edges.map((e) => e.node.id));
    const todo = records.filter(({ op }) => needsRead(op, known));
    const out = new Map<string, PendingOp | null>();
    if (todo.length === 0) return out;
    const ids = [...new Set(todo.map(({ op }) => (op.kind === 'inventory' ? op.item : op.id)))];
    const found = new Map<string, ProductNode | null>();
    const client = deps.adminClient(shop, READ_BUDGET_MS);
    await forEachLimit(ids, READ_CONCURRENCY, async (id) => {
      reads.count++;
      try {
        found.set(id, await fetchProduct(client, id));
      } catch (err) {
        log.warn(
          `Could not check ${id} with the Admin API of ${shop} (${err instanceof Error ? err.message : String(err)}); applying it unchecked`,
        );
      }
    });
    for (const { key, op } of todo) {
      if (op.kind === 'inventory' || !found.has(op.id)) continue;
      const node = found.get(op.id)!;
      const topic = op.topic ?? 'webhook';
      if (op.kind === 'delete') {
        if (!node) continue;
        log.warn(
          `Dropped ${topic} of ${op.id} for ${shop}: the shop still returns the product (a replayed or forged delivery)`,
        );
        out.set(key, null);
      } else if (!node) {
        log.warn(
          `Dropped ${topic} of ${op.id} for ${shop}: the shop does not return that product (a replayed or forged delivery, or deleted since)`,
        );
        out.set(key, null);
      } else {
        out.set(key, {
          kind: 'node',
          id: node.id,
          updatedAt: node.updatedAt,
          node,
          ...(op.topic ? { topic: op.topic } : {}),
        });
      }
    }
    return out;
  };
}
