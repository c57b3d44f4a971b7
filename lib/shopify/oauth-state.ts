import { randomBytes } from 'node:crypto';
import { appPath } from '../config';
import { safeCompare } from '../crypto/safe-compare';
import { signToken, verifyToken } from '../crypto/signed-token';
import { BadRequestError, UnauthorizedError } from '../errors';
import { parseCookies, serializeCookie } from '../http/cookies';
import { adminOrigin } from './shop-domain';

// The state half of Shopify OAuth, apart from the token exchange (./oauth.ts) so that `shopify/login` loads neither ky
// nor the zod schemas on its cold start (issue 14). ./oauth.ts re-exports all of it.

/** Cookie that carries the signed OAuth nonce between login and callback. */
export const STATE_COOKIE = 'shopify_oauth_state';
const STATE_TTL_SECONDS = 600;
const STATE_PURPOSE = 'shopify-oauth-state';

/** What the OAuth steps need from the config. */
export interface ShopifyOAuthConfig {
  APP_URL: string;
  SESSION_SECRET: string;
  SHOPIFY_API_KEY: string;
  SHOPIFY_API_SECRET: string;
  SHOPIFY_SCOPES: string;
  SHOPIFY_ADMIN_ORIGIN: string;
}

/** The callback URL registered in the app settings. */
export const callbackUrl = (appUrl: string) => `${appUrl}/shopify/callback`;

/** Builds the authorize redirect and the signed state cookie bound to its nonce. */
export async function beginOAuth(
  shop: string,
  config: ShopifyOAuthConfig,
  now: number,
): Promise<{ location: string; cookie: string }> {
  const nonce = randomBytes(32).toString('hex');
  const stateToken = await signToken(
    { nonce, shop },
    { secret: config.SESSION_SECRET, purpose: STATE_PURPOSE, ttlSeconds: STATE_TTL_SECONDS, now },
  );
  const query = new URLSearchParams({
    client_id: config.SHOPIFY_API_KEY,
    scope: config.SHOPIFY_SCOPES,
    redirect_uri: callbackUrl(config.APP_URL),
    state: nonce,
  });
  query.append('grant_options[]', '');
  const location = `${adminOrigin(config.SHOPIFY_ADMIN_ORIGIN, shop)}/admin/oauth/authorize?${query.toString().replace(/\+/g, '%20')}`;
  const cookie = serializeCookie(STATE_COOKIE, stateToken, {
    path: `${appPath(config.APP_URL).replace(/\/$/, '')}/shopify/callback`,
    maxAgeSeconds: STATE_TTL_SECONDS,
    sameSite: 'Lax',
  });
  return { location, cookie };
}

/** The `Set-Cookie` that clears the state cookie after a callback. */
export function clearStateCookie(appUrl: string): string {
  return serializeCookie(STATE_COOKIE, '', {
    path: `${appPath(appUrl).replace(/\/$/, '')}/shopify/callback`,
    maxAgeSeconds: 0,
    sameSite: 'Lax',
  });
}

/** Checks the callback's `state` against the nonce cookie and the shop it was issued for. */
export async function checkState(
  request: Request,
  shop: string,
  state: string | null,
  config: ShopifyOAuthConfig,
  now: number,
): Promise<void> {
  const restart = `Start again at /shopify/${shop.replace('.myshopify.com', '')}/login.`;
  const token = parseCookies(request.headers.get('cookie')).get(STATE_COOKIE);
  if (!token) {
    throw new BadRequestError(
      `The OAuth state cookie is missing (it expires after 10 minutes, and a browser that blocks cookies drops it). ${restart}`,
      { code: 'state_cookie_missing' },
    );
  }
  const result = await verifyToken<{ nonce?: string; shop?: string }>(token, {
    secret: config.SESSION_SECRET,
    purpose: STATE_PURPOSE,
    now,
  });
  if (!result.ok) {
    throw new BadRequestError(`The OAuth state cookie is ${result.reason}. ${restart}`, {
      code: `state_${result.reason}`,
    });
  }
  if (!state || typeof result.claims.nonce !== 'string' || !safeCompare(result.claims.nonce, state)) {
    throw new UnauthorizedError(`The OAuth state does not match this browser's login. ${restart}`, {
      code: 'state_mismatch',
    });
  }
  if (result.claims.shop !== shop) {
    throw new UnauthorizedError(`The callback is for another shop than the one this login started for. ${restart}`, {
      code: 'shop_mismatch',
    });
  }
}
