/**
 * JSON text written the way Shopify writes webhook and bulk payloads: `/` as `\/`, `&` `<` `>` as `\u0026` `\u003c` `\u003e`,
 * non-ASCII kept as raw UTF-8, and `bigint` values emitted as bare JSON numbers so ids above 2^53 keep every digit.
 */
export function toShopifyJson(value: unknown): string {
  return write(value);
}

function write(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return escapeString(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((item) => write(item)).join(',')}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && typeof v !== 'function')
        .map(([k, v]) => `${escapeString(k)}:${write(v)}`)
        .join(',')}}`;
    default:
      return 'null';
  }
}

/** Escapes one string with Shopify's extra escapes on top of JSON's. */
export function escapeString(text: string): string {
  return JSON.stringify(text)
    .replace(/\//g, '\\/')
    .replace(/&/g, '\\u0026')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e');
}
