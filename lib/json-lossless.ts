/**
 * Parses JSON keeping integers beyond 2^53 exact, as decimal strings. Shopify's REST-style webhook
 * ids (788032119674292922) would otherwise be rounded silently by `JSON.parse`.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value) && context?.source) {
      return context.source;
    }
    return value;
  });
}
