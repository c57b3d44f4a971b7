import type { ShopifyEmulator } from '../../lib/dev/emulators/shopify';

/** What a product looks like for comparing a stored catalog with the Admin API's: identity, version, text, variants. */
export interface ProductView {
  id: string;
  title: string;
  updatedAt: string;
  handle: string;
  variants: Array<{ id: string; price: string; inventoryQuantity: number | null }>;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The shop's catalog as the Admin API returns it (the emulator's records), sorted by id. */
export function adminView(emulator: ShopifyEmulator, shop: string): ProductView[] {
  return emulator
    .getProducts(shop)
    .map((p) => ({
      id: p.id,
      title: p.title,
      updatedAt: new Date(Date.parse(p.updatedAt)).toISOString(),
      handle: p.handle,
      variants: emulator
        .getVariants(shop, p.id)
        .map((v) => ({ id: v.id, price: v.price, inventoryQuantity: v.inventoryQuantity })),
    }))
    .sort(byId);
}

/** The same view of a stored `shopify_data.json`. */
export function storedView(snapshot: any): ProductView[] {
  return (snapshot?.data.products.edges ?? [])
    .map(({ node }: any) => ({
      id: node.id,
      title: node.title,
      updatedAt: new Date(Date.parse(node.updatedAt)).toISOString(),
      handle: node.handle,
      variants: node.variants.edges.map((v: any) => ({
        id: v.node.id,
        price: v.node.price,
        inventoryQuantity: v.node.inventoryQuantity,
      })),
    }))
    .sort(byId);
}
