/** Product lifecycle states of the Admin API `ProductStatus` enum. */
export type ProductStatus = 'ACTIVE' | 'ARCHIVED' | 'DRAFT' | 'UNLISTED';

/** One product image / media image. */
export interface ImageRecord {
  /** `gid://shopify/ProductImage/<n>`. */
  id: string;
  /** `gid://shopify/MediaImage/<n>`. */
  mediaId: string;
  url: string;
  altText: string | null;
  width: number;
  height: number;
}

/** A product as the emulator stores it; GraphQL fields not listed are computed by resolvers. */
export interface ProductRecord {
  __typename: 'Product';
  id: string;
  legacyResourceId: string;
  title: string;
  handle: string;
  status: ProductStatus;
  vendor: string;
  productType: string;
  tags: string[];
  descriptionHtml: string;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  templateSuffix: string | null;
  isGiftCard: boolean;
  options: { name: string; values: string[] }[];
  images: ImageRecord[];
  /** Variant GIDs in position order. */
  variantIds: string[];
}

/** A product variant as stored. */
export interface VariantRecord {
  __typename: 'ProductVariant';
  id: string;
  legacyResourceId: string;
  productId: string;
  inventoryItemId: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  compareAtPrice: string | null;
  inventoryQuantity: number;
  inventoryPolicy: 'DENY' | 'CONTINUE';
  position: number;
  selectedOptions: { name: string; value: string }[];
  taxable: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An inventory item (one per variant). */
export interface InventoryItemRecord {
  __typename: 'InventoryItem';
  id: string;
  legacyResourceId: string;
  variantId: string;
  sku: string | null;
  tracked: boolean;
  requiresShipping: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The shop object behind `shop { … }` and the `app/uninstalled` payload. */
export interface ShopRecord {
  __typename: 'Shop';
  id: string;
  legacyId: string;
  name: string;
  email: string;
  contactEmail: string;
  myshopifyDomain: string;
  url: string;
  currencyCode: string;
  ianaTimezone: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
  planName: string;
}

/** An API-created webhook subscription. */
export interface WebhookSubscriptionRecord {
  __typename: 'WebhookSubscription';
  id: string;
  legacyResourceId: string;
  topic: string;
  uri: string;
  format: 'JSON' | 'XML';
  includeFields: string[];
  metafieldNamespaces: string[];
  filter: string | null;
  name: string | null;
  apiVersion: string;
  createdAt: string;
  updatedAt: string;
  /** Consecutive failed deliveries; the subscription is removed at 8. */
  failures: number;
}

/** `BulkOperationStatus` values. */
export type BulkOperationStatus = 'CANCELED' | 'CANCELING' | 'COMPLETED' | 'CREATED' | 'EXPIRED' | 'FAILED' | 'RUNNING';

/** A bulk query operation. */
export interface BulkOperationRecord {
  __typename: 'BulkOperation';
  id: string;
  status: BulkOperationStatus;
  type: 'QUERY' | 'MUTATION';
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  query: string;
}
