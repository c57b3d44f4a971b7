import { createHmac, timingSafeEqual } from 'node:crypto';

/** Seconds a query `timestamp` may differ from now, as in the lib's `HMAC_TIMESTAMP_PERMITTED_CLOCK_TOLERANCE_SEC`. */
export const QUERY_HMAC_TOLERANCE_SEC = 90;

/** Query parameters as signed by Shopify: a string, or an array for `key[]` style parameters. */
export type SignableQuery = Readonly<Record<string, string | readonly string[]>>;

/** A query to sign: a query string (leading `?` optional), URLSearchParams, or a key → value(s) record. */
export type QueryInput = string | URLSearchParams | SignableQuery;

function toSignable(input: QueryInput): SignableQuery {
  if (typeof input === 'string') return queryToSignable(new URLSearchParams(input.replace(/^\?/, '')));
  return input instanceof URLSearchParams ? queryToSignable(input) : input;
}

/** Builds the exact message Shopify signs for an admin/OAuth query (contract §2.3), without `hmac` and `signature`. */
export function queryHmacMessage(input: QueryInput): string {
  const params = toSignable(input);
  const search = new URLSearchParams();
  const keys = Object.keys(params)
    .filter((key) => key !== 'hmac' && key !== 'signature')
    .sort((a, b) => a.localeCompare(b));
  for (const key of keys) {
    const value = params[key];
    if (typeof value === 'string') search.append(key, value);
    else for (const item of value ?? []) search.append(`${key}[]`, item);
  }
  // URLSearchParams writes spaces as '+', Shopify (and the lib) use '%20'.
  return search.toString().replace(/\+/g, '%20');
}

/** Returns the lower-case hex HMAC-SHA256 of the query message keyed with the app secret. */
export function signQuery(query: QueryInput, secret: string): string {
  return createHmac('sha256', secret).update(queryHmacMessage(query)).digest('hex');
}

/** Why a query HMAC check failed. */
export const QueryHmacFailure = {
  missingHmac: 'Query does not contain an HMAC value.',
  badTimestamp: 'HMAC timestamp is missing or invalid',
  staleTimestamp: 'HMAC timestamp is outside of the tolerance range',
  mismatch: 'HMAC does not match',
} as const;

/** Result of {@link verifyQueryHmac}. */
export type QueryHmacResult = { ok: true } | { ok: false; reason: keyof typeof QueryHmacFailure };

/** Collapses URLSearchParams into Shopify's signing shape: repeated keys joined with ','. */
export function queryToSignable(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(query.keys())) out[key] = query.getAll(key).join(',');
  return out;
}

/** Verifies `hmac` and `timestamp` of a query in constant time (contract §2.3). */
export function verifyQueryHmac(
  query: QueryInput,
  secret: string,
  options: { nowMs?: number; toleranceSec?: number } = {},
): QueryHmacResult {
  const params = toSignable(query);
  const hmac = params.hmac;
  if (typeof hmac !== 'string' || hmac === '') return { ok: false, reason: 'missingHmac' };
  const timestamp = params.timestamp;
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'badTimestamp' };
  const nowSec = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSec - Number(timestamp)) > (options.toleranceSec ?? QUERY_HMAC_TOLERANCE_SEC)) {
    return { ok: false, reason: 'staleTimestamp' };
  }
  return safeEqual(signQuery(params, secret), hmac) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** Returns the base64 HMAC-SHA256 of raw webhook bytes, as in `X-Shopify-Hmac-Sha256` (contract §3.2). */
export function signWebhookBody(body: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Checks a webhook signature over the exact bytes received, in constant time. */
export function verifyWebhookHmac(body: Buffer | string, signature: string, secret: string): boolean {
  return safeEqual(signWebhookBody(body, secret), signature);
}

/** Compares two strings in constant time; unequal lengths are rejected first because timingSafeEqual requires them. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
