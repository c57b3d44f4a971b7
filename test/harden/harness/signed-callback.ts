import fc from 'fast-check';
import type { Harness } from './context';
import { setCookies, type RawRequest } from './http';
import { mutateText, textMutation, type TextMutation } from './mutations';

/** What to change in a signed OAuth callback: parameters, their order, the HMAC's case, the state cookie. */
export interface CallbackPlan {
  params: Array<{ name: string; change: TextMutation | 'remove' | 'duplicate' | 'percent-encode' }>;
  add: Array<[string, string]>;
  reorder: boolean;
  hmacUpper: boolean;
  cookie: TextMutation | 'drop' | null;
}

const PARAMS = ['code', 'hmac', 'host', 'shop', 'state', 'timestamp'] as const;

/** Plans over the callback's signed query; reordering, percent-encoding and HMAC case keep the signed content. */
export const callbackPlan: fc.Arbitrary<CallbackPlan> = fc.record({
  params: fc.array(
    fc.record({
      name: fc.constantFrom(...PARAMS),
      change: fc.oneof(
        { weight: 6, arbitrary: textMutation },
        { weight: 2, arbitrary: fc.constantFrom('remove' as const, 'duplicate' as const, 'percent-encode' as const) },
      ),
    }),
    { maxLength: 2 },
  ),
  add: fc.array(
    fc.tuple(
      fc.constantFrom('extra', 'shop', 'code', 'signature', 'redirect_uri', 'hmac'),
      fc.constantFrom('1', 'evil.com', 'x'),
    ),
    { maxLength: 1 },
  ),
  reorder: fc.boolean(),
  hmacUpper: fc.boolean(),
  cookie: fc.option(fc.oneof(textMutation, fc.constant('drop' as const)), { nil: null, freq: 6 }),
});

const STATE_COOKIE = 'shopify_oauth_state';

/** Starts a real login and authorize for `shop`: returns the signed callback request with its state cookie. */
export async function freshCallback(h: Harness, shop: string): Promise<RawRequest> {
  const login = await h.send({ method: 'GET', path: `/shopify/login?shop=${shop}` });
  const state = setCookies(login).get(STATE_COOKIE);
  const location = login.headers.location;
  if (login.status !== 302 || !state || !location)
    throw new Error(`login answered ${login.status}: ${login.body.toString('utf8')}`);
  const authorize = await fetch(location, { redirect: 'manual' });
  await authorize.body?.cancel();
  const callback = new URL(authorize.headers.get('location') ?? '');
  return {
    method: 'GET',
    path: `${callback.pathname}${callback.search}`,
    headers: { cookie: `${STATE_COOKIE}=${state}` },
  };
}

const splitQuery = (path: string) =>
  (path.split('?')[1] ?? '')
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? ([p, ''] as [string, string]) : ([p.slice(0, eq), p.slice(eq + 1)] as [string, string]);
    });
const percentEncodeAll = (value: string) =>
  [...Buffer.from(decodeURIComponent(value), 'utf8')]
    .map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`)
    .join('');

/** Applies a plan to a fresh callback request. */
export function applyCallbackPlan(base: RawRequest, plan: CallbackPlan): RawRequest {
  let pairs = splitQuery(base.path);
  for (const { name, change } of plan.params) {
    const i = pairs.findIndex(([k]) => k === name);
    if (i < 0) continue;
    const [key, value] = pairs[i]!;
    if (change === 'remove') pairs.splice(i, 1);
    else if (change === 'duplicate') pairs.push([key, value]);
    else if (change === 'percent-encode') pairs[i] = [key, percentEncodeAll(value)];
    else pairs[i] = [key, encodeURIComponent(mutateText(safeDecode(value), change))];
  }
  pairs.push(...plan.add);
  if (plan.hmacUpper) pairs = pairs.map(([k, v]) => (k === 'hmac' ? [k, v.toUpperCase()] : [k, v]));
  if (plan.reorder) pairs.reverse();
  const headers = { ...base.headers };
  const cookie = headers.cookie ?? '';
  if (plan.cookie === 'drop') delete headers.cookie;
  else if (plan.cookie)
    headers.cookie = `${STATE_COOKIE}=${mutateText(cookie.slice(STATE_COOKIE.length + 1), plan.cookie).replace(/[;\s]/g, '')}`;
  return { ...base, path: `${base.path.split('?')[0]}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`, headers };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The signed content of a callback, computed independently of lib/: the parameters Shopify signs
 * (all but `hmac`/`signature`, repeats joined with `,`, sorted), the HMAC (hex, any case) and the state cookie.
 */
export function callbackSignedContent(request: RawRequest): string {
  const params = new URLSearchParams(request.path.split('?')[1] ?? '');
  const grouped = new Map<string, string[]>();
  for (const [k, v] of params) if (k !== 'hmac' && k !== 'signature') grouped.set(k, [...(grouped.get(k) ?? []), v]);
  const message = [...grouped]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v.join(',')}`)
    .join('&');
  return JSON.stringify([
    message,
    params.getAll('hmac').map((v) => v.toLowerCase()),
    canonicalCookie(request.headers?.cookie),
  ]);
}

// A JWS signature spelled with `=` padding or different unused trailing bits is the same signature: not a forgery.
function canonicalCookie(cookie: string | undefined): string | null {
  if (cookie === undefined) return null;
  const [name, token = ''] = cookie.split(/=(.*)/s);
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]*={0,2}$/.test(parts[2]!)) return cookie;
  return `${name}=${parts[0]}.${parts[1]}.${Buffer.from(parts[2]!, 'base64url').toString('hex')}`;
}
