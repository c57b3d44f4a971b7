import { hash32, parseGid } from './ids';
import type { BulkOperationRecord, InventoryItemRecord, ProductRecord, VariantRecord } from './records';
import type { ShopStore } from './store';

/** Number of variants a products/* payload carries in full (contract §3.5). */
export const PAYLOAD_FULL_VARIANTS = 100;

/** A webhook payload: plain JSON values, with `bigint` for ids so serialisation keeps every digit. */
export type Payload = Record<string, unknown>;

const big = (gidOrId: string): bigint => BigInt(parseGid(gidOrId)?.id ?? gidOrId);
const lower = (value: string): string => value.toLowerCase();

/** The id of the shop's single location. */
export function locationId(store: ShopStore): bigint {
  return BigInt(hash32(`${store.domain}/location`));
}

function variantPayload(v: VariantRecord): Payload {
  return {
    admin_graphql_api_id: v.id,
    barcode: v.barcode,
    compare_at_price: v.compareAtPrice,
    created_at: v.createdAt,
    id: big(v.id),
    inventory_policy: lower(v.inventoryPolicy),
    position: v.position,
    price: v.price,
    product_id: big(v.productId),
    sku: v.sku,
    taxable: v.taxable,
    title: v.title,
    updated_at: v.updatedAt,
    option1: v.selectedOptions[0]?.value ?? null,
    option2: v.selectedOptions[1]?.value ?? null,
    option3: v.selectedOptions[2]?.value ?? null,
    image_id: null,
    inventory_item_id: big(v.inventoryItemId),
    inventory_quantity: v.inventoryQuantity,
    old_inventory_quantity: v.inventoryQuantity,
  };
}

/**
 * REST-style `products/create|update` body: full `variants` for the first 100, `variant_gids` (newest first) for every variant,
 * numeric ids as bigint.
 */
export function productPayload(store: ShopStore, product: ProductRecord): Payload {
  const variants = store.variantsOf(product);
  const productId = big(product.id);
  const images = product.images.map((img, i) => ({
    id: big(img.id),
    alt: img.altText,
    position: i + 1,
    product_id: productId,
    created_at: product.createdAt,
    updated_at: product.updatedAt,
    admin_graphql_api_id: img.id,
    width: img.width,
    height: img.height,
    src: img.url,
    variant_ids: [],
  }));
  return {
    admin_graphql_api_id: product.id,
    body_html: product.descriptionHtml,
    created_at: product.createdAt,
    handle: product.handle,
    id: productId,
    product_type: product.productType,
    published_at: product.publishedAt,
    template_suffix: product.templateSuffix,
    title: product.title,
    updated_at: product.updatedAt,
    vendor: product.vendor,
    status: lower(product.status),
    published_scope: 'global',
    tags: product.tags.join(', '),
    variants: variants.slice(0, PAYLOAD_FULL_VARIANTS).map(variantPayload),
    options: product.options.map((o, i) => ({
      name: o.name,
      id: BigInt(`${productId}${i + 1}`),
      product_id: productId,
      position: i + 1,
      values: o.values,
    })),
    images,
    image: images[0] ?? null,
    media: product.images.map((img, i) => ({
      id: big(img.mediaId),
      product_id: productId,
      position: i + 1,
      created_at: product.createdAt,
      updated_at: product.updatedAt,
      alt: img.altText,
      status: 'READY',
      media_content_type: 'IMAGE',
      preview_image: { width: img.width, height: img.height, src: img.url, status: 'READY' },
      variant_ids: [],
      admin_graphql_api_id: img.mediaId,
    })),
    variant_gids: [...variants]
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .map((v) => ({ admin_graphql_api_id: v.id, updated_at: v.updatedAt })),
    has_variants_that_requires_components: false,
    category: null,
  };
}

