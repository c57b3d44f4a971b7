import type { AdminClient } from './admin-client';
import { MAX_QUERY_COST } from './admin-client';
import { PRODUCTS_QUERY, PRODUCT_QUERY, PRODUCT_VARIANTS_QUERY, SHOP_QUERY } from './queries';
import type { ProductNode, ShopInfo, Variant } from './schemas';

const VARIANTS_PER_PAGE = 10;
const FOLLOW_UP_VARIANTS = 250;
// Leave headroom under Shopify's 1000-point ceiling.
const TARGET_PAGE_COST = 900;

interface GqlImage {
  url: string;
  altText: string | null;
}
interface GqlVariant {
  id: string;
  title: string;
  sku: string | null;
  barcode: string | null;
  price: string;
  compareAtPrice: string | null;
  inventoryQuantity: number | null;
  availableForSale: boolean;
  inventoryPolicy: string | null;
  position: number | null;
  selectedOptions: Array<{ name: string; value: string }>;
  inventoryItem: { id: string } | null;
}
interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}
/** A product as the Products query returns it. */
export interface GqlProduct {
  id: string;
  title: string;
  handle: string;
  status: string;
  description: string | null;
  descriptionHtml: string | null;
  vendor: string | null;
  productType: string | null;
  tags: string[];
  createdAt: string | null;
  updatedAt: string;
  publishedAt: string | null;
  onlineStoreUrl: string | null;
  totalInventory: number | null;
  priceRangeV2: {
    minVariantPrice: { amount: string; currencyCode: string };
    maxVariantPrice: { amount: string; currencyCode: string };
  } | null;
  /** Not queried since field set products-v2 (the first image is the featured one); kept for older bulk files. */
  featuredMedia?: { preview: { image: GqlImage | null } | null } | null;
  media: { nodes: Array<{ preview: { image: GqlImage | null } | null }> } | null;
  options: Array<{ name: string; values: string[] }>;
  variants: Connection<GqlVariant>;
}

/** Maps an Admin API variant to the snapshot's shape. */
export function toVariant(v: GqlVariant): Variant {
  return {
    id: v.id,
    title: v.title,
    sku: v.sku ?? null,
    barcode: v.barcode ?? null,
    price: v.price,
    compareAtPrice: v.compareAtPrice ?? null,
    inventoryQuantity: v.inventoryQuantity ?? null,
    availableForSale: Boolean(v.availableForSale),
    inventoryPolicy: v.inventoryPolicy ?? null,
    position: v.position ?? null,
    selectedOptions: v.selectedOptions ?? [],
    inventoryItemId: v.inventoryItem?.id ?? null,
  };
}

/** Maps an Admin API product (with all its variants) to the snapshot's shape. */
export function toProductNode(p: GqlProduct, variants: GqlVariant[]): ProductNode {
  const images = (p.media?.nodes ?? []).map((m) => m.preview?.image).filter((i): i is GqlImage => Boolean(i));
  return {
    id: p.id,
    title: p.title,
    description: p.description ?? '',
    descriptionHtml: p.descriptionHtml ?? '',
    handle: p.handle,
    status: p.status,
    vendor: p.vendor ?? '',
    productType: p.productType ?? '',
    tags: p.tags ?? [],
    createdAt: p.createdAt ?? null,
    updatedAt: p.updatedAt,
    publishedAt: p.publishedAt ?? null,
    onlineStoreUrl: p.onlineStoreUrl ?? null,
    totalInventory: p.totalInventory ?? null,
    priceRange: p.priceRangeV2 ?? null,
    featuredImage: p.featuredMedia?.preview?.image ?? images[0] ?? null,
    images,
    options: p.options ?? [],
    variants: { edges: variants.map((v) => ({ node: toVariant(v) })) },
  };
}

/** Reads the shop's identity. */
export async function fetchShop(client: AdminClient): Promise<ShopInfo> {
  const { data } = await client.query<{
    shop: {
      name: string;
      email: string | null;
      myshopifyDomain: string;
      currencyCode: string | null;
      description: string | null;
      primaryDomain: { url: string };
    };
  }>(SHOP_QUERY);
  const s = data.shop;
  return {
    name: s.name,
    primaryDomain: { url: s.primaryDomain.url },
    myshopifyDomain: s.myshopifyDomain,
    currencyCode: s.currencyCode ?? null,
    email: s.email ?? null,
    description: s.description ?? null,
  };
}

async function remainingVariants(client: AdminClient, productId: string, after: string | null): Promise<GqlVariant[]> {
  const out: GqlVariant[] = [];
  let cursor = after;
  for (;;) {
    const { data } = await client.query<{ product: { variants: Connection<GqlVariant> } | null }>(
      PRODUCT_VARIANTS_QUERY,
      {
        id: productId,
        first: FOLLOW_UP_VARIANTS,
        after: cursor,
      },
    );
    if (!data.product) return out;
    out.push(...data.product.variants.nodes);
    if (!data.product.variants.pageInfo.hasNextPage) return out;
    cursor = data.product.variants.pageInfo.endCursor;
  }
}

/** Completes a product's variant list when it has more than one page of them. */
export async function completeProduct(client: AdminClient, p: GqlProduct): Promise<ProductNode> {
  const variants = [...p.variants.nodes];
  if (p.variants.pageInfo.hasNextPage)
    variants.push(...(await remainingVariants(client, p.id, p.variants.pageInfo.endCursor)));
  return toProductNode(p, variants);
}

/** Reads one product by GID (null when it no longer exists). */
export async function fetchProduct(client: AdminClient, id: string): Promise<ProductNode | null> {
  const { data } = await client.query<{ product: GqlProduct | null }>(PRODUCT_QUERY, {
    id,
    variants: FOLLOW_UP_VARIANTS,
  });
  return data.product ? completeProduct(client, data.product) : null;
}

/** Progress of a catalog walk. */
export interface CatalogPage {
  products: ProductNode[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * Walks the whole catalog page by page. The page size starts small and is then sized from the
 * requested cost Shopify reports, so every query stays under the 1000-point maximum.
 */
export async function* walkCatalog(
  client: AdminClient,
  options: { after?: string | null; query?: string } = {},
): AsyncGenerator<CatalogPage> {
  let after = options.after ?? null;
  let first = 10;
  for (;;) {
    const { data, cost } = await client.query<{ products: Connection<GqlProduct> }>(PRODUCTS_QUERY, {
      first,
      after,
      variants: VARIANTS_PER_PAGE,
      ...(options.query ? { query: options.query } : {}),
    });
    const products: ProductNode[] = [];
    for (const p of data.products.nodes) products.push(await completeProduct(client, p));
    const { hasNextPage, endCursor } = data.products.pageInfo;
    yield { products, hasNextPage, endCursor };
    if (!hasNextPage) return;
    after = endCursor;
    if (cost) {
      const perProduct = Math.max(1, (cost.requestedQueryCost - 2) / first);
      first = Math.max(1, Math.min(250, Math.floor((Math.min(TARGET_PAGE_COST, MAX_QUERY_COST) - 2) / perProduct)));
    }
  }
}
