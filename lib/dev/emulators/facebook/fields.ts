import { paramError } from './errors';

/** One entry of a Graph `fields=` list, e.g. `picture.type(large){url}`. */
export interface FieldSpec {
  name: string;
  /** Modifiers such as `type(large)` or `limit(5)`; accepted and ignored by the emulator. */
  modifiers: string[];
  /** Nested selection from `{…}`; undefined selects the whole value. */
  sub: FieldSpec[] | undefined;
}

/** Splits a comma list at nesting depth 0 (commas inside `{}` or `()` belong to the item). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '(') depth++;
    else if (ch === '}' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0)
      throw paramError(`Syntax error "Expected end of string instead of "${ch}"." at character ${i}: ${text}`, 2500);
  }
  if (depth !== 0)
    throw paramError(`Syntax error "Expected "}" instead of end of string." at character ${text.length}: ${text}`);
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Parses a Graph `fields` parameter into specs; throws Graph's syntax error on unbalanced input. */
export function parseFields(raw: string | null | undefined): FieldSpec[] | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  return splitTopLevel(raw).map((item) => {
    const brace = item.indexOf('{');
    const head = brace === -1 ? item : item.slice(0, brace);
    const sub = brace === -1 ? undefined : (parseFields(item.slice(brace + 1, item.lastIndexOf('}'))) ?? []);
    const [name = '', ...modifiers] = head.split('.');
    return { name: name.trim(), modifiers, sub };
  });
}

/** Applies a nested `{…}` selection to an object or list of objects. */
export function selectSub(value: unknown, sub: FieldSpec[] | undefined): unknown {
  if (sub === undefined || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => selectSub(v, sub));
  const source = value as Record<string, unknown>;
  // Edges such as `picture` wrap their object in `data`; Graph applies the selection inside it.
  if ('data' in source && !sub.some((s) => s.name === 'data')) return { data: selectSub(source.data, sub) };
  const out: Record<string, unknown> = {};
  for (const spec of sub) {
    if (source[spec.name] !== undefined) out[spec.name] = selectSub(source[spec.name], spec.sub);
  }
  return out;
}

/** Graph's reply for a field the node type does not have. */
export function nonexistingField(name: string, nodeType: string): Error {
  return paramError(`(#100) Tried accessing nonexisting field (${name}) on node type (${nodeType})`);
}
