import { gid, hash32, type IdSequence, isoSeconds, Prng } from './ids';
import type { InventoryItemRecord, ProductRecord, ProductStatus, ShopRecord, VariantRecord } from './records';

/** How a shop's catalog is generated. */
export interface CatalogOptions {
  /** Number of products (default 30). */
  products?: number;
  /** Variants per product (default 3). */
  variantsPerProduct?: number;
  /** When set, product 2 gets this many variants (e.g. 150 to exercise pagination past 100). */
  bigVariantProduct?: number;
  /** Shop display name (default derived from the domain). */
  name?: string;
}

/** Everything a generated catalog contains. */
export interface GeneratedCatalog {
  shop: ShopRecord;
  products: ProductRecord[];
  variants: VariantRecord[];
  items: InventoryItemRecord[];
}

const CATALOG_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);
/** A list of words or names written as one comma-separated line. */
const words = (list: string): string[] => list.split(', ');
const ADJECTIVES = words('Alpine, Aurora, Backcountry, Classic, Coastal, Glacier, Midnight, Powder, Summit, Timber');
const MATERIALS = words('Bamboo, Carbon, Cotton, Merino, Recycled, Wool, Maple, Canvas');
const NOUNS = words('Snowboard, Beanie, Jacket, Ski Wax, Gloves, Backpack, Goggles, Hoodie, Socks, Helmet');
const VENDORS = words('Snowboard Vendor, Quiet Mountain Co., Northwind Outfitters, Hydrogen Vendor');
const TAGS = words('winter, sale, new, bestseller, eco, gift, premium, accessory');
const SIZES = words('XS, S, M, L, XL, 2XL, 3XL, 142cm, 146cm, 150cm, 154cm, 158cm, 162cm, 166cm, 170cm');
const COLORS = [
  ...words('Black, White, Red, Blue, Green, Sunset, Forest, Ocean, Sand, Slate'),
  ...words('Teal, Plum, Rust, Olive, Navy, Cream, Charcoal, Coral, Mint, Lilac'),
];

