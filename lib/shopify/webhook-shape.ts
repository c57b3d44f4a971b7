/**
 * Per-topic shape checks of a verified webhook body. Shopify signs only the body: `X-Shopify-Topic` and
 * `X-Shopify-Shop-Domain` are not signed, so a captured delivery can be resent under another topic or
 * shop. A body that does not fit its topic is refused before anything is stored; only a replayed or
 * forged delivery looks like that (contract §3.4, §3.5).
 */

/** Why a body does not fit its topic, or null when it does. */
export type ShapeMismatch = string | null;

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;
const INVENTORY_LEVEL_GID = /^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=(\d+)$/;

const isDigits = (v: unknown): boolean =>
  (typeof v === 'string' && /^\d{1,20}$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

// Keys that only the customers/* compliance bodies carry: a shop/redact body has none of them.
const CUSTOMER_KEYS = ['customer', 'orders_requested', 'orders_to_redact', 'data_request'];

function sameShop(field: string, value: unknown, shop: string): ShapeMismatch {
  if (typeof value !== 'string' || !value) return `the body has no ${field}`;
  return value.toLowerCase() === shop ? null : `the body's ${field} (${value}) is not X-Shopify-Shop-Domain (${shop})`;
}

// The seed's connection test sends `{"product":{"id":…,"title":…}}` as products/update; it is acknowledged, never applied.
const isSeedTest = (p: Record<string, unknown>) =>
  isObject(p.product) && isDigits(p.product.id) && p.admin_graphql_api_id === undefined && p.id === undefined;

function productShape(p: Record<string, unknown>): ShapeMismatch {
  if (isSeedTest(p)) return null;
  // Keyed by the GID only (REST ids beyond 2^53 may arrive rounded by a sender's JSON encoder).
  const named = typeof p.admin_graphql_api_id === 'string' && PRODUCT_GID.test(p.admin_graphql_api_id);
  return named ? null : 'the body has no product admin_graphql_api_id (gid://shopify/Product/<id>)';
}

/**
 * Checks that a body fits its topic and the header's shop:
 * - `customers/*` and `shop/redact` name the shop in `shop_domain`; `shop/redact` carries no customer fields;
 * - `app/uninstalled` names it in `myshopify_domain`;
 * - `products/create|update` name a product GID; `products/delete` is exactly `{"id": <number>}`;
 * - `inventory_levels/update` names an inventory item.
 * Unknown topics are not checked (they are acknowledged and ignored).
 */
export function topicShapeMismatch(topic: string, p: Record<string, unknown>, shop: string): ShapeMismatch {
  switch (topic) {
    case 'customers/data_request':
    case 'customers/redact':
      return sameShop('shop_domain', p.shop_domain, shop) ?? (isObject(p.customer) ? null : 'the body has no customer');
    case 'shop/redact': {
      const extra = CUSTOMER_KEYS.filter((k) => k in p);
      if (extra.length) return `the body carries ${extra.join(', ')}, which only customers/* bodies carry`;
      return sameShop('shop_domain', p.shop_domain, shop) ?? (isDigits(p.shop_id) ? null : 'the body has no shop_id');
    }
    case 'app/uninstalled':
      return sameShop('myshopify_domain', p.myshopify_domain, shop);
    case 'products/create':
    case 'products/update':
      return productShape(p);
    case 'products/delete': {
      const extra = Object.keys(p).filter((k) => k !== 'id');
      if (extra.length)
        return `the body carries ${extra.slice(0, 5).join(', ')}; a products/delete body is only {"id": …}`;
      return isDigits(p.id) ? null : 'the body has no numeric product id';
    }
    case 'inventory_levels/update': {
      if (!isDigits(p.inventory_item_id)) return 'the body has no numeric inventory_item_id';
      if (p.admin_graphql_api_id === undefined) return null;
      const level =
        typeof p.admin_graphql_api_id === 'string' ? INVENTORY_LEVEL_GID.exec(p.admin_graphql_api_id) : null;
      if (!level) return 'the body has an admin_graphql_api_id that is not an InventoryLevel GID';
      return level[1] === String(p.inventory_item_id)
        ? null
        : 'the inventory_item_id does not match admin_graphql_api_id';
    }
    default:
      return null;
  }
}
