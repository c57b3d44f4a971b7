import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { LateChildError } from '../errors';
import { toProductNode, type GqlProduct } from './catalog';
import type { ProductNode } from './schemas';

type Row = Record<string, unknown> & { id?: string; __parentId?: string };
type GqlVariant = GqlProduct['variants']['nodes'][number];
type GqlMedia = NonNullable<GqlProduct['media']>['nodes'][number];

/** Shopify's paginated query reads 5 media per product; the bulk copy keeps the same. */
const MEDIA_PER_PRODUCT = 5;

/** Yields the lines of a JSONL HTTP body as they arrive, never holding more than one chunk and one line. */
export async function* jsonlLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const lines = createInterface({
    input: Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>),
    crlfDelay: Infinity,
  });
  for await (const line of lines) if (line.length > 0) yield line;
}

interface Partial {
  row: Row;
  variants: GqlVariant[];
  media: GqlMedia[];
}

const gidType = (id: string | undefined) => id?.split('/')[3] ?? '';

/**
 * Re-assembles products from `groupObjects: false` lines. Children (variants, media) may come
 * anywhere after their parent, so open products wait in an insertion-ordered map; once more than
 * `window` products are open the oldest is considered complete and emitted. A child of an emitted
 * product throws {@link LateChildError}; the caller then retries with `window: Infinity`
 * (everything held until the end), which is always correct but needs memory for the whole catalog.
 */
export class CatalogAssembler {
  private readonly open = new Map<string, Partial>();
  private emittedCount = 0;
  /** Child lines whose parent never appeared (ignored). */
  orphans = 0;

  constructor(private readonly window: number) {}

  /** Products emitted so far. */
  get emitted(): number {
    return this.emittedCount;
  }

  /** Adds one line; returns the products that became complete. */
  push(line: string): ProductNode[] {
    const row = JSON.parse(line) as Row;
    if (!row.__parentId) {
      if (gidType(row.id) !== 'Product' || !row.id) return [];
      this.open.set(row.id, { row, variants: [], media: [] });
      const out: ProductNode[] = [];
      while (this.open.size > this.window) out.push(this.evictOldest());
      return out;
    }
    const parent = this.open.get(row.__parentId);
    if (!parent) {
      if (this.window !== Infinity) throw new LateChildError(row.__parentId);
      this.orphans++;
      return [];
    }
    const { __parentId: _p, ...child } = row;
    if (gidType(child.id) === 'ProductVariant') parent.variants.push(child as unknown as GqlVariant);
    else if (parent.media.length < MEDIA_PER_PRODUCT) parent.media.push(child as unknown as GqlMedia);
    return [];
  }

  /** Emits every product still open, in file order. */
  finish(): ProductNode[] {
    const out: ProductNode[] = [];
    while (this.open.size > 0) out.push(this.evictOldest());
    return out;
  }

  private evictOldest(): ProductNode {
    const [id, partial] = this.open.entries().next().value as [string, Partial];
    this.open.delete(id);
    this.emittedCount++;
    const variants = partial.variants.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const product = {
      ...(partial.row as unknown as GqlProduct),
      media: { nodes: partial.media },
      variants: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
    };
    return toProductNode(product, variants);
  }
}
