import { UnauthorizedError } from '../errors';
import { OAuthStateCookie, type StateConfig } from '../http/oauth-state-cookie';
import { adminOrigin } from './shop-domain';

// The state half of Shopify OAuth, apart from the token exchange (./oauth.ts) so that `shopify/login` loads neither ky
// nor the zod schemas on its cold start (issue 14). ./oauth.ts re-exports all of it.

const FLOW = new OAuthStateCookie('shopify', 'OAuth');
/** Cookie that carries the signed OAuth nonce between login and callback. */
export const STATE_COOKIE = FLOW.name;

/** What the OAuth steps need from the config. */
export interface ShopifyOAuthConfig extends StateConfig {
  SHOPIFY_API_KEY: string;
  SHOPIFY_API_SECRET: string;
  SHOPIFY_SCOPES: string;
  SHOPIFY_ADMIN_ORIGIN: string;
}

/** The callback URL registered in the app settings. */
export const callbackUrl = (appUrl: string) => `${appUrl}/shopify/callback`;

/** The shop's authorize URL for one login, with `state` echoed back to the callback. */
function authorizeUrl(shop: string, config: ShopifyOAuthConfig, state: string): string {
  const query = new URLSearchParams({
    client_id: config.SHOPIFY_API_KEY,
    scope: config.SHOPIFY_SCOPES,
    redirect_uri: callbackUrl(config.APP_URL),
    state,
  });
  query.append('grant_options[]', '');
  return `${adminOrigin(config.SHOPIFY_ADMIN_ORIGIN, shop)}/admin/oauth/authorize?${query.toString().replace(/\+/g, '%20')}`;
}

/** Builds the authorize redirect and the signed state cookie bound to its nonce. */
export const beginOAuth = (shop: string, config: ShopifyOAuthConfig, now: number) =>
  FLOW.begin({ shop }, config, now, (state) => authorizeUrl(shop, config, state));

/** The `Set-Cookie` that clears the state cookie after a callback. */
export const clearStateCookie = (appUrl: string): string => FLOW.clear(appUrl);

/** Checks the callback's `state` against the nonce cookie and the shop it was issued for. */
export async function checkState(
  request: Request,
  shop: string,
  state: string | null,
  config: ShopifyOAuthConfig,
  now: number,
): Promise<void> {
  const restart = `Start again at /shopify/${shop.replace('.myshopify.com', '')}/login.`;
  const claims = await FLOW.verify(request, state, { config, now, restart });
  if (claims.shop !== shop) {
    throw new UnauthorizedError(`The callback is for another shop than the one this login started for. ${restart}`, {
      code: 'shop_mismatch',
    });
  }
}
