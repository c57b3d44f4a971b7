import ky, { HTTPError } from 'ky';
import { BadRequestError, ShopifyApiError, UnauthorizedError, UpstreamShapeError } from '../errors';
import { keys } from '../storage/keys';
import { UNCHANGED } from '../storage/store';
import type { TokenVault } from '../vault/token-vault';
import type { ShopifyOAuthConfig } from './oauth-state';
import { adminOrigin } from './shop-domain';
import { ShopifyTokenSchema, TokenResponseSchema, type ShopifyToken } from './schemas';

export {
  STATE_COOKIE,
  beginOAuth,
  callbackUrl,
  checkState,
  clearStateCookie,
  type ShopifyOAuthConfig,
} from './oauth-state';

// Refresh an expiring access token this long before it expires.
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

function toStoredToken(body: unknown, now: number): ShopifyToken {
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new UpstreamShapeError('shopify', "Shopify's token endpoint answered with an unexpected shape.", {
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

async function postToken(
  shop: string,
  config: ShopifyOAuthConfig,
  body: Record<string, string>,
  fetchImpl?: typeof fetch,
) {
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
    throw new ShopifyApiError(`Shopify's token endpoint for ${shop} did not answer.`, {
      cause: err,
      code: 'shopify_unreachable',
    });
  }
}

/** Exchanges an authorization code for an expiring offline token pair. A reused or bad code is a 400 that says so. */
export async function exchangeCode(
  shop: string,
  code: string,
  config: ShopifyOAuthConfig,
  now: number,
  fetchImpl?: typeof fetch,
): Promise<ShopifyToken> {
  const res = await postToken(shop, config, { code, expiring: '1' }, fetchImpl);
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.status === 400) {
    throw new BadRequestError(
      `Shopify refused the authorization code: ${String(body?.error_description ?? body?.error ?? 'invalid code')}. Codes work once; start again at /shopify/${shop.replace('.myshopify.com', '')}/login.`,
      { code: 'oauth_code_rejected' },
    );
  }
  if (!res.ok) {
    const hint =
      res.status >= 500
        ? `Shopify is failing, not your settings; start again at /shopify/${shop.replace('.myshopify.com', '')}/login in a minute`
        : 'check SHOPIFY_API_KEY and SHOPIFY_API_SECRET';
    throw new ShopifyApiError(`Shopify's token endpoint answered ${res.status}: ${hint}.`, {
      code: 'shopify_token_error',
      upstreamStatus: res.status,
    });
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
  let force = options.force ?? false;
  const stored = await deps.vault.update<ShopifyToken>(
    keys.shopifyToken(shop),
    async (entry) => {
      if (!entry) {
        const login = `/shopify/${shop.replace('.myshopify.com', '')}/login`;
        throw new UnauthorizedError(`No stored token for ${shop}: connect it at ${login}.`, {
          code: 'shopify_not_connected',
        });
      }
      const token = ShopifyTokenSchema.parse(entry.value);
      const fresh = token.expiresAt === null || token.expiresAt - deps.now() > REFRESH_MARGIN_MS;
      if ((fresh && !force) || !token.refreshToken) return UNCHANGED;
      // Should the write lose the race, another invocation refreshed first: the next attempt reads and uses its pair.
      force = false;
      const grant = { grant_type: 'refresh_token', refresh_token: token.refreshToken };
      const res = await postToken(shop, deps.config, grant, deps.fetch);
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 500) {
          throw new ShopifyApiError(
            `Shopify's token endpoint answered ${res.status} while refreshing the token of ${shop}; ` +
              'the next request or poll tries again.',
            { code: 'shopify_token_error', upstreamStatus: res.status },
          );
        }
        throw new UnauthorizedError(
          `Shopify refused to refresh the token of ${shop} (${res.status}): reconnect at /shopify/<shop>/login.`,
          { code: 'shopify_refresh_failed' },
        );
      }
      // A body that is not JSON is a shape error too, not a crash.
      return toStoredToken(await res.json().catch(() => null), deps.now());
    },
    {
      attempts: 3,
      conflict: () =>
        new UnauthorizedError(`Could not refresh the token of ${shop}: too many concurrent refreshes. Try again.`),
    },
  );
  return ShopifyTokenSchema.parse(stored).accessToken;
}
