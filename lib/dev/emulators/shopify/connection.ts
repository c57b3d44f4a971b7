import { GraphQLError } from 'graphql';
import { compareIds } from './ids';

/** Largest `first`/`last` a connection accepts. */
export const MAX_PAGE_SIZE = 250;

/** Position of an item in a sorted list, as carried by a cursor. */
export interface SortKey {
  id: string;
  value: string | number | null;
}

/** Connection arguments shared by every paginated field. */
export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A Relay connection as returned to graphql-js's default field resolution. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** Encodes Shopify's opaque cursor: base64 of `{"last_id":<id>,"last_value":<value>}` with the id as a bare JSON number. */
export function encodeCursor(key: SortKey): string {
  return Buffer.from(`{"last_id":${key.id},"last_value":${JSON.stringify(key.value)}}`).toString('base64');
}

/** Decodes a cursor without losing id precision; throws a BAD_REQUEST error on garbage. */
export function decodeCursor(cursor: string): SortKey {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const id = /"last_id":(\d+)/.exec(text)?.[1];
  const value = /"last_value":(.*)}$/.exec(text)?.[1];
  if (id === undefined || value === undefined) throw invalidCursor();
  try {
    return { id, value: JSON.parse(value) as SortKey['value'] };
  } catch {
    throw invalidCursor();
  }
}

function invalidCursor(): GraphQLError {
  return new GraphQLError('Invalid cursor for current pagination sort.', { extensions: { code: 'BAD_REQUEST' } });
}

/** Orders two sort keys by value, then id. */
export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.value !== b.value) {
    if (a.value === null) return -1;
    if (b.value === null) return 1;
    return a.value < b.value ? -1 : 1;
  }
  return compareIds(a.id, b.id);
}

/**
 * Slices a list already sorted by `keyOf` (ascending, or descending when `reverse`) into a connection page;
 * `unbounded` (bulk operations) ignores `first`/`last` and returns everything after the cursors.
 */
export function paginate<T>(
  sorted: readonly T[],
  args: ConnectionArgs,
  keyOf: (item: T) => SortKey,
  options: { reverse?: boolean; unbounded?: boolean } = {},
): Connection<T> {
  const sign = options.reverse ? -1 : 1;
  const after = args.after ? decodeCursor(args.after) : null;
  const before = args.before ? decodeCursor(args.before) : null;
  let start = 0;
  let end = sorted.length;
  if (after) start = firstIndexWhere(sorted, (item) => sign * compareKeys(keyOf(item), after) > 0);
  if (before)
    end = Math.max(
      start,
      firstIndexWhere(sorted, (item) => sign * compareKeys(keyOf(item), before) >= 0),
    );
  if (!options.unbounded) {
    if (typeof args.first === 'number') end = Math.min(end, start + Math.max(0, args.first));
    else if (typeof args.last === 'number') start = Math.max(start, end - Math.max(0, args.last));
  }
  const page = sorted.slice(start, end);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: end < sorted.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

function firstIndexWhere<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex(predicate);
  return index === -1 ? items.length : index;
}

/** Sorts items by their sort key, descending when `reverse`. */
export function sortByKey<T>(items: readonly T[], keyOf: (item: T) => SortKey, reverse = false): T[] {
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  return reverse ? sorted.reverse() : sorted;
}
