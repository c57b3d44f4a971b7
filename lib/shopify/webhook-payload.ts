import type { ProductNode, Variant } from './schemas';

/** A REST-style products/create|update payload (the fields we map). Big ids arrive as strings. */
export interface ProductPayload {
  admin_graphql_api_id?: string;
  title?: string;
  body_html?: string | null;
  handle?: string;
  status?: string;
  vendor?: string;
  product_type?: string;
  tags?: string;
  created_at?: string;
  updated_at?: string;
  published_at?: string | null;
  images?: Array<{ src?: string; alt?: string | null }>;
  image?: { src?: string; alt?: string | null } | null;
  options?: Array<{ name?: string; values?: string[] }>;
  variants?: Array<Record<string, unknown>>;
  variant_gids?: Array<{ admin_graphql_api_id?: string }>;
}

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;
const MAPPED_FIELDS = [
  'admin_graphql_api_id',
  'title',
  'body_html',
  'handle',
  'status',
  'vendor',
  'product_type',
  'tags',
  'created_at',
  'updated_at',
  'published_at',
  'images',
  'image',
  'options',
  'variants',
] as const;

/** Keeps only the fields {@link productFromPayload} maps, so a pending record stays small. */
export function trimProductPayload<P extends ProductPayload>(p: P): P {
  const out: Record<string, unknown> = {};
  for (const field of MAPPED_FIELDS) if (p[field] !== undefined) out[field] = p[field];
  return out as P;
}

/** Whether a payload names a product by its GID (the only id we key on). */
export function hasProductGid(p: ProductPayload): p is ProductPayload & { admin_graphql_api_id: string } {
  return typeof p.admin_graphql_api_id === 'string' && PRODUCT_GID.test(p.admin_graphql_api_id);
}

/**
 * Whether the payload lacks something the snapshot needs: Shopify includes full variants only for the
 * first 100 and lists the rest in `variant_gids`, and a subscription's `includeFields` may drop fields,
 * so such a product must be re-read from the Admin API.
 */
export function isIncomplete(p: ProductPayload): boolean {
  const full = p.variants?.length ?? 0;
  const listed = p.variant_gids?.length ?? 0;
  return (
    !p.updated_at || Number.isNaN(Date.parse(p.updated_at)) || !p.title || !Array.isArray(p.variants) || listed > full
  );
}

const stripHtml = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null =>
  typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : null;

function toVariant(v: Record<string, unknown>, optionNames: string[]): Variant {
  const selectedOptions = [v.option1, v.option2, v.option3]
    .map((value, i) =>
      value === null || value === undefined
        ? null
        : { name: optionNames[i] ?? `Option ${i + 1}`, value: String(value) },
    )
    .filter((o): o is { name: string; value: string } => o !== null);
  const quantity = num(v.inventory_quantity);
  return {
    id: String(v.admin_graphql_api_id),
    title: String(v.title ?? ''),
    sku: str(v.sku) || null,
    barcode: str(v.barcode) || null,
    price: String(v.price ?? '0.00'),
    compareAtPrice: str(v.compare_at_price),
    inventoryQuantity: quantity,
    availableForSale: v.inventory_policy === 'continue' || (quantity ?? 0) > 0,
    inventoryPolicy: v.inventory_policy ? String(v.inventory_policy).toUpperCase() : null,
    position: num(v.position),
    selectedOptions,
    inventoryItemId:
      v.inventory_item_id !== undefined && v.inventory_item_id !== null
        ? `gid://shopify/InventoryItem/${String(v.inventory_item_id)}`
        : null,
  };
}

/**
 * Maps a complete webhook payload into the snapshot's product shape. Fields the payload does not
 * carry (online store URL, currency) are taken from the stored copy when there is one.
 */
export function productFromPayload(
  p: ProductPayload & { admin_graphql_api_id: string },
  previous: ProductNode | undefined,
  currency: string,
): ProductNode {
  const optionNames = (p.options ?? []).map((o) => String(o.name ?? ''));
  const variants = (p.variants ?? [])
    .filter((v) => typeof v.admin_graphql_api_id === 'string')
    .map((v) => toVariant(v, optionNames));
  const prices = variants.map((v) => Number(v.price)).filter((n) => Number.isFinite(n));
  const money = (n: number) => ({
    amount: n.toFixed(2),
    currencyCode: previous?.priceRange?.minVariantPrice.currencyCode ?? currency,
  });
  const images = (p.images ?? []).filter((i) => i.src).map((i) => ({ url: String(i.src), altText: i.alt ?? null }));
  const quantities = variants.map((v) => v.inventoryQuantity).filter((q): q is number => q !== null);
  return {
    id: p.admin_graphql_api_id,
    title: String(p.title ?? ''),
    description: stripHtml(p.body_html ?? ''),
    descriptionHtml: p.body_html ?? '',
    handle: String(p.handle ?? ''),
    status: String(p.status ?? 'active').toUpperCase(),
    vendor: String(p.vendor ?? ''),
    productType: String(p.product_type ?? ''),
    tags: (p.tags ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    createdAt: p.created_at ?? previous?.createdAt ?? null,
    updatedAt: String(p.updated_at),
    publishedAt: p.published_at ?? null,
    onlineStoreUrl: p.published_at ? (previous?.onlineStoreUrl ?? null) : null,
    totalInventory: quantities.length ? quantities.reduce((a, b) => a + b, 0) : null,
    priceRange: prices.length
      ? { minVariantPrice: money(Math.min(...prices)), maxVariantPrice: money(Math.max(...prices)) }
      : null,
    featuredImage: p.image?.src ? { url: p.image.src, altText: p.image.alt ?? null } : (images[0] ?? null),
    images,
    options: (p.options ?? []).map((o) => ({ name: String(o.name ?? ''), values: (o.values ?? []).map(String) })),
    variants: { edges: variants.map((node) => ({ node })) },
  };
}
