/**
 * Every GraphQL document the app sends to the Admin API. Tests validate each one against Shopify's
 * real Admin schema, so a misspelled field fails `npm test`.
 */

/** Shop identity for the snapshot. */
export const SHOP_QUERY = /* GraphQL */ `query Shop {
  shop { id name email myshopifyDomain url currencyCode ianaTimezone description primaryDomain { url host } }
}`;

const VARIANT_FIELDS = `id title sku barcode price compareAtPrice inventoryQuantity availableForSale inventoryPolicy position
      selectedOptions { name value } inventoryItem { id tracked }`;

const PRODUCT_FIELDS = `id legacyResourceId title handle status description descriptionHtml vendor productType tags createdAt updatedAt publishedAt
    onlineStoreUrl totalInventory tracksInventory hasOnlyDefaultVariant
    priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
    featuredMedia { preview { image { url altText } } }
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
 * The bulk export of the whole catalog (contract §5.4): the paginated query's fields, with media and
 * variants as nested connections that Shopify writes as separate JSONL lines carrying `__parentId`.
 */
export const BULK_PRODUCTS_QUERY = /* GraphQL */ `{
  products {
    edges {
      node {
        id legacyResourceId title handle status description descriptionHtml vendor productType tags createdAt updatedAt publishedAt
        onlineStoreUrl totalInventory tracksInventory hasOnlyDefaultVariant
        priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
        featuredMedia { preview { image { url altText } } }
        options(first: 3) { name values }
        media { edges { node { id preview { image { url altText } } } } }
        variants { edges { node { ${VARIANT_FIELDS} } } }
      }
    }
  }
}`;

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
  PRODUCT_VARIANTS_QUERY,
  INVENTORY_ITEM_QUERY,
  WEBHOOK_SUBSCRIPTIONS_QUERY,
  WEBHOOK_CREATE_MUTATION,
  PRODUCTS_COUNT_QUERY,
  BULK_PRODUCTS_QUERY,
  BULK_RUN_MUTATION,
  BULK_OPERATION_QUERY,
};
