import { createHmac } from 'node:crypto';
import { safeCompare } from '../crypto/safe-compare';

/** Shopify's tolerance for the `timestamp` of a signed query. */
export const HMAC_TIMESTAMP_PERMITTED_CLOCK_TOLERANCE_SEC = 90;

/** Why a signed query was refused. */
export const QueryHmacRejection = {
  missingHmac: 'Query does not contain an HMAC value.',
  duplicateHmac: 'Query contains more than one HMAC value',
  invalidTimestamp: 'HMAC timestamp is missing or invalid',
  staleTimestamp: 'HMAC timestamp is outside of the tolerance range',
  invalidHmac: "HMAC does not match: the query was altered, or SHOPIFY_API_SECRET is not the app's client secret",
} as const;
type Rejection = (typeof QueryHmacRejection)[keyof typeof QueryHmacRejection];

/**
 * The message Shopify signs: every parameter but `hmac` and `signature`, repeated keys joined with
 * `,`, keys sorted, serialised with URLSearchParams and `+` written as `%20`.
 */
export function queryHmacMessage(query: string | URLSearchParams): string {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === 'hmac' || key === 'signature') continue;
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  const sorted = [...grouped.entries()].sort(([a], [b]) => a.localeCompare(b));
  return new URLSearchParams(sorted.map(([k, v]) => [k, v.join(',')])).toString().replace(/\+/g, '%20');
}

/** Lower-case hex HMAC-SHA256 of a query, as Shopify computes it. */
export function signQuery(query: string | URLSearchParams, secret: string): string {
  return createHmac('sha256', secret).update(queryHmacMessage(query)).digest('hex');
}

/** Verifies a signed query (install request or OAuth callback): HMAC in constant time, timestamp within ±90 s. */
export function verifyQueryHmac(
  query: string,
  options: { secret: string; now: number },
): { ok: true } | { ok: false; reason: Rejection } {
  const params = new URLSearchParams(query);
  const hmac = params.get('hmac');
  if (!hmac) return { ok: false, reason: QueryHmacRejection.missingHmac };
  // Shopify sends one; a second value is unsigned noise that other readers might pick instead.
  if (params.getAll('hmac').length > 1) return { ok: false, reason: QueryHmacRejection.duplicateHmac };
  const timestamp = params.get('timestamp');
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: QueryHmacRejection.invalidTimestamp };
  if (Math.abs(options.now / 1000 - Number(timestamp)) > HMAC_TIMESTAMP_PERMITTED_CLOCK_TOLERANCE_SEC) {
    return { ok: false, reason: QueryHmacRejection.staleTimestamp };
  }
  const expected = signQuery(params, options.secret);
  return safeCompare(expected, hmac.toLowerCase())
    ? { ok: true }
    : { ok: false, reason: QueryHmacRejection.invalidHmac };
}
