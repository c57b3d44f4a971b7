import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyEmulator } from '../../../../lib/dev/emulators/shopify';
import { INVENTORY_ITEM_QUERY } from '../../../../lib/shopify/queries';
import { SHOP, gql, install, startEmulator } from './helpers';

describe('InventoryItem.variants in the emulator (2026-07)', () => {
  let emulator: ShopifyEmulator;
  let token: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.seedShop(SHOP, { products: 3, variantsPerProduct: 2 });
    token = await install(emulator);
  });
  afterAll(async () => emulator?.close());

  it('resolves INVENTORY_ITEM_QUERY: variants as a connection holding the variant behind the item', async () => {
    // Prepare
    const product = emulator.getProducts(SHOP)[1]!;
    const variant = emulator.getVariants(SHOP, product.id)[1]!;
    emulator.setInventory(SHOP, variant.inventoryItemId, 17);

    // Act
    const { status, body } = await gql(emulator, token, INVENTORY_ITEM_QUERY, { id: variant.inventoryItemId });

    // Assess
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.inventoryItem).toEqual({
      id: variant.inventoryItemId,
      variants: {
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
        nodes: [{ id: variant.id, inventoryQuantity: 17, product: { id: product.id } }],
      },
    });
  });

  it('answers null for an unknown inventory item', async () => {
    const { body } = await gql(emulator, token, INVENTORY_ITEM_QUERY, { id: 'gid://shopify/InventoryItem/1' });
    expect(body.data.inventoryItem).toBeNull();
  });
});
