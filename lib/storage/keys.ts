import { BadRequestError } from '../errors';

/**
 * The only place object keys are built. Every id is validated before it enters a key, so no input
 * can escape `users/<uuid>/` or reach another tenant's objects.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SHOP_RE = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;
const PAGE_ID_RE = /^[0-9]{1,25}$/;
const OPAQUE_RE = /^[A-Za-z0-9_-]{1,128}$/;

/** Throws unless `uuid` is a lower-case RFC 4122 UUID. */
export function assertUuid(uuid: string): string {
  if (!UUID_RE.test(uuid)) throw new BadRequestError('Invalid user id: expected a lower-case UUID.', { code: 'invalid_user_id' });
  return uuid;
}

/** Throws unless `shop` is a canonical `name.myshopify.com` domain. */
export function assertShop(shop: string): string {
  if (!SHOP_RE.test(shop)) {
    throw new BadRequestError('Invalid shop: expected <name>.myshopify.com.', { code: 'invalid_shop' });
  }
  return shop;
}

/** Throws unless `pageId` is a numeric Facebook id. */
export function assertPageId(pageId: string): string {
  if (!PAGE_ID_RE.test(pageId)) throw new BadRequestError('Invalid page id: expected digits only.', { code: 'invalid_page_id' });
  return pageId;
}

/** Throws unless `id` is a short opaque token of letters, digits, `_` and `-`. */
export function assertOpaqueId(id: string, what = 'id'): string {
  if (!OPAQUE_RE.test(id)) throw new BadRequestError(`Invalid ${what}.`, { code: 'invalid_id' });
  return id;
}

/** Keys the bot reads and the private records only the functions read. */
export const keys = {
  shopifySnapshot: (uuid: string) => `users/${assertUuid(uuid)}/shopify/shopify_data.json`,
  pageSnapshot: (uuid: string, pageId: string) => `users/${assertUuid(uuid)}/facebook_messenger/${assertPageId(pageId)}/page_data.json`,
  userPrefix: (uuid: string) => `users/${assertUuid(uuid)}/`,
  userFacebookPrefix: (uuid: string) => `users/${assertUuid(uuid)}/facebook_messenger/`,
  shopifyToken: (shop: string) => `private/tokens/shopify/${assertShop(shop)}.jwe`,
  pageToken: (pageId: string) => `private/tokens/facebook/pages/${assertPageId(pageId)}.jwe`,
  facebookUserToken: (uuid: string) => `private/tokens/facebook/users/${assertUuid(uuid)}.jwe`,
  shopRecord: (shop: string) => `private/registry/shops/${assertShop(shop)}.json`,
  shopRecordPrefix: () => 'private/registry/shops/',
  pageRecord: (pageId: string) => `private/registry/pages/${assertPageId(pageId)}.json`,
  pageRecordPrefix: () => 'private/registry/pages/',
  facebookUserRecord: (asid: string) => `private/registry/facebook-users/${assertPageId(asid)}.json`,
  status: (uuid: string) => `private/status/${assertUuid(uuid)}.json`,
  /** Every webhook dedupe record (both platforms) lives under this prefix; the daily poll expires them by age. */
  webhookMarkersPrefix: () => 'private/webhooks/',
  webhookSeen: (platform: 'shopify' | 'facebook', scope: string, id: string) =>
    `private/webhooks/${platform}/${assertOpaqueId(scope.replace(/\./g, '_'), 'scope')}/${assertOpaqueId(id, 'webhook id')}`,
  productOverlay: (uuid: string) => `private/overlays/shopify/${assertUuid(uuid)}.json`,
  deletion: (code: string) => `private/deletions/${assertOpaqueId(code, 'confirmation code')}.json`,
  pendingShopifyUpdate: (uuid: string, name: string) =>
    `private/pending/shopify/${assertUuid(uuid)}/${assertOpaqueId(name, 'pending update name')}.json`,
  pendingShopifyPrefix: (uuid: string) => `private/pending/shopify/${assertUuid(uuid)}/`,
  shopifyFlushLease: (uuid: string, epoch: number) => {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new BadRequestError('Invalid lease epoch.', { code: 'invalid_id' });
    return `private/leases/shopify/${assertUuid(uuid)}/${epoch}.json`;
  },
  shopifyFlushLeasePrefix: (uuid: string) => `private/leases/shopify/${assertUuid(uuid)}/`,
  shopifyFlushFlag: (uuid: string, window: number) => {
    if (!Number.isSafeInteger(window) || window < 0) throw new BadRequestError('Invalid flush window.', { code: 'invalid_id' });
    return `private/flush/shopify/${assertUuid(uuid)}/${window}.json`;
  },
  shopifyBulkWrite: (uuid: string, id: string) => `private/bulk/shopify/${assertUuid(uuid)}/${assertOpaqueId(id, 'bulk write id')}.json`,
  shopifyBulkWritePrefix: (uuid: string) => `private/bulk/shopify/${assertUuid(uuid)}/`,
  shopifyFlushFlagPrefix: (uuid: string) => `private/flush/shopify/${assertUuid(uuid)}/`,
};
