import * as z from 'zod';

/** Money as Shopify sends it: a decimal string and a currency. */
export const MoneySchema = z.object({ amount: z.string(), currencyCode: z.string() });

/** An image a bot can show. */
export const ImageSchema = z.object({ url: z.string(), altText: z.string().nullable() });

/** A variant in the snapshot. */
export const VariantSchema = z.object({
  id: z.string().describe('Variant GID, e.g. gid://shopify/ProductVariant/123'),
  title: z.string(),
  sku: z.string().nullable(),
  barcode: z.string().nullable(),
  price: z.string().describe('Decimal string in the shop currency'),
  compareAtPrice: z.string().nullable(),
  inventoryQuantity: z.number().int().nullable(),
  availableForSale: z.boolean(),
  inventoryPolicy: z.string().nullable(),
  position: z.number().int().nullable(),
  selectedOptions: z.array(z.object({ name: z.string(), value: z.string() })),
  inventoryItemId: z.string().nullable(),
});

/** A product in the snapshot: what a sales bot needs to describe, price and link it. */
export const ProductNodeSchema = z.object({
  id: z.string().describe('Product GID; ids exceed 2^53, so always a string'),
  title: z.string(),
  description: z.string(),
  descriptionHtml: z.string(),
  handle: z.string(),
  status: z.string().describe('ACTIVE, ARCHIVED, DRAFT or UNLISTED: sell only ACTIVE'),
  vendor: z.string(),
  productType: z.string(),
  tags: z.array(z.string()),
  createdAt: z.string().nullable(),
  updatedAt: z.string(),
  publishedAt: z.string().nullable(),
  onlineStoreUrl: z.string().nullable(),
  totalInventory: z.number().int().nullable(),
  priceRange: z.object({ minVariantPrice: MoneySchema, maxVariantPrice: MoneySchema }).nullable(),
  featuredImage: ImageSchema.nullable(),
  images: z.array(ImageSchema),
  options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
  variants: z.object({ edges: z.array(z.object({ node: VariantSchema })) }),
});

/** The bot's Shopify object at `users/<uuid>/shopify/shopify_data.json`, in the seed's shape plus `meta`. */
export const ShopifySnapshotSchema = z.object({
  data: z.object({
    shop: z.object({
      name: z.string(),
      primaryDomain: z.object({ url: z.string() }),
      myshopifyDomain: z.string(),
      currencyCode: z.string().nullable(),
      email: z.string().nullable(),
      description: z.string().nullable(),
    }),
    products: z.object({ edges: z.array(z.object({ node: ProductNodeSchema })) }),
  }),
  meta: z.object({
    shop: z.string(),
    syncedAt: z.string().describe('When the last full sync finished (ISO 8601)'),
    updatedAt: z.string().describe('When anything in this object last changed (ISO 8601)'),
    apiVersion: z.string(),
    productCount: z.number().int(),
    source: z.enum(['oauth', 'poll', 'webhook', 'manual']),
    tombstones: z.record(z.string(), z.string()).optional().describe('Recently deleted product GIDs and when they were deleted'),
    webhookWrites: z
      .record(z.string(), z.string())
      .optional()
      .describe('Product GIDs a webhook wrote since the last complete listing, and when we received them (our clock)'),
    listingStartedAt: z
      .string()
      .optional()
      .describe('When the listing of the last successful sync (full or incremental) started: the next poll reads from there'),
    fullSyncStartedAt: z
      .string()
      .optional()
      .describe('When the listing of the last full walk started (a full walk runs weekly)'),
    fieldSet: z
      .string()
      .optional()
      .describe('Version of the product field set this object was written with; a change forces a full walk'),
    inventoryLevels: z
      .record(z.string(), z.string())
      .optional()
      .describe('Inventory item GIDs and the updated_at of the last inventory level applied to each (older levels are dropped)'),
  }),
});

/** Types inferred from the schemas. */
export type Variant = z.infer<typeof VariantSchema>;
export type ProductNode = z.infer<typeof ProductNodeSchema>;
export type ShopifySnapshot = z.infer<typeof ShopifySnapshotSchema>;
export type ShopInfo = ShopifySnapshot['data']['shop'];

/** The stored token pair of a shop (encrypted in the vault, never under `users/`). */
export const ShopifyTokenSchema = z.object({
  accessToken: z.string(),
  scope: z.string(),
  expiresAt: z.number().nullable(),
  refreshToken: z.string().nullable(),
  refreshExpiresAt: z.number().nullable(),
});
export type ShopifyToken = z.infer<typeof ShopifyTokenSchema>;

/** Token endpoint answers (offline, expiring or not). */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  scope: z.string(),
  expires_in: z.number().optional(),
  refresh_token: z.string().optional(),
  refresh_token_expires_in: z.number().optional(),
});
