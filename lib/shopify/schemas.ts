import * as z from 'zod/mini';

// zod/mini (tree-shakable): these schemas load with every Spaces function, where classic zod cost ~97 KB per bundle.
// Same validation as before; its issues carry no English text (no locale is loaded), and none is shown to a user.
const str = () => z.string();
const nullableStr = () => z.nullable(z.string());
const nullableInt = () => z.nullable(z.int());
/** A description for the generated JSON Schema (`npm run schemas`). */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description));
const optionalStrings = (description: string) => described(z.optional(z.record(z.string(), z.string())), description);

/** Money as Shopify sends it: a decimal string and a currency. */
export const MoneySchema = z.object({ amount: str(), currencyCode: str() });

/** An image a bot can show. */
export const ImageSchema = z.object({ url: str(), altText: nullableStr() });

/** A variant in the snapshot. */
export const VariantSchema = z.object({
  id: described(str(), 'Variant GID, e.g. gid://shopify/ProductVariant/123'),
  title: str(),
  sku: nullableStr(),
  barcode: nullableStr(),
  price: described(str(), 'Decimal string in the shop currency'),
  compareAtPrice: nullableStr(),
  inventoryQuantity: nullableInt(),
  availableForSale: z.boolean(),
  inventoryPolicy: nullableStr(),
  position: nullableInt(),
  selectedOptions: z.array(z.object({ name: str(), value: str() })),
  inventoryItemId: nullableStr(),
});

/** A product in the snapshot: what a sales bot needs to describe, price and link it. */
export const ProductNodeSchema = z.object({
  id: described(str(), 'Product GID; ids exceed 2^53, so always a string'),
  title: str(),
  description: str(),
  descriptionHtml: str(),
  handle: str(),
  status: described(str(), 'ACTIVE, ARCHIVED, DRAFT or UNLISTED: sell only ACTIVE'),
  vendor: str(),
  productType: str(),
  tags: z.array(str()),
  createdAt: nullableStr(),
  updatedAt: str(),
  publishedAt: nullableStr(),
  onlineStoreUrl: nullableStr(),
  totalInventory: nullableInt(),
  priceRange: z.nullable(z.object({ minVariantPrice: MoneySchema, maxVariantPrice: MoneySchema })),
  featuredImage: z.nullable(ImageSchema),
  images: z.array(ImageSchema),
  options: z.array(z.object({ name: str(), values: z.array(str()) })),
  variants: z.object({ edges: z.array(z.object({ node: VariantSchema })) }),
});

/** The bot's Shopify object at `users/<uuid>/shopify/shopify_data.json`, in the seed's shape plus `meta`. */
export const ShopifySnapshotSchema = z.object({
  data: z.object({
    shop: z.object({
      name: str(),
      primaryDomain: z.object({ url: str() }),
      myshopifyDomain: str(),
      currencyCode: nullableStr(),
      email: nullableStr(),
      description: nullableStr(),
    }),
    products: z.object({ edges: z.array(z.object({ node: ProductNodeSchema })) }),
  }),
  meta: z.object({
    shop: str(),
    syncedAt: described(str(), 'When the last full sync finished (ISO 8601)'),
    updatedAt: described(str(), 'When anything in this object last changed (ISO 8601)'),
    apiVersion: str(),
    productCount: z.int(),
    source: z.enum(['oauth', 'poll', 'webhook', 'manual']),
    tombstones: optionalStrings('Recently deleted product GIDs and when they were deleted'),
    webhookWrites: optionalStrings(
      'Product GIDs a webhook wrote since the last complete listing, and when we received them (our clock)',
    ),
    listingStartedAt: described(
      z.optional(str()),
      'When the listing of the last successful sync (full or incremental) started: the next poll reads from there',
    ),
    fullSyncStartedAt: described(
      z.optional(str()),
      'When the listing of the last full walk started (a full walk runs weekly)',
    ),
    fieldSet: described(
      z.optional(str()),
      'Version of the product field set this object was written with; a change forces a full walk',
    ),
    inventoryLevels: optionalStrings(
      'Inventory item GIDs and the updated_at of the last inventory level applied to each (older levels are dropped)',
    ),
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
  expiresAt: z.nullable(z.number()),
  refreshToken: z.nullable(z.string()),
  refreshExpiresAt: z.nullable(z.number()),
});
export type ShopifyToken = z.infer<typeof ShopifyTokenSchema>;

/** Token endpoint answers (offline, expiring or not). */
export const TokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  scope: z.string(),
  expires_in: z.optional(z.number()),
  refresh_token: z.optional(z.string()),
  refresh_token_expires_in: z.optional(z.number()),
});
