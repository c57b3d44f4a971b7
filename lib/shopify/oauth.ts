import ky, { HTTPError } from 'ky';
import { randomBytes } from 'node:crypto';
import { appPath } from '../config';
import { signToken, verifyToken } from '../crypto/signed-token';
import { safeCompare } from '../crypto/safe-compare';
import {
  BadRequestError,
  PreconditionFailedError,
  ShopifyApiError,
  UnauthorizedError,
  UpstreamShapeError,
} from '../errors';
import { parseCookies, serializeCookie } from '../http/cookies';
import { keys } from '../storage/keys';
import type { TokenVault } from '../vault/token-vault';
import { adminOrigin } from './shop-domain';
import { ShopifyTokenSchema, TokenResponseSchema, type ShopifyToken } from './schemas';

/** Cookie that carries the signed OAuth nonce between login and callback. */
export const STATE_COOKIE = 'shopify_oauth_state';
const STATE_TTL_SECONDS = 600;
const STATE_PURPOSE = 'shopify-oauth-state';
// Refresh an expiring access token this long before it expires.
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

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
  const stateToken = await signToken({ nonce, shop }, { secret: config.SESSION_SECRET, purpose: STATE_PURPOSE, ttlSeconds: STATE_TTL_SECONDS, now });
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
export async function checkState(request: Request, shop: string, state: string | null, config: ShopifyOAuthConfig, now: number): Promise<void> {
  const restart = `Start again at /shopify/${shop.replace('.myshopify.com', '')}/login.`;
  const token = parseCookies(request.headers.get('cookie')).get(STATE_COOKIE);
  if (!token) {
    throw new BadRequestError(
      `The OAuth state cookie is missing (it expires after 10 minutes, and a browser that blocks cookies drops it). ${restart}`,
      { code: 'state_cookie_missing' },
    );
  }
  const result = await verifyToken<{ nonce?: string; shop?: string }>(token, { secret: config.SESSION_SECRET, purpose: STATE_PURPOSE, now });
  if (!result.ok) {
    throw new BadRequestError(`The OAuth state cookie is ${result.reason}. ${restart}`, { code: `state_${result.reason}` });
  }
  if (!state || typeof result.claims.nonce !== 'string' || !safeCompare(result.claims.nonce, state)) {
    throw new UnauthorizedError(`The OAuth state does not match this browser's login. ${restart}`, { code: 'state_mismatch' });
  }
  if (result.claims.shop !== shop) {
    throw new UnauthorizedError(`The callback is for another shop than the one this login started for. ${restart}`, { code: 'shop_mismatch' });
  }
}

function toStoredToken(body: unknown, now: number): ShopifyToken {
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new UpstreamShapeError('shopify', 'Shopify\'s token endpoint answered with an unexpected shape.', {
      code: 'shopify_token_shape',
      ...(body === null ? {} : { cause: parsed.error }),
    });
  }
  const t = parsed.data;
  const expiring = t.refresh_token !== undefined;
  return {
    accessToken: t.access_token,
    scope: t.scope,
    // Shopify/shopify-app-js#3400: a refresh answer without expires_in still expires in an hour.
    expiresAt: expiring ? now + (t.expires_in ?? 3600) * 1000 : null,
    refreshToken: t.refresh_token ?? null,
    refreshExpiresAt: expiring && t.refresh_token_expires_in ? now + t.refresh_token_expires_in * 1000 : null,
  };
}

