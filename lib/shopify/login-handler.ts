import { BadRequestError, MethodNotAllowedError } from '../errors';
import { redirect } from '../http/responses';
import { beginOAuth, type ShopifyOAuthConfig } from './oauth-state';
import { SHOP_HELP, normalizeShop } from './shop-domain';

/**
 * The `shopify/login` handler: `/shopify/login/<shop>` (locally also `/shopify/<shop>/login`) or
 * `?shop=`. Rejects anything that is not a `*.myshopify.com` shop, then redirects to Shopify's
 * authorize page with a signed state bound to a nonce cookie.
 */
export async function handleShopifyLogin(
  request: Request,
  deps: { config: ShopifyOAuthConfig; now: () => number },
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new MethodNotAllowedError(request.method, ['GET']);
  const url = new URL(request.url);
  const fromPath = url.pathname.split('/').filter(Boolean);
  if (fromPath.length > 1)
    throw new BadRequestError(`Unexpected path ${url.pathname}. ${SHOP_HELP}`, { code: 'invalid_shop' });
  const raw = url.searchParams.get('shop') ?? (fromPath[0] ? safeDecode(fromPath[0]) : null);
  if (!raw) {
    throw new BadRequestError(`Which shop? Open /shopify/<shop>/login or /shopify/login?shop=<shop>. ${SHOP_HELP}`, {
      code: 'missing_shop',
    });
  }
  const shop = normalizeShop(raw);
  if (!shop)
    throw new BadRequestError(`"${raw.slice(0, 100)}" is not a Shopify shop. ${SHOP_HELP}`, { code: 'invalid_shop' });
  const { location, cookie } = await beginOAuth(shop, deps.config, deps.now());
  return redirect(location, [cookie]);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
