import type { ProductNode, ShopifySnapshot } from './schemas';
import { productFromPayload, type ProductPayload } from './webhook-payload';

// How long a deleted product's id is remembered, so a late sync or delivery cannot resurrect it.
const TOMBSTONE_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * One change a webhook delivery asks for, as kept in a pending record until it is merged into the
 * snapshot. `payload` products are mapped at merge time so fields the payload lacks (online store
 * URL, currency) come from the copy stored then; `node` products were read from the Admin API.
 */
export type PendingOp = (
  | { kind: 'payload'; id: string; updatedAt: string; payload: ProductPayload & { admin_graphql_api_id: string } }
  | { kind: 'node'; id: string; updatedAt: string; node: ProductNode }
  | { kind: 'delete'; id: string; at: string }
  | { kind: 'inventory'; item: string; available: number | null; updatedAt: string }
) & {
  /** The webhook topic that asked for the op, for the flush's log line. */
  topic?: string;
  /** When the delivery was received (our clock); what the full sync's authority rules go by. */
  receivedAt?: string;
};

/** How far a delivery's `updated_at` may lie ahead of our clock before it is clamped to the receipt time. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Stamps an op with its receipt time. A product or inventory time more than {@link MAX_FUTURE_SKEW_MS}
 * ahead of the receipt is clamped to it, so a forged or replayed future timestamp cannot outrank the next
 * sync; a deletion is dated at receipt (the unsigned `X-Shopify-Triggered-At` is not trusted), which is
 * after anything the product had before and on the clock the full sync compares with.
 */
export function receiveOp(op: PendingOp, now: number): PendingOp {
  const receivedAt = new Date(now).toISOString();
  const clamp = (t: string) => (Date.parse(t) > now + MAX_FUTURE_SKEW_MS ? receivedAt : t);
  switch (op.kind) {
    case 'delete':
      return { ...op, at: receivedAt, receivedAt };
    case 'payload': {
      const updatedAt = clamp(op.updatedAt);
      if (updatedAt === op.updatedAt) return { ...op, receivedAt };
      return { ...op, updatedAt, payload: { ...op.payload, updated_at: updatedAt }, receivedAt };
    }
    default:
      return { ...op, updatedAt: clamp(op.updatedAt), receivedAt };
  }
}

/** The instant an op describes: a product's `updated_at`, a level's `updated_at`, or a deletion time. */
export function opTime(op: PendingOp): string {
  return op.kind === 'delete' ? op.at : op.updatedAt;
}

/**
 * Whether timestamp `a` is strictly later than `b`. Compares instants, not strings: webhook payloads
 * carry the shop's offset (`…-04:00`) while the Admin API answers in UTC (`…Z`).
 */
export function isNewer(a: string | undefined, b: string | undefined): boolean {
  const ta = Date.parse(a ?? '');
  const tb = Date.parse(b ?? '');
  if (Number.isNaN(ta) || Number.isNaN(tb)) return (a ?? '') > (b ?? '');
  return ta > tb;
}

/**
 * Drops tombstones older than their time to live. The same rule keeps `meta.inventoryLevels` small: an inventory
 * level older than a week cannot arrive any more (Shopify retries for 4 hours).
 */
export function pruneTombstones(tombstones: Record<string, string> | undefined, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, at] of Object.entries(tombstones ?? {})) if (now - Date.parse(at) < TOMBSTONE_TTL_MS) out[id] = at;
  return out;
}

/** What {@link applyOps} did with each op, by its index in the input. */
export type OpResult = 'applied' | 'stale';

/**
 * Applies ops to a snapshot in time order, each only when it is newer than what is stored (a product
 * older than its stored copy or its tombstone is dropped). `snapshot` is null when nothing changed;
 * `touched` lists the product nodes it wrote, so a caller can validate only those.
 */
