import { toShopifyJson } from './json';

type Json = Record<string, unknown>;

function isConnection(value: unknown): value is { edges?: { node?: unknown }[]; nodes?: unknown[] } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Json;
  return (
    Array.isArray(v.nodes) ||
    (Array.isArray(v.edges) && v.edges.every((e) => e !== null && typeof e === 'object' && 'node' in e))
  );
}

function connectionNodes(value: { edges?: { node?: unknown }[]; nodes?: unknown[] }): Json[] {
  const list = value.nodes ?? value.edges?.map((e) => e.node) ?? [];
  return list.filter((n): n is Json => n !== null && typeof n === 'object');
}

/** Result of {@link toBulkJsonl}. */
export interface BulkFile {
  text: string;
  objectCount: number;
  rootObjectCount: number;
}

/**
 * Flattens a bulk query result into JSONL the way Shopify writes it: one line per connection node, children of nested connections on
 * their own lines after their parent with `__parentId`, plain nested objects inline, `/` escaped as `\/`.
 * With `groupObjects` the nested connections stay inside their root object instead.
 */
export function toBulkJsonl(data: Json | null | undefined, groupObjects: boolean): BulkFile {
  const lines: string[] = [];
  let roots = 0;
  const root = Object.values(data ?? {}).find(isConnection);
  for (const node of root ? connectionNodes(root) : []) {
    roots++;
    if (groupObjects) lines.push(toShopifyJson(node));
    else emit(node, undefined, lines);
  }
  return { text: lines.map((l) => `${l}\n`).join(''), objectCount: lines.length, rootObjectCount: roots };
}

function emit(node: Json, parentId: string | undefined, lines: string[]): void {
  const children: Json[] = [];
  const flat = strip(node, children);
  lines.push(toShopifyJson(parentId === undefined ? flat : { ...flat, __parentId: parentId }));
  const id = typeof node.id === 'string' ? node.id : parentId;
  for (const child of children) emit(child, id, lines);
}

/** Copies an object without its connections, collecting their nodes (also from connections inside plain nested objects). */
function strip(value: Json, children: Json[]): Json {
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (isConnection(v)) children.push(...connectionNodes(v));
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[key] = strip(v as Json, children);
    else out[key] = v;
  }
  return out;
}