/** `inventory_levels/update` body for an inventory item at the shop's location. */
export function inventoryLevelPayload(store: ShopStore, item: InventoryItemRecord): Payload {
  const variant = store.variants.get(item.variantId);
  const loc = locationId(store);
  return {
    inventory_item_id: big(item.id),
    location_id: loc,
    available: variant?.inventoryQuantity ?? null,
    updated_at: item.updatedAt,
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${loc}?inventory_item_id=${item.legacyResourceId}`,
  };
}

/** `products/delete` body: only the id. */
export function deletePayload(gidOrId: string): Payload {
  return { id: big(gidOrId) };
}

/** `app/uninstalled` (and `shop/update`) body: the REST shop object. */
export function shopPayload(store: ShopStore): Payload {
  const s = store.shop;
  return {
    id: BigInt(s.legacyId),
    name: s.name,
    email: s.email,
    domain: s.myshopifyDomain,
    province: 'New York',
    country: 'US',
    address1: '1 Snow Lane',
    zip: '10001',
    city: 'New York',
    source: null,
    phone: '555-625-1199',
    latitude: 40.75,
    longitude: -73.99,
    primary_locale: 'en',
    address2: null,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    country_code: 'US',
    country_name: 'United States',
    currency: s.currencyCode,
    customer_email: s.contactEmail,
    timezone: '(GMT-05:00) America/New_York',
    iana_timezone: s.ianaTimezone,
    shop_owner: 'Alex Owner',
    money_format: '${{amount}}',
    money_with_currency_format: '${{amount}} USD',
    weight_unit: 'kg',
    province_code: 'NY',
    taxes_included: false,
    auto_configure_tax_inclusivity: null,
    tax_shipping: null,
    county_taxes: true,
    plan_display_name: 'Basic',
    plan_name: s.planName,
    has_discounts: false,
    has_gift_cards: false,
    myshopify_domain: s.myshopifyDomain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: '${{amount}}',
    money_with_currency_in_emails_format: '${{amount}} USD',
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: false,
    has_storefront: true,
    finances: true,
    primary_location_id: locationId(store),
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [s.currencyCode],
    marketing_sms_consent_enabled_at_checkout: false,
    transactional_sms_disabled: false,
  };
}

/** Mandatory compliance bodies (contract §3.4). */
export function compliancePayload(
  store: ShopStore,
  topic: 'customers/data_request' | 'customers/redact' | 'shop/redact',
): Payload {
  const base = { shop_id: BigInt(store.shop.legacyId), shop_domain: store.domain };
  const customer = { id: 191167, email: 'john@example.com', phone: '555-625-1199' };
  if (topic === 'shop/redact') return base;
  if (topic === 'customers/redact') return { ...base, customer, orders_to_redact: [299938, 280263, 220458] };
  return { ...base, customer, orders_requested: [299938, 280263, 220458], data_request: { id: 9999 } };
}

/** `bulk_operations/finish` body, enums in lower case. */
export function bulkFinishPayload(op: BulkOperationRecord): Payload {
  return {
    admin_graphql_api_id: op.id,
    completed_at: op.completedAt,
    created_at: op.createdAt,
    error_code: op.errorCode ? lower(op.errorCode) : null,
    status: lower(op.status),
    type: lower(op.type),
  };
}

/** Builds the payload of a topic for a resource GID (product, inventory item or bulk operation); null when it cannot. */
export function payloadFor(store: ShopStore, topic: string, id: string | undefined): Payload | null {
  switch (topic) {
    case 'products/create':
    case 'products/update': {
      const product = id ? store.products.get(id) : undefined;
      return product ? productPayload(store, product) : null;
    }
    case 'products/delete':
      return id ? deletePayload(id) : null;
    case 'inventory_levels/update': {
      const item = id ? store.items.get(id) : undefined;
      return item ? inventoryLevelPayload(store, item) : null;
    }
    case 'app/uninstalled':
    case 'shop/update':
      return shopPayload(store);
    case 'bulk_operations/finish': {
      const op = id ? store.bulkOperations.get(id) : undefined;
      return op ? bulkFinishPayload(op) : null;
    }
    case 'customers/data_request':
    case 'customers/redact':
    case 'shop/redact':
      return compliancePayload(store, topic);
    default:
      return null;
  }
}
