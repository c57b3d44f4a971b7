import { GraphQLError } from 'graphql';
import { type ConnectionArgs, paginate, type SortKey, sortByKey } from './connection';
import type { Args, ExecContext, ResolverMap } from './exec-context';
import { gid, hash32 } from './ids';
import { compileProductQuery, compileVariantQuery } from './query-filter';
import type { ImageRecord, InventoryItemRecord, ProductRecord, VariantRecord } from './records';
import type { ShopStore } from './store';

/** Throws Shopify's ACCESS_DENIED unless the token holds `read_<resource>` or `write_<resource>` (an empty grant holds all). */
export function requireScope(ctx: ExecContext, field: string, resource: string): void {
  const granted = ctx.scope.split(',').filter(Boolean);
  if (granted.length === 0 || granted.includes(`read_${resource}`) || granted.includes(`write_${resource}`)) return;
  throw new GraphQLError(`Access denied for ${field} field. Required access: \`read_${resource}\` access scope.`, {
    extensions: {
      code: 'ACCESS_DENIED',
      documentation: 'https://shopify.dev/api/usage/access-scopes',
      requiredAccess: `\`read_${resource}\` access scope.`,
    },
  });
}

/** Largest input array Shopify accepts (`nodes(ids:)`). */
export const MAX_INPUT_SIZE = 250;

const SORT_VALUES: Record<string, (p: ProductRecord, store: ShopStore) => SortKey['value']> = {
  ID: () => null,
  RELEVANCE: () => null,
  CREATED_AT: (p) => p.createdAt,
  UPDATED_AT: (p) => p.updatedAt,
  PUBLISHED_AT: (p) => p.publishedAt,
  TITLE: (p) => p.title.toLowerCase(),
  VENDOR: (p) => p.vendor.toLowerCase(),
  PRODUCT_TYPE: (p) => p.productType.toLowerCase(),
  INVENTORY_TOTAL: (p, store) => totalInventory(store, p),
};

/** `products(first, after, last, before, query, sortKey, reverse)` over a shop's catalog. */
export function productsConnection(ctx: ExecContext, args: Args): unknown {
  const store = ctx.store;
  const value = SORT_VALUES[String(args.sortKey ?? 'ID')] ?? SORT_VALUES.ID;
  const keyOf = (p: ProductRecord): SortKey => ({ id: p.legacyResourceId, value: value ? value(p, store) : null });
  const predicate = compileProductQuery(args.query as string | null);
  const matching = store.productList().filter((p) => predicate(p, store.variantsOf(p)));
  const reverse = args.reverse === true;
  return paginate(sortByKey(matching, keyOf, reverse), args as ConnectionArgs, keyOf, { reverse, unbounded: ctx.bulk });
}

function totalInventory(store: ShopStore, p: ProductRecord): number {
  return store.variantsOf(p).reduce((sum, v) => sum + v.inventoryQuantity, 0);
}

function money(amount: string, ctx: ExecContext): object {
  return { amount, currencyCode: ctx.store.shop.currencyCode };
}

function image(img: ImageRecord): object {
  return {
    __typename: 'Image',
    id: img.id,
    url: img.url,
    src: img.url,
    originalSrc: img.url,
    transformedSrc: img.url,
    altText: img.altText,
    width: img.width,
    height: img.height,
  };
}

function mediaImage(img: ImageRecord): object {
  return {
    __typename: 'MediaImage',
    id: img.mediaId,
    alt: img.altText,
    mediaContentType: 'IMAGE',
    status: 'READY',
    fileStatus: 'READY',
    image: image(img),
    preview: { image: image(img), status: 'READY' },
    mediaErrors: [],
    mediaWarnings: [],
  };
}

function priceRange(p: ProductRecord, ctx: ExecContext): object {
  const prices = ctx.store.variantsOf(p).map((v) => Number(v.price));
  const min = prices.length ? Math.min(...prices) : 0;
  const max = prices.length ? Math.max(...prices) : 0;
  return { minVariantPrice: money(min.toFixed(2), ctx), maxVariantPrice: money(max.toFixed(2), ctx) };
}

function location(ctx: ExecContext): object {
  const id = String(hash32(`${ctx.store.domain}/location`));
  return {
    __typename: 'Location',
    id: gid('Location', id),
    legacyResourceId: id,
    name: 'Shop location',
    isActive: true,
    isPrimary: true,
  };
}