/** Returns the shop display name used when none is given ("acme-store.myshopify.com" → "Acme Store"). */
export function defaultShopName(domain: string): string {
  return (domain.split('.')[0] ?? domain)
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** Builds the shop record for a domain. */
export function generateShop(domain: string, ids: IdSequence, name?: string): ShopRecord {
  const legacyId = ids.next();
  const created = isoSeconds(CATALOG_EPOCH - 86_400_000 * 30);
  return {
    __typename: 'Shop',
    id: gid('Shop', legacyId),
    legacyId,
    name: name ?? defaultShopName(domain),
    email: `owner@${domain}`,
    contactEmail: `support@${domain}`,
    myshopifyDomain: domain,
    url: `https://${domain}`,
    currencyCode: 'USD',
    ianaTimezone: 'America/New_York',
    description: 'Gear for people who like snow.',
    createdAt: created,
    updatedAt: created,
    planName: 'basic',
  };
}

/** Deterministically generates a shop and its catalog; the same domain and options always give the same data. */
export function generateCatalog(domain: string, ids: IdSequence, options: CatalogOptions = {}): GeneratedCatalog {
  const rng = new Prng(hash32(domain));
  const shop = generateShop(domain, ids, options.name);
  const out: GeneratedCatalog = { shop, products: [], variants: [], items: [] };
  const count = options.products ?? 30;
  for (let i = 1; i <= count; i++) {
    const variantCount =
      i === 2 && options.bigVariantProduct ? options.bigVariantProduct : (options.variantsPerProduct ?? 3);
    addProduct(out, ids, rng, i, variantCount);
  }
  return out;
}

function addProduct(out: GeneratedCatalog, ids: IdSequence, rng: Prng, index: number, variantCount: number): void {
  const legacyId = ids.next();
  const first = index === 1;
  const title = first
    ? 'The Complete Snowboard'
    : `${rng.pick(ADJECTIVES)} ${rng.pick(MATERIALS)} ${rng.pick(NOUNS)} ${index}`;
  const handle = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const status: ProductStatus = index % 11 === 0 ? 'ARCHIVED' : index % 7 === 0 ? 'DRAFT' : 'ACTIVE';
  // One minute apart, so even a 50,000-product catalog stays in the past.
  const createdMs = CATALOG_EPOCH + index * 60_000;
  const updatedMs = createdMs + rng.int(1, 90) * 86_400_000 + rng.int(0, 86_399) * 1000;
  const basePrice = first ? 699.95 : rng.int(5, 600) + 0.95;
  const description = first
    ? 'This PREMIUM snowboard is so SUPERDUPER awesome!'
    : `<p>A ${title.toLowerCase()} made for long days & cold nights.</p><ul><li>Ships in 2 days</li></ul>`;
  const product: ProductRecord = {
    __typename: 'Product',
    id: gid('Product', legacyId),
    legacyResourceId: legacyId,
    title,
    handle,
    status,
    vendor: first ? 'Snowboard Vendor' : rng.pick(VENDORS),
    productType: first ? 'snowboard' : (title.split(' ')[2] ?? 'gear').toLowerCase(),
    tags: [...new Set([rng.pick(TAGS), rng.pick(TAGS)])].sort(),
    descriptionHtml: description,
    createdAt: isoSeconds(createdMs),
    updatedAt: isoSeconds(updatedMs),
    publishedAt: status === 'ACTIVE' ? isoSeconds(createdMs + 60_000) : null,
    templateSuffix: null,
    isGiftCard: false,
    options: [],
    images: [],
    variantIds: [],
  };
  for (let k = 1; k <= (index % 3) + 1; k++) {
    const imageId = ids.next();
    product.images.push({
      id: gid('ProductImage', imageId),
      mediaId: gid('MediaImage', imageId),
      width: 1200,
      height: 1200,
      url: `https://cdn.shopify.com/s/files/1/0555/0001/files/${handle}-${k}.jpg?v=1736067600`,
      altText: k === 1 ? title : null,
    });
  }
  const combos = optionCombos(variantCount);
  product.options = combos.options;
  combos.rows.forEach((selected, n) => {
    const variantLegacy = ids.next();
    const itemLegacy = ids.next();
    const variantId = gid('ProductVariant', variantLegacy);
    const itemId = gid('InventoryItem', itemLegacy);
    const sku = `${handle.slice(0, 12).toUpperCase()}-${n + 1}`;
    const price = (basePrice + (n % 5) * 10).toFixed(2);
    out.variants.push({
      __typename: 'ProductVariant',
      id: variantId,
      legacyResourceId: variantLegacy,
      productId: product.id,
      inventoryItemId: itemId,
      title: selected.map((o) => o.value).join(' / '),
      sku,
      barcode: String(100_000_000_000 + rng.int(0, 899_999_999)),
      price,
      compareAtPrice: index % 3 === 0 ? (Number(price) * 1.2).toFixed(2) : null,
      inventoryQuantity: rng.next() < 0.15 ? 0 : rng.int(1, 50),
      inventoryPolicy: index % 5 === 0 ? 'CONTINUE' : 'DENY',
      position: n + 1,
      selectedOptions: selected,
      taxable: true,
      createdAt: product.createdAt,
      updatedAt: product.updatedAt,
    });
    out.items.push({
      __typename: 'InventoryItem',
      id: itemId,
      legacyResourceId: itemLegacy,
      variantId,
      sku,
      tracked: index % 13 !== 0,
      requiresShipping: true,
      createdAt: product.createdAt,
      updatedAt: product.updatedAt,
    });
    product.variantIds.push(variantId);
  });
  out.products.push(product);
}

/** Returns option definitions and the selected options of each of `n` variants. */
export function optionCombos(n: number): {
  options: ProductRecord['options'];
  rows: { name: string; value: string }[][];
} {
  if (n <= 1)
    return {
      options: [{ name: 'Title', values: ['Default Title'] }],
      rows: [[{ name: 'Title', value: 'Default Title' }]],
    };
  if (n <= SIZES.length) {
    const values = SIZES.slice(0, n);
    return { options: [{ name: 'Size', values }], rows: values.map((value) => [{ name: 'Size', value }]) };
  }
  const colorCount = Math.ceil(n / SIZES.length);
  const colors = Array.from({ length: colorCount }, (_, i) => COLORS[i] ?? `Color ${i + 1}`);
  const rows: { name: string; value: string }[][] = [];
  for (const size of SIZES)
    for (const color of colors)
      if (rows.length < n)
        rows.push([
          { name: 'Size', value: size },
          { name: 'Color', value: color },
        ]);
  const usedSizes = [...new Set(rows.map((r) => r[0]?.value ?? ''))];
  return {
    options: [
      { name: 'Size', values: usedSizes },
      { name: 'Color', values: colors },
    ],
    rows,
  };
}
