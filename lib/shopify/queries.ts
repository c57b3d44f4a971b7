/**
 * Every GraphQL document the app sends to the Admin API. Tests validate each one against Shopify's
 * real Admin schema, so a misspelled field fails `npm test`.
 */

/** Shop identity for the snapshot. */
export const SHOP_QUERY = /* GraphQL */ `query Shop {
  shop { id name email myshopifyDomain url currencyCode ianaTimezone description primaryDomain { url host } }
}`;

/*
 * The field set (README "Daily poll": what the bot needs and nothing else): identity and URL, title, description
 * (text and HTML), status and publication, vendor, type and tags for answering questions, the price range, up to five
 * images (the first is the featured one, as in Shopify's media order), options, and per variant its price, compare-at
 * price, SKU/barcode, options, inventory and availability plus its inventory item (for inventory_levels/update).
 * Scalars cost no points; every object costs one per product, so the featured image is not asked for separately.
 * Keep `toProductNode`, `trimProductPayload`/`productFromPayload`, the schema and `FIELD_SET` in step.
 */
const VARIANT_FIELDS = `id title sku barcode price compareAtPrice inventoryQuantity availableForSale inventoryPolicy position
      selectedOptions { name value } inventoryItem { id }`;

const PRODUCT_FIELDS = `id title handle status description descriptionHtml vendor productType tags
    createdAt updatedAt publishedAt onlineStoreUrl totalInventory
    priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
    media(first: 5) { nodes { preview { image { url altText } } } }
    options(first: 3) { name values }
    variants(first: $variants) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } }`;

/** One page of products, newest edits last; `$first` is sized from the requested cost. */
export const PRODUCTS_QUERY = /* GraphQL */ `query Products($first: Int!, $after: String, $variants: Int!, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { ${PRODUCT_FIELDS} }
  }
}`;

/** Product ids only, for the daily poll's existence check (about 1 point per product). */
export const PRODUCT_IDS_QUERY = /* GraphQL */ `query ProductIds($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}`;

/**
 * Variants updated since a time, with their product: an inventory-only change does not move the product's
 * `updatedAt` (contract §4, `inventory_levels/update`), but it does move the variant's.
 */
export const CHANGED_VARIANTS_QUERY = /* GraphQL */ `query ChangedVariants(
  $first: Int!, $after: String, $query: String!
) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id product { id } }
  }
}`;

/** One product, for webhook payloads that are incomplete. */
export const PRODUCT_QUERY = /* GraphQL */ `query Product($id: ID!, $variants: Int!) {
  product(id: $id) { ${PRODUCT_FIELDS} }
}`;

/** The rest of a product's variants, past the first page. */
export const PRODUCT_VARIANTS_QUERY = /* GraphQL */ `query ProductVariants($id: ID!, $first: Int!, $after: String) {
  product(id: $id) {
    variants(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${VARIANT_FIELDS} } }
  }
}`;

/**
 * Variants holding a given inventory item (for inventory_levels/update). `InventoryItem.variant` is deprecated
 * in 2026-07 in favour of the `variants` connection: several variants may share one item.
 */
export const INVENTORY_ITEM_QUERY = /* GraphQL */ `query InventoryItem($id: ID!, $first: Int = 50, $after: String) {
  inventoryItem(id: $id) {
    id
    variants(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id inventoryQuantity product { id } }
    }
  }
}`;

/** This app's webhook subscriptions. */
export const WEBHOOK_SUBSCRIPTIONS_QUERY = /* GraphQL */ `query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id topic uri }
  }
}`;

/** Creates one webhook subscription (`uri`, not the deprecated `callbackUrl`). */
export const WEBHOOK_CREATE_MUTATION = /* GraphQL */ `mutation WebhookCreate($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}`;

/** How many products a shop has (Shopify caps the count at 10,000 with precision AT_LEAST). */
export const PRODUCTS_COUNT_QUERY = /* GraphQL */ `query ProductsCount {
  productsCount { count precision }
}`;

/**
 * The bulk export of the catalog (contract §5.4): the paginated query's fields, with media and variants as nested
 * connections that Shopify writes as separate JSONL lines carrying `__parentId`. With `filter` (search syntax,
 * contract §5.2, e.g. `updated_at:>'…'`), only the matching products: the top-level connection of a bulk query takes
 * the same arguments as the paginated one (`first` and cursors are ignored).
 */
export function bulkProductsQuery(filter?: string): string {
  const args = filter ? `(query: ${JSON.stringify(filter)})` : '';
  return /* GraphQL */ `{
  products${args} {
    edges {
      node {
        id title handle status description descriptionHtml vendor productType tags createdAt updatedAt publishedAt
        onlineStoreUrl totalInventory
        priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
        options(first: 3) { name values }
        media { edges { node { id preview { image { url altText } } } } }
        variants { edges { node { ${VARIANT_FIELDS} } } }
      }
    }
  }
}`;
}

/** The bulk export of the whole catalog. */
export const BULK_PRODUCTS_QUERY = bulkProductsQuery();

/** Every product id (the bulk poll's complete listing; no rate-limit points, one line per product). */
export const BULK_PRODUCT_IDS_QUERY = /* GraphQL */ `{
  products { edges { node { id } } }
}`;

/**
 * Variants updated since a time, with their product id, as a bulk query (the bulk poll's inventory path; see
 * `CHANGED_VARIANTS_QUERY`). `product` is a plain object, so it stays inline on the variant's line.
 */
export function bulkChangedVariantsQuery(since: string): string {
  return /* GraphQL */ `{
  productVariants(query: ${JSON.stringify(`updated_at:>'${since}'`)}) { edges { node { id product { id } } } }
}`;
}

/** Starts a bulk query; `groupObjects: false` is the fast, flat form. */
export const BULK_RUN_MUTATION = /* GraphQL */ `mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

/** Polls one bulk operation (works in every API version). */
export const BULK_OPERATION_QUERY = /* GraphQL */ `query BulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url partialDataUrl } }
}`;

/** Every document above, for schema validation. */
export const ALL_DOCUMENTS = {
  SHOP_QUERY,
  PRODUCTS_QUERY,
  PRODUCT_QUERY,
  PRODUCT_IDS_QUERY,
  CHANGED_VARIANTS_QUERY,
  PRODUCT_VARIANTS_QUERY,
  INVENTORY_ITEM_QUERY,
  WEBHOOK_SUBSCRIPTIONS_QUERY,
  WEBHOOK_CREATE_MUTATION,
  PRODUCTS_COUNT_QUERY,
  BULK_PRODUCTS_QUERY,
  BULK_CHANGED_PRODUCTS_QUERY: bulkProductsQuery("updated_at:>'2026-10-01T00:00:00.000Z'"),
  BULK_PRODUCT_IDS_QUERY,
  BULK_CHANGED_VARIANTS_QUERY: bulkChangedVariantsQuery('2026-10-01T00:00:00.000Z'),
  BULK_RUN_MUTATION,
  BULK_OPERATION_QUERY,
};
