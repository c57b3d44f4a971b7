import { randomBytes } from 'node:crypto';
import { appPath } from '../config';
import { safeCompare } from '../crypto/safe-compare';
import { signToken, verifyToken } from '../crypto/signed-token';
import { BadRequestError, UnauthorizedError } from '../errors';
import { parseCookies, serializeCookie } from '../http/cookies';

// The state half of Facebook login, apart from the code exchange (./oauth.ts) so that `facebook/login` loads no zod
// schemas on its cold start (issue 14). ./oauth.ts re-exports all of it.

/** Cookie carrying the signed state between `facebook/login` and `facebook/callback`. */
export const STATE_COOKIE = 'facebook_oauth_state';
const STATE_TTL_SECONDS = 600;
const STATE_PURPOSE = 'facebook-oauth-state';
export const RESTART = 'Start again at /facebook/login.';

/** What the OAuth steps need from the config. */
export interface FacebookOAuthConfig {
  APP_URL: string;
  SESSION_SECRET: string;
  FACEBOOK_APP_ID: string;
  FACEBOOK_APP_SECRET: string;
  FACEBOOK_GRAPH_VERSION: string;
  FACEBOOK_SCOPES: string;
  FACEBOOK_WWW_ORIGIN: string;
}

/** The redirect URI registered under Valid OAuth Redirect URIs; the code exchange repeats it byte for byte. */
export const facebookCallbackUrl = (appUrl: string) => `${appUrl}/facebook/callback`;
const cookiePath = (appUrl: string) => `${appPath(appUrl).replace(/\/$/, '')}/facebook/callback`;

/** Builds the login-dialog redirect and the state cookie: a JWT binding the session's UUID to the nonce sent as `state`. */
export async function beginFacebookOAuth(
  uuid: string,
  config: FacebookOAuthConfig,
  now: number,
): Promise<{ location: string; cookie: string }> {
  const nonce = randomBytes(32).toString('base64url');
  const jwt = await signToken(
    { uuid, nonce },
    { secret: config.SESSION_SECRET, purpose: STATE_PURPOSE, ttlSeconds: STATE_TTL_SECONDS, now },
  );
  const query = new URLSearchParams({
    client_id: config.FACEBOOK_APP_ID,
    redirect_uri: facebookCallbackUrl(config.APP_URL),
    state: nonce,
    response_type: 'code',
    scope: config.FACEBOOK_SCOPES,
  });
  const location = `${config.FACEBOOK_WWW_ORIGIN}/${config.FACEBOOK_GRAPH_VERSION}/dialog/oauth?${query.toString()}`;
  const cookie = serializeCookie(STATE_COOKIE, jwt, {
    path: cookiePath(config.APP_URL),
    maxAgeSeconds: STATE_TTL_SECONDS,
    sameSite: 'Lax',
  });
  return { location, cookie };
}

/** The `Set-Cookie` that deletes the state cookie once the callback has used it. */
export function clearFacebookStateCookie(appUrl: string): string {
  return serializeCookie(STATE_COOKIE, '', { path: cookiePath(appUrl), maxAgeSeconds: 0, sameSite: 'Lax' });
}

/** Verifies the state cookie, its nonce against the `state` parameter, and its UUID against the session's. */
export async function checkFacebookState(
  request: Request,
  state: string | null,
  sessionUuid: string,
  config: Pick<FacebookOAuthConfig, 'SESSION_SECRET'>,
  now: number,
): Promise<void> {
  const jwt = parseCookies(request.headers.get('cookie')).get(STATE_COOKIE);
  if (!jwt) {
    throw new BadRequestError(
      `The Facebook login state cookie is missing (it lasts 10 minutes; blocked cookies drop it). ${RESTART}`,
      {
        code: 'state_cookie_missing',
      },
    );
  }
  const result = await verifyToken<{ uuid?: unknown; nonce?: unknown }>(jwt, {
    secret: config.SESSION_SECRET,
    purpose: STATE_PURPOSE,
    now,
  });
  if (!result.ok)
    throw new BadRequestError(`The Facebook login state cookie is ${result.reason}. ${RESTART}`, {
      code: `state_${result.reason}`,
    });
  const { nonce, uuid } = result.claims;
  if (!state || typeof nonce !== 'string' || !safeCompare(nonce, state)) {
    throw new UnauthorizedError(`The state parameter does not match this browser's Facebook login. ${RESTART}`, {
      code: 'state_mismatch',
    });
  }
  if (typeof uuid !== 'string' || !safeCompare(uuid, sessionUuid)) {
    throw new UnauthorizedError(`This Facebook login was started from another session. ${RESTART}`, {
      code: 'session_mismatch',
    });
  }
}