async function postToken(shop: string, config: ShopifyOAuthConfig, body: Record<string, string>, fetchImpl?: typeof fetch) {
  const url = `${adminOrigin(config.SHOPIFY_ADMIN_ORIGIN, shop)}/admin/oauth/access_token`;
  try {
    return await ky.post(url, {
      json: { client_id: config.SHOPIFY_API_KEY, client_secret: config.SHOPIFY_API_SECRET, ...body },
      headers: { Accept: 'application/json' },
      retry: { limit: 2, methods: ['post'], statusCodes: [500, 502, 503, 504] },
      timeout: 10_000,
      // ky retries only what it would throw: 5xx are retried, then handed back as the answer; 4xx come back at once.
      throwHttpErrors: (status) => status >= 500,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  } catch (err) {
    if (err instanceof HTTPError) return err.response;
    throw new ShopifyApiError(`Shopify's token endpoint for ${shop} did not answer.`, { cause: err, code: 'shopify_unreachable' });
  }
}

/** Exchanges an authorization code for an expiring offline token pair. A reused or bad code is a 400 that says so. */
export async function exchangeCode(shop: string, code: string, config: ShopifyOAuthConfig, now: number, fetchImpl?: typeof fetch): Promise<ShopifyToken> {
  const res = await postToken(shop, config, { code, expiring: '1' }, fetchImpl);
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.status === 400) {
    throw new BadRequestError(
      `Shopify refused the authorization code: ${String(body?.error_description ?? body?.error ?? 'invalid code')}. Codes work once; start again at /shopify/${shop.replace('.myshopify.com', '')}/login.`,
      { code: 'oauth_code_rejected' },
    );
  }
  if (!res.ok) {
    const hint = res.status >= 500
      ? `Shopify is failing, not your settings; start again at /shopify/${shop.replace('.myshopify.com', '')}/login in a minute`
      : 'check SHOPIFY_API_KEY and SHOPIFY_API_SECRET';
    throw new ShopifyApiError(`Shopify's token endpoint answered ${res.status}: ${hint}.`, { code: 'shopify_token_error', upstreamStatus: res.status });
  }
  return toStoredToken(body, now);
}

/**
 * Returns a usable access token for the shop, refreshing an expiring one shortly before expiry.
 * Concurrent refreshes are serialised by a compare-and-swap on the stored pair: the loser re-reads
 * and uses the winner's token (Shopify keeps the previous refresh token valid meanwhile).
 */
export async function getAccessToken(
  shop: string,
  deps: { vault: TokenVault; config: ShopifyOAuthConfig; now: () => number; fetch?: typeof fetch },
  options: { force?: boolean } = {},
): Promise<string> {
  const key = keys.shopifyToken(shop);
  for (let attempt = 0; attempt < 3; attempt++) {
    const entry = await deps.vault.get<ShopifyToken>(key);
    if (!entry) {
      throw new UnauthorizedError(`No stored token for ${shop}: connect it at /shopify/${shop.replace('.myshopify.com', '')}/login.`, {
        code: 'shopify_not_connected',
      });
    }
    const token = ShopifyTokenSchema.parse(entry.value);
    const fresh = token.expiresAt === null || token.expiresAt - deps.now() > REFRESH_MARGIN_MS;
    if ((fresh && !options.force) || !token.refreshToken) return token.accessToken;
    const res = await postToken(shop, deps.config, { grant_type: 'refresh_token', refresh_token: token.refreshToken }, deps.fetch);
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 500) {
        throw new ShopifyApiError(`Shopify's token endpoint answered ${res.status} while refreshing the token of ${shop}; the next request or poll tries again.`, {
          code: 'shopify_token_error',
          upstreamStatus: res.status,
        });
      }
      throw new UnauthorizedError(`Shopify refused to refresh the token of ${shop} (${res.status}): reconnect at /shopify/<shop>/login.`, {
        code: 'shopify_refresh_failed',
      });
    }
    // A body that is not JSON is a shape error too, not a crash.
    const next = toStoredToken(await res.json().catch(() => null), deps.now());
    try {
      await deps.vault.put(key, next, { ifMatch: entry.etag });
      return next.accessToken;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      // Another invocation refreshed first: read its pair and use that.
      options = {};
    }
  }
  throw new UnauthorizedError(`Could not refresh the token of ${shop}: too many concurrent refreshes. Try again.`);
}