function inventoryLevel(item: InventoryItemRecord, ctx: ExecContext): object {
  const variant = ctx.store.variants.get(item.variantId);
  const loc = location(ctx) as { id: string };
  const locId = loc.id.split('/').pop() ?? '';
  const quantity = variant?.inventoryQuantity ?? 0;
  return {
    __typename: 'InventoryLevel',
    id: `gid://shopify/InventoryLevel/${locId}?inventory_item_id=${item.legacyResourceId}`,
    location: loc,
    isActive: true,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    quantities: (args: Args) =>
      ((args.names as string[] | undefined) ?? []).map((name) => ({
        id: `gid://shopify/InventoryQuantity/${locId}?inventory_item_id=${item.legacyResourceId}&name=${name}`,
        name,
        quantity: ['available', 'on_hand', 'committed'].includes(name) ? (name === 'committed' ? 0 : quantity) : 0,
        updatedAt: item.updatedAt,
      })),
  };
}

const byPosition = (v: VariantRecord): SortKey => ({ id: v.legacyResourceId, value: v.position });

/** Resolvers for the catalog: shop, products, variants, inventory items and `node`/`nodes`. */
export const catalogResolvers: ResolverMap = {
  'QueryRoot.shop': (_s, _a, ctx) => ctx.store.shop,
  'QueryRoot.products': (_s, args, ctx) => {
    requireScope(ctx, 'products', 'products');
    return productsConnection(ctx, args);
  },
  'QueryRoot.productsCount': (_s, args, ctx) => {
    const predicate = compileProductQuery(args.query as string | null);
    const count = ctx.store.productList().filter((p) => predicate(p, ctx.store.variantsOf(p))).length;
    return { count, precision: 'EXACT' };
  },
  'QueryRoot.product': (_s, args, ctx) => {
    requireScope(ctx, 'product', 'products');
    return ctx.store.products.get(String(args.id)) ?? null;
  },
  'QueryRoot.productVariant': (_s, args, ctx) => ctx.store.variants.get(String(args.id)) ?? null,
  'QueryRoot.productVariants': (_s, args, ctx) => {
    const predicate = compileVariantQuery(args.query as string | null);
    const matching = [...ctx.store.variants.values()].filter(predicate);
    const all = sortByKey(matching, (v) => ({ id: v.legacyResourceId, value: null }), args.reverse === true);
    return paginate(all, args as ConnectionArgs, (v) => ({ id: v.legacyResourceId, value: null }), {
      reverse: args.reverse === true,
      unbounded: ctx.bulk,
    });
  },
  'QueryRoot.inventoryItem': (_s, args, ctx) => {
    requireScope(ctx, 'inventoryItem', 'inventory');
    return ctx.store.items.get(String(args.id)) ?? null;
  },
  'QueryRoot.node': (_s, args, ctx) => ctx.store.node(String(args.id)),
  'QueryRoot.nodes': (_s, args, ctx) => {
    const ids = args.ids as string[];
    if (ids.length > MAX_INPUT_SIZE) {
      throw new GraphQLError(
        `The input array size of ${ids.length} is greater than the maximum allowed of ${MAX_INPUT_SIZE}.`,
        {
          extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' },
        },
      );
    }
    return ids.map((id) => ctx.store.node(id));
  },
  'Shop.primaryDomain': (s: { myshopifyDomain: string; url: string }) => ({
    __typename: 'Domain',
    id: gid('Domain', String(hash32(s.myshopifyDomain))),
    host: s.myshopifyDomain,
    url: s.url,
    sslEnabled: true,
  }),
  'Shop.plan': (s: { planName: string }) => ({
    displayName: 'Basic',
    publicDisplayName: 'Basic',
    partnerDevelopment: s.planName === 'partner_test',
    shopifyPlus: false,
  }),
  'Shop.products': (_s, args, ctx) => productsConnection(ctx, args),
  'Shop.shopPolicies': () => [],
  'Product.variants': (p: ProductRecord, args, ctx) => {
    const reverse = args.reverse === true;
    return paginate(sortByKey(ctx.store.variantsOf(p), byPosition, reverse), args as ConnectionArgs, byPosition, {
      reverse,
      unbounded: ctx.bulk,
    });
  },
  'Product.variantsCount': (p: ProductRecord) => ({ count: p.variantIds.length, precision: 'EXACT' }),
  'Product.totalVariants': (p: ProductRecord) => p.variantIds.length,
  'Product.totalInventory': (p: ProductRecord, _a, ctx) => totalInventory(ctx.store, p),
  'Product.tracksInventory': (p: ProductRecord, _a, ctx) =>
    ctx.store.variantsOf(p).some((v) => ctx.store.items.get(v.inventoryItemId)?.tracked === true),
  'Product.hasOnlyDefaultVariant': (p: ProductRecord) =>
    p.options.length === 1 && p.options[0]?.values[0] === 'Default Title',
  'Product.hasOutOfStockVariants': (p: ProductRecord, _a, ctx) =>
    ctx.store.variantsOf(p).some((v) => v.inventoryQuantity <= 0),
  'Product.priceRangeV2': (p: ProductRecord, _a, ctx) => priceRange(p, ctx),
  'Product.priceRange': (p: ProductRecord, _a, ctx) => priceRange(p, ctx),
  'Product.bodyHtml': (p: ProductRecord) => p.descriptionHtml,
  'Product.description': (p: ProductRecord, args) => {
    const text = p.descriptionHtml
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return typeof args.truncateAt === 'number' && text.length > args.truncateAt
      ? `${text.slice(0, args.truncateAt)}…`
      : text;
  },
  'Product.onlineStoreUrl': (p: ProductRecord, _a, ctx) =>
    p.status === 'ACTIVE' && p.publishedAt ? `${ctx.store.shop.url}/products/${p.handle}` : null,
  'Product.featuredMedia': (p: ProductRecord) => (p.images[0] ? mediaImage(p.images[0]) : null),
  'Product.featuredImage': (p: ProductRecord) => (p.images[0] ? image(p.images[0]) : null),
  'Product.media': (p: ProductRecord, args, ctx) => paginateImages(p, args, ctx, mediaImage),
  'Product.images': (p: ProductRecord, args, ctx) => paginateImages(p, args, ctx, image),
  'Product.options': (p: ProductRecord, args) =>
    p.options.slice(0, typeof args.first === 'number' ? args.first : undefined).map((o, i) => ({
      __typename: 'ProductOption',
      id: gid('ProductOption', `${p.legacyResourceId}${i + 1}`),
      name: o.name,
      position: i + 1,
      values: o.values,
      optionValues: o.values.map((name, k) => ({
        id: gid('ProductOptionValue', `${p.legacyResourceId}${i + 1}${k + 1}`),
        name,
        hasVariants: true,
      })),
    })),
  'Product.seo': () => ({ title: null, description: null }),
  'ProductVariant.product': (v: VariantRecord, _a, ctx) => ctx.store.products.get(v.productId) ?? {},
  'ProductVariant.inventoryItem': (v: VariantRecord, _a, ctx) => ctx.store.items.get(v.inventoryItemId) ?? {},
  'ProductVariant.displayName': (v: VariantRecord, _a, ctx) =>
    `${ctx.store.products.get(v.productId)?.title ?? ''} - ${v.title}`,
  'ProductVariant.sellableOnlineQuantity': (v: VariantRecord) => Math.max(0, v.inventoryQuantity),
  'ProductVariant.availableForSale': (v: VariantRecord, _a, ctx) => {
    const product = ctx.store.products.get(v.productId);
    const tracked = ctx.store.items.get(v.inventoryItemId)?.tracked ?? true;
    return product?.status === 'ACTIVE' && (v.inventoryQuantity > 0 || v.inventoryPolicy === 'CONTINUE' || !tracked);
  },
  'ProductVariant.selectedOptions': (v: VariantRecord) =>
    v.selectedOptions.map((o) => ({
      ...o,
      optionValue: {
        id: gid('ProductOptionValue', String(hash32(`${v.productId}/${o.name}/${o.value}`))),
        name: o.value,
        hasVariants: true,
      },
    })),
  'InventoryItem.variant': (i: InventoryItemRecord, _a, ctx) => ctx.store.variants.get(i.variantId) ?? {},
  'InventoryItem.variants': (i: InventoryItemRecord, args, ctx) => {
    const list = [ctx.store.variants.get(i.variantId)].filter((v): v is VariantRecord => v !== undefined);
    return paginate(list, args as ConnectionArgs, byPosition, { unbounded: ctx.bulk });
  },
  'InventoryItem.inventoryLevels': (i: InventoryItemRecord, args, ctx) =>
    paginate([inventoryLevel(i, ctx)], args as ConnectionArgs, () => ({ id: i.legacyResourceId, value: null }), {
      unbounded: ctx.bulk,
    }),
  'InventoryItem.inventoryLevel': (i: InventoryItemRecord, _a, ctx) => inventoryLevel(i, ctx),
};

function paginateImages(p: ProductRecord, args: Args, ctx: ExecContext, shape: (img: ImageRecord) => object): unknown {
  const keyOf = (img: ImageRecord): SortKey => ({ id: img.id.split('/').pop() ?? '0', value: null });
  const page = paginate(p.images, args as ConnectionArgs, keyOf, { unbounded: ctx.bulk });
  const nodes = page.nodes.map(shape);
  return { ...page, nodes, edges: page.edges.map((e, i) => ({ cursor: e.cursor, node: nodes[i] })) };
}
