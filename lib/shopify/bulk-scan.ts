import type { Readable } from 'node:stream';
import type { ProductNode, ShopifySnapshot } from './schemas';

/** What the first streaming pass over a stored snapshot keeps: small, whatever the catalog size. */
export interface StoredScan {
  /** The snapshot without its products (`data.products.edges` is empty). */
  skeleton: ShopifySnapshot | null;
  /** `updatedAt` of stored products last updated at or after the cut-off (what webhooks may have written during the sync). */
  recent: Map<string, string>;
  /** Products seen in the stored copy. */
  storedCount: number;
}

// Depth of `{"data":{"products":{ ` — the only array at this depth in a snapshot is `edges`.
const EDGES_DEPTH = 3;

/**
 * Reads a stored `shopify_data.json` as a stream without holding it: walks the JSON text tracking
 * strings and nesting, hands each `edges[]` element to `onEdge`, and keeps only the small text
 * around the array (shop and meta) to parse at the end. Memory is one element plus that skeleton.
 */
export async function scanSnapshotStream(
  body: Readable,
  onEdge: (edgeJson: string) => void,
): Promise<ShopifySnapshot | null> {
  const edges = snapshotEdges(body);
  for (;;) {
    const next = await edges.next();
    if (next.done) return next.value;
    onEdge(next.value);
  }
}

/**
 * The same walk as a generator: yields each `edges[]` element's JSON text (after the chunk that ends it) and
 * returns the skeleton. Lets a caller pull stored products one by one (the incremental bulk poll).
 */
export async function* snapshotEdges(body: Readable): AsyncGenerator<string, ShopifySnapshot | null> {
  let depth = 0;
  let inString = false;
  let escape = false;
  let mode: 'prefix' | 'edges' | 'suffix' = 'prefix';
  let outer = '';
  let element = '';
  let elementDepth = 0;
  const ready: string[] = [];
  body.setEncoding('utf8');
  for await (const chunk of body as AsyncIterable<string>) {
    let start = mode === 'edges' && elementDepth > 0 ? 0 : -1;
    let outerStart = mode === 'edges' ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escape) escape = false;
        else if (c === 92 /* \ */) escape = true;
        else if (c === 34 /* " */) inString = false;
        continue;
      }
      if (c === 34) inString = true;
      else if (c === 123 /* { */ || c === 91 /* [ */) {
        if (mode === 'prefix' && c === 91 && depth === EDGES_DEPTH) {
          outer += chunk.slice(outerStart, i + 1);
          outerStart = -1;
          mode = 'edges';
          elementDepth = 0;
        } else if (mode === 'edges') {
          if (elementDepth === 0) start = i;
          elementDepth++;
        }
        depth++;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        depth--;
        if (mode === 'edges') {
          if (elementDepth === 0) {
            mode = 'suffix';
            outerStart = i;
          } else if (--elementDepth === 0) {
            ready.push(element + chunk.slice(start, i + 1));
            element = '';
            start = -1;
          }
        }
      }
    }
    if (mode === 'edges' && start >= 0) element += chunk.slice(start);
    if (outerStart >= 0) outer += chunk.slice(outerStart);
    yield* ready;
    ready.length = 0;
  }
  return outer.trim() ? (JSON.parse(outer) as ShopifySnapshot) : null;
}

/** Scans a stored snapshot keeping its skeleton and the ids and `updatedAt` of products updated at or after `cutoff` (epoch ms). */
export async function scanStoredSnapshot(body: Readable | null, cutoff: number): Promise<StoredScan> {
  const recent = new Map<string, string>();
  let storedCount = 0;
  if (!body) return { skeleton: null, recent, storedCount };
  const skeleton = await scanSnapshotStream(body, (edgeJson) => {
    storedCount++;
    const node = (JSON.parse(edgeJson) as { node: ProductNode }).node;
    if (Date.parse(node.updatedAt) >= cutoff) recent.set(node.id, node.updatedAt);
  });
  return { skeleton, recent, storedCount };
}

/** Second pass: the full stored nodes of `ids` (only run when a webhook wrote during the sync). */
export async function pickStoredProducts(body: Readable | null, ids: ReadonlySet<string>): Promise<ProductNode[]> {
  const out: ProductNode[] = [];
  if (!body || ids.size === 0) {
    body?.destroy();
    return out;
  }
  await scanSnapshotStream(body, (edgeJson) => {
    const node = (JSON.parse(edgeJson) as { node: ProductNode }).node;
    if (ids.has(node.id)) out.push(node);
  });
  return out;
}
