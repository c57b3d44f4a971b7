import { createHash } from 'node:crypto';
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
  if (!UUID_RE.test(uuid))
    throw new BadRequestError('Invalid user id: expected a lower-case UUID.', { code: 'invalid_user_id' });
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
  if (!PAGE_ID_RE.test(pageId))
    throw new BadRequestError('Invalid page id: expected digits only.', { code: 'invalid_page_id' });
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
  pageSnapshot: (uuid: string, pageId: string) =>
    `users/${assertUuid(uuid)}/facebook_messenger/${assertPageId(pageId)}/page_data.json`,
  userPrefix: (uuid: string) => `users/${assertUuid(uuid)}/`,
  userFacebookPrefix: (uuid: string) => `users/${assertUuid(uuid)}/facebook_messenger/`,
  userShopifyPrefix: (uuid: string) => `users/${assertUuid(uuid)}/shopify/`,
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
  /**
   * Where the Shopify webhook's dedupe markers for non-catalog topics live (`app/uninstalled`, `shop/redact`,
   * `customers/*`); a catalog delivery's claim is its pending record. Ages come from LastModified.
   */
  shopifyWebhookMarker: (shop: string, webhookId: string) =>
    `private/webhooks/shopify/${assertShop(shop).replace(/\./g, '_')}/${hashId(webhookId)}`,
  shopifyWebhookMarkerPrefix: (shop?: string) =>
    `private/webhooks/shopify/${shop === undefined ? '' : `${assertShop(shop).replace(/\./g, '_')}/`}`,
  /**
   * A catalog delivery's pending record, named after a hash of its `X-Shopify-Webhook-Id`: the record is the
   * delivery's claim, so a retry finds (and never duplicates) it. Under the shop, so a delivery needs no registry read.
   */
  pendingShopifyDelivery: (shop: string, webhookId: string) =>
    `private/pending/shopify/${assertShop(shop)}/${hashId(webhookId)}.json`,
  /** One shop's pending records; without a shop, every shop's (for sweeps: ages come from LastModified). */
  pendingShopifyPrefix: (shop?: string) =>
    `private/pending/shopify/${shop === undefined ? '' : `${assertShop(shop)}/`}`,
  /** Products an interrupted full walk (the OAuth callback's) fetched, and its cursor, for the background sync. */
  shopifySyncPartial: (uuid: string) => `private/partial/shopify/${assertUuid(uuid)}.json`,
  shopifyFlushLease: (uuid: string, epoch: number) => {
    if (!Number.isSafeInteger(epoch) || epoch < 0)
      throw new BadRequestError('Invalid lease epoch.', { code: 'invalid_id' });
    return `private/leases/shopify/${assertUuid(uuid)}/${epoch}.json`;
  },
  shopifyFlushLeasePrefix: (uuid: string) => `private/leases/shopify/${assertUuid(uuid)}/`,
  shopifyFlushFlag: (shop: string, window: number, shard: number) => {
    if (!Number.isSafeInteger(window) || window < 0)
      throw new BadRequestError('Invalid flush window.', { code: 'invalid_id' });
    if (!Number.isSafeInteger(shard) || shard < 0 || shard > 255)
      throw new BadRequestError('Invalid flag shard.', { code: 'invalid_id' });
    return `private/flush/shopify/${assertShop(shop)}/${window}-${shard}.json`;
  },
  shopifyFlushFlagPrefix: (shop: string) => `private/flush/shopify/${assertShop(shop)}/`,
  shopifyFlushFlagWindowPrefix: (shop: string, window: number) => {
    if (!Number.isSafeInteger(window) || window < 0)
      throw new BadRequestError('Invalid flush window.', { code: 'invalid_id' });
    return `private/flush/shopify/${assertShop(shop)}/${window}-`;
  },
  shopifyBulkWrite: (uuid: string, id: string) =>
    `private/bulk/shopify/${assertUuid(uuid)}/${assertOpaqueId(id, 'bulk write id')}.json`,
  shopifyBulkWritePrefix: (uuid: string) => `private/bulk/shopify/${assertUuid(uuid)}/`,
  /** Where the conditional-write probe writes (only on a store without conditions, and deletes again). */
  conditionalWriteProbe: (id: string) => `private/probe/${assertOpaqueId(id, 'probe id')}.json`,
  conditionalWriteProbePrefix: () => 'private/probe/',
};

/** A fixed-length hex name for an id of any shape (Webhook-Ids are the sender's to choose). */
export function hashId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40);
}
