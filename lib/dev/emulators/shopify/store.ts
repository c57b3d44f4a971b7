import { type CatalogOptions, generateCatalog } from './catalog';
import { compareIds, IdSequence, isoSeconds, parseGid } from './ids';
import type {
  BulkOperationRecord,
  InventoryItemRecord,
  ProductRecord,
  ShopRecord,
  VariantRecord,
  WebhookSubscriptionRecord,
} from './records';

/** Fields of a product a test may patch (variants are patched through their own records). */
export type ProductPatch = Partial<Omit<ProductRecord, '__typename' | 'id' | 'legacyResourceId' | 'variantIds'>>;

/** Any record reachable through `node(id:)`. */
export type NodeRecord =
  | ProductRecord
  | VariantRecord
  | InventoryItemRecord
  | ShopRecord
  | WebhookSubscriptionRecord
  | BulkOperationRecord;

/** In-memory state of one shop: catalog, webhook subscriptions and bulk operations. */
export class ShopStore {
  readonly ids: IdSequence;
  shop: ShopRecord;
  readonly products = new Map<string, ProductRecord>();
  readonly variants = new Map<string, VariantRecord>();
  readonly items = new Map<string, InventoryItemRecord>();
  readonly subscriptions = new Map<string, WebhookSubscriptionRecord>();
  readonly bulkOperations = new Map<string, BulkOperationRecord>();

  constructor(
    readonly domain: string,
    options: CatalogOptions = {},
  ) {
    this.ids = new IdSequence(domain);
    const catalog = generateCatalog(domain, this.ids, options);
    this.shop = catalog.shop;
    for (const p of catalog.products) this.products.set(p.id, p);
    for (const v of catalog.variants) this.variants.set(v.id, v);
    for (const i of catalog.items) this.items.set(i.id, i);
  }

  /** Products ordered by id. */
  productList(): ProductRecord[] {
    return [...this.products.values()].sort((a, b) => compareIds(a.legacyResourceId, b.legacyResourceId));
  }

  /** The variants of a product in position order. */
  variantsOf(product: ProductRecord): VariantRecord[] {
    return product.variantIds.map((id) => this.variants.get(id)).filter((v): v is VariantRecord => v !== undefined);
  }

  /** Looks up any record by GID, or null. */
  node(id: string): NodeRecord | null {
    const parsed = parseGid(id);
    if (!parsed) return null;
    switch (parsed.type) {
      case 'Product':
        return this.products.get(id) ?? null;
      case 'ProductVariant':
        return this.variants.get(id) ?? null;
      case 'InventoryItem':
        return this.items.get(id) ?? null;
      case 'WebhookSubscription':
        return this.subscriptions.get(id) ?? null;
      case 'BulkOperation':
        return this.bulkOperations.get(id) ?? null;
      case 'Shop':
        return this.shop.id === id ? this.shop : null;
      default:
        return null;
    }
  }

  /** Applies a patch to a product and bumps its `updatedAt` (unless the patch sets it). */
  updateProduct(id: string, patch: ProductPatch, nowMs: number): ProductRecord {
    const product = this.products.get(id);
    if (!product) throw new Error(`No product ${id} in ${this.domain}`);
    Object.assign(product, { updatedAt: isoSeconds(nowMs) }, patch);
    return product;
  }

  /** Removes a product with its variants and inventory items; returns whether it existed. */
  deleteProduct(id: string): boolean {
    const product = this.products.get(id);
    if (!product) return false;
    for (const variant of this.variantsOf(product)) {
      this.items.delete(variant.inventoryItemId);
      this.variants.delete(variant.id);
    }
    return this.products.delete(id);
  }

  /** Sets the available quantity of an inventory item (its variant's `inventoryQuantity`); product `updatedAt` is left alone, as on Shopify. */
  setInventory(itemId: string, quantity: number, nowMs: number): VariantRecord {
    const item = this.items.get(itemId);
    const variant = item && this.variants.get(item.variantId);
    if (!item || !variant) throw new Error(`No inventory item ${itemId} in ${this.domain}`);
    variant.inventoryQuantity = quantity;
    variant.updatedAt = isoSeconds(nowMs);
    item.updatedAt = variant.updatedAt;
    return variant;
  }
}

/** Multi-shop registry: shops are created with the default catalog on first use. */
export class ShopRegistry {
  private readonly shops = new Map<string, ShopStore>();

  /** Returns the shop, creating it with the default catalog if needed. */
  get(domain: string): ShopStore {
    let store = this.shops.get(domain);
    if (!store) {
      store = new ShopStore(domain);
      this.shops.set(domain, store);
    }
    return store;
  }

  /** Replaces a shop's catalog with a freshly generated one. */
  seed(domain: string, options: CatalogOptions): ShopStore {
    const store = new ShopStore(domain, options);
    // Re-seeding replaces the catalog only: subscriptions made through the API survive.
    for (const [id, sub] of this.shops.get(domain)?.subscriptions ?? []) store.subscriptions.set(id, sub);
    this.shops.set(domain, store);
    return store;
  }

  /** All shops created so far. */
  all(): ShopStore[] {
    return [...this.shops.values()];
  }
}