export function applyOps(
  snapshot: ShopifySnapshot,
  ops: readonly PendingOp[],
  now: number,
): { snapshot: ShopifySnapshot | null; results: OpResult[]; touched: ProductNode[] } {
  const results: OpResult[] = ops.map(() => 'stale');
  const touched = new Set<number>();
  const edges: Array<{ node: ProductNode } | null> = [...snapshot.data.products.edges];
  const index = new Map(snapshot.data.products.edges.map((e, i) => [e.node.id, i]));
  const tombstones = pruneTombstones(snapshot.meta.tombstones, now);
  const writes = { ...snapshot.meta.webhookWrites };
  // The updated_at of the last level applied per inventory item: a level that is not newer is dropped (Shopify does
  // not promise delivery order, and a retried delivery can arrive after a newer one).
  const levels = pruneTombstones(snapshot.meta.inventoryLevels, now);
  const currency = snapshot.data.shop.currencyCode ?? 'USD';
  const order = ops.map((op, i) => ({ op, i, t: Date.parse(opTime(op)) || 0 })).sort((a, b) => a.t - b.t || a.i - b.i);
  let changed = false;
  let levelsChanged = false;
  for (const { op, i } of order) {
    if (op.kind === 'inventory') {
      const last = levels[op.item];
      if (last !== undefined && !isNewer(op.updatedAt, last)) continue;
      if (setInventory(edges, op.item, op.available, touched)) results[i] = 'applied';
      if (!Number.isNaN(Date.parse(op.updatedAt))) {
        levelsChanged ||= levels[op.item] !== op.updatedAt;
        levels[op.item] = op.updatedAt;
      }
    } else if (op.kind === 'delete') {
      const at = index.get(op.id);
      if (at !== undefined || !tombstones[op.id] || isNewer(op.at, tombstones[op.id])) {
        if (at !== undefined) edges[at] = null;
        index.delete(op.id);
        tombstones[op.id] = op.at;
        results[i] = 'applied';
      }
    } else {
      const tomb = tombstones[op.id];
      if (tomb && !isNewer(op.updatedAt, tomb)) continue;
      const at = index.get(op.id);
      const previous = at === undefined ? undefined : edges[at]!.node;
      if (previous && !isNewer(op.updatedAt, previous.updatedAt)) continue;
      const node = op.kind === 'node' ? op.node : productFromPayload(op.payload, previous, currency);
      const slot = at ?? edges.push(null) - 1;
      edges[slot] = { node };
      writes[op.id] = op.receivedAt ?? new Date(now).toISOString();
      index.set(op.id, slot);
      touched.add(slot);
      results[i] = 'applied';
    }
    changed ||= results[i] === 'applied';
  }
  if (!changed && !levelsChanged) return { snapshot: null, results, touched: [] };
  const kept = edges.filter((e): e is { node: ProductNode } => e !== null);
  const meta = {
    ...snapshot.meta,
    productCount: kept.length,
    updatedAt: new Date(now).toISOString(),
    source: 'webhook' as const,
  };
  delete meta.tombstones;
  delete meta.webhookWrites;
  delete meta.inventoryLevels;
  if (Object.keys(tombstones).length) meta.tombstones = tombstones;
  if (Object.keys(writes).length) meta.webhookWrites = writes;
  if (Object.keys(levels).length) meta.inventoryLevels = levels;
  return {
    snapshot: { data: { ...snapshot.data, products: { edges: kept } }, meta },
    results,
    touched: [...touched].map((i) => edges[i]?.node).filter((n): n is ProductNode => Boolean(n)),
  };
}

// Sets the quantity of every variant backed by the inventory item and recomputes the product's total.
function setInventory(
  edges: Array<{ node: ProductNode } | null>,
  item: string,
  available: number | null,
  touched: Set<number>,
): boolean {
  let hit = false;
  edges.forEach((e, i) => {
    if (
      !e ||
      !e.node.variants.edges.some((v) => v.node.inventoryItemId === item && v.node.inventoryQuantity !== available)
    )
      return;
    hit = true;
    touched.add(i);
    const variants = e.node.variants.edges.map((v) =>
      v.node.inventoryItemId === item
        ? {
            node: {
              ...v.node,
              inventoryQuantity: available,
              availableForSale: v.node.inventoryPolicy === 'CONTINUE' || (available ?? 0) > 0,
            },
          }
        : v,
    );
    const totals = variants.map((v) => v.node.inventoryQuantity).filter((q): q is number => q !== null);
    edges[i] = {
      node: { ...e.node, variants: { edges: variants }, totalInventory: totals.reduce((a, b) => a + b, 0) },
    };
  });
  return hit;
}
