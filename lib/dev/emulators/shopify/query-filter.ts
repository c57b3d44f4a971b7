import { compareIds } from './ids';
import type { ProductRecord, VariantRecord } from './records';

interface Term {
  field: string | null;
  op: ':' | '>' | '>=' | '<' | '<=';
  value: string;
  negate: boolean;
}

/**
 * Compiles the subset of Shopify's search syntax the emulator understands into a product predicate:
 * `updated_at:>='2026-10-01T00:00:00Z'`, `created_at:<…`, `id:123` / `id:>123`, `status:active,draft`, `vendor:`, `product_type:`,
 * `tag:`, `handle:`, `title:snow*`, `sku:`, free text (title contains), `-`/`NOT` negation, `AND` (implicit) and `OR`.
 */
export function compileProductQuery(
  query: string | null | undefined,
): (p: ProductRecord, variants: VariantRecord[]) => boolean {
  if (!query || !query.trim()) return () => true;
  const groups = splitOr(tokenize(query)).map((tokens) => tokens.map(parseTerm));
  return (product, variants) => groups.some((terms) => terms.every((t) => t.negate !== matches(t, product, variants)));
}

function tokenize(query: string): string[] {
  return query.match(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g) ?? [];
}

function splitOr(tokens: string[]): string[][] {
  const groups: string[][] = [[]];
  let negateNext = false;
  for (const token of tokens) {
    if (token === 'OR') groups.push([]);
    else if (token === 'AND') continue;
    else if (token === 'NOT') negateNext = true;
    else {
      groups.at(-1)?.push(negateNext ? `-${token}` : token);
      negateNext = false;
    }
  }
  return groups.filter((g) => g.length > 0);
}

function parseTerm(token: string): Term {
  const negate = token.startsWith('-');
  const body = negate ? token.slice(1) : token;
  const match = /^([a-z_]+):(>=|<=|>|<)?(.*)$/.exec(body);
  if (!match) return { field: null, op: ':', value: unquote(body), negate };
  return {
    field: match[1] ?? null,
    op: (match[2] as Term['op'] | undefined) ?? ':',
    value: unquote(match[3] ?? ''),
    negate,
  };
}

function unquote(value: string): string {
  return value.replace(/^(['"])(.*)\1$/, '$2');
}

function matches(term: Term, p: ProductRecord, variants: VariantRecord[]): boolean {
  const text = term.value.toLowerCase();
  switch (term.field) {
    case null:
      return p.title.toLowerCase().includes(text);
    case 'updated_at':
      return compare(Date.parse(p.updatedAt) - Date.parse(term.value), term.op);
    case 'created_at':
      return compare(Date.parse(p.createdAt) - Date.parse(term.value), term.op);
    case 'published_at':
      return p.publishedAt !== null && compare(Date.parse(p.publishedAt) - Date.parse(term.value), term.op);
    case 'id':
      return compare(compareIds(p.legacyResourceId, term.value.replace(/^gid:\/\/shopify\/Product\//, '')), term.op);
    case 'status':
      return text.split(',').includes(p.status.toLowerCase());
    case 'vendor':
      return wildcard(p.vendor, text);
    case 'product_type':
      return wildcard(p.productType, text);
    case 'handle':
      return wildcard(p.handle, text);
    case 'title':
      return wildcard(p.title, text);
    case 'tag':
      return p.tags.some((tag) => tag.toLowerCase() === text);
    case 'sku':
      return variants.some((v) => v.sku !== null && wildcard(v.sku, text));
    default:
      return true; // Shopify ignores filters it does not know.
  }
}

function wildcard(actual: string, pattern: string): boolean {
  const value = actual.toLowerCase();
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

function compare(diff: number, op: Term['op']): boolean {
  if (Number.isNaN(diff)) return false;
  switch (op) {
    case '>':
      return diff > 0;
    case '>=':
      return diff >= 0;
    case '<':
      return diff < 0;
    case '<=':
      return diff <= 0;
    default:
      return diff === 0;
  }
}

const legacy = (value: string) => value.replace(/^gid:\/\/shopify\/\w+\//, '');

/**
 * The subset of `productVariants(query:)` the app uses: `updated_at` comparisons (a variant's `updatedAt`
 * moves when its inventory changes, unlike its product's), `product_id:` and `id:`, with AND/OR/NOT as for
 * products. Other fields are ignored, as Shopify ignores filters it does not know. The contract is silent on
 * this filter; Shopify documents `updated_at`, `product_id` and `id` among the productVariants query fields.
 */
export function compileVariantQuery(query: string | null | undefined): (v: VariantRecord) => boolean {
  if (!query || !query.trim()) return () => true;
  const groups = splitOr(tokenize(query)).map((tokens) => tokens.map(parseTerm));
  const matchVariant = (t: Term, v: VariantRecord): boolean => {
    switch (t.field) {
      case 'updated_at':
        return compare(Date.parse(v.updatedAt) - Date.parse(t.value), t.op);
      case 'product_id':
        return compare(compareIds(v.productId.split('/').pop() ?? '', legacy(t.value)), t.op);
      case 'id':
        return compare(compareIds(v.legacyResourceId, legacy(t.value)), t.op);
      default:
        return true;
    }
  };
  return (v) => groups.some((terms) => terms.every((t) => t.negate !== matchVariant(t, v)));
}
