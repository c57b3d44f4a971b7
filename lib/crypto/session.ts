import { appPath } from '../config';
import { UnauthorizedError } from '../errors';
import { parseCookies, serializeCookie } from '../http/cookies';
import { signToken, verifyToken } from './signed-token';

/** The seed's cookie name; it now carries a signed JWT instead of a server-side session id. */
export const SESSION_COOKIE = 'session_id';
/** How long a merchant's session lasts. */
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;
const PURPOSE = 'session';

/** What a session proves: which user UUID connected which shop. */
export interface SessionClaims {
  sub: string;
  shop: string;
}

/** Creates the `Set-Cookie` value for a new session, scoped to APP_URL's path (never `/` on a shared host). */
export async function issueSessionCookie(
  claims: SessionClaims,
  options: { secret: string; appUrl: string; now: number },
): Promise<string> {
  const token = await signToken(
    { ...claims },
    { secret: options.secret, purpose: PURPOSE, ttlSeconds: SESSION_TTL_SECONDS, now: options.now },
  );
  return serializeCookie(SESSION_COOKIE, token, {
    path: appPath(options.appUrl),
    maxAgeSeconds: SESSION_TTL_SECONDS,
    sameSite: 'Lax',
  });
}

const FIX = {
  missing: 'No session cookie: connect Shopify first at /shopify/<shop>/login, then come back here.',
  expired: 'Your session expired: run Shopify login again at /shopify/<shop>/login to get a new session_id cookie.',
  invalid:
    'Your session cookie is invalid: run Shopify login again at /shopify/<shop>/login to get a new session_id cookie.',
} as const;

/** Reads and verifies the session cookie, throwing a 401 that says how to fix a missing, expired or invalid session. */
export async function requireSession(
  request: Request,
  options: { secret: string; now: number },
): Promise<SessionClaims> {
  const token = parseCookies(request.headers.get('cookie')).get(SESSION_COOKIE);
  const result = await verifyToken<{ shop?: unknown }>(token, {
    secret: options.secret,
    purpose: PURPOSE,
    now: options.now,
  });
  if (!result.ok) throw new UnauthorizedError(FIX[result.reason], { code: `session_${result.reason}` });
  const { sub, shop } = result.claims;
  if (typeof sub !== 'string' || typeof shop !== 'string') {
    throw new UnauthorizedError(FIX.invalid, { code: 'session_invalid' });
  }
  return { sub, shop };
}
