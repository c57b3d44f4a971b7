import { describe, expect, it } from 'vitest';
import { topicShapeMismatch } from '../../../lib/shopify/webhook-shape';

const SHOP = 'shape-shop.myshopify.com';
// Big ids arrive as decimal strings (lib/json-lossless.ts), as the handler passes them.
const product = {
  id: '9999999999999999999',
  admin_graphql_api_id: 'gid://shopify/Product/9999999999999999999',
  title: 'Board',
  updated_at: '2026-12-01T10:00:00-05:00',
  variants: [],
};
const shopRedact = { shop_id: 954889, shop_domain: SHOP };
const customersRedact = { ...shopRedact, customer: { id: 1 }, orders_to_redact: [1] };
const dataRequest = { ...shopRedact, customer: { id: 1 }, orders_requested: [1], data_request: { id: 9 } };
const uninstalled = { id: 548380009, name: 'Shape', myshopify_domain: SHOP, domain: 'shape.example' };
const level = {
  inventory_item_id: '271878346596884015',
  location_id: 1,
  available: 3,
  updated_at: '2026-12-01T10:00:00Z',
  admin_graphql_api_id: 'gid://shopify/InventoryLevel/24826418?inventory_item_id=271878346596884015',
};

describe('topicShapeMismatch', () => {
  it('accepts each topic with the body Shopify sends for it', () => {
    expect(topicShapeMismatch('products/update', product, SHOP)).toBeNull();
    expect(topicShapeMismatch('products/create', product, SHOP)).toBeNull();
    expect(topicShapeMismatch('products/delete', { id: '788032119674292922' }, SHOP)).toBeNull();
    expect(topicShapeMismatch('inventory_levels/update', level, SHOP)).toBeNull();
    expect(topicShapeMismatch('shop/redact', shopRedact, SHOP)).toBeNull();
    expect(topicShapeMismatch('customers/redact', customersRedact, SHOP)).toBeNull();
    expect(topicShapeMismatch('customers/data_request', dataRequest, SHOP)).toBeNull();
    expect(topicShapeMismatch('app/uninstalled', uninstalled, SHOP)).toBeNull();
    // The seed's connection test body is acknowledged (and ignored) as products/update.
    expect(topicShapeMismatch('products/update', { product: { id: 12345, title: 'Test Product' } }, SHOP)).toBeNull();
    expect(topicShapeMismatch('orders/create', { anything: true }, SHOP)).toBeNull();
  });

  it('refuses a product body resent under a destructive or compliance topic', () => {
    expect(topicShapeMismatch('shop/redact', product, SHOP)).toMatch(/no shop_domain/);
    expect(topicShapeMismatch('app/uninstalled', product, SHOP)).toMatch(/no myshopify_domain/);
    expect(topicShapeMismatch('customers/redact', product, SHOP)).toMatch(/no shop_domain/);
    expect(topicShapeMismatch('products/delete', product, SHOP)).toMatch(/only \{"id": …\}/);
    expect(topicShapeMismatch('inventory_levels/update', product, SHOP)).toMatch(/inventory_item_id/);
  });

  it('refuses compliance bodies under the wrong topic and bodies of another shop', () => {
    expect(topicShapeMismatch('shop/redact', customersRedact, SHOP)).toMatch(/customer, orders_to_redact/);
    expect(topicShapeMismatch('shop/redact', dataRequest, SHOP)).toMatch(/customers\/\* bodies/);
    expect(topicShapeMismatch('shop/redact', shopRedact, 'other.myshopify.com')).toMatch(
      /is not X-Shopify-Shop-Domain/,
    );
    expect(topicShapeMismatch('app/uninstalled', uninstalled, 'other.myshopify.com')).toMatch(
      /is not X-Shopify-Shop-Domain/,
    );
    expect(topicShapeMismatch('app/uninstalled', shopRedact, SHOP)).toMatch(/no myshopify_domain/);
    expect(topicShapeMismatch('customers/data_request', { shop_domain: SHOP }, SHOP)).toMatch(/no customer/);
  });

  it('refuses product and inventory bodies that name no item, or two different ones', () => {
    expect(topicShapeMismatch('products/update', { id: 5 }, SHOP)).toMatch(/no product admin_graphql_api_id/);
    expect(topicShapeMismatch('products/update', level, SHOP)).toMatch(/no product admin_graphql_api_id/);
    expect(topicShapeMismatch('products/delete', { id: 'abc' }, SHOP)).toMatch(/no numeric product id/);
    expect(topicShapeMismatch('products/delete', shopRedact, SHOP)).toMatch(/shop_id, shop_domain/);
    expect(topicShapeMismatch('inventory_levels/update', { ...level, inventory_item_id: 5 }, SHOP)).toMatch(
      /does not match/,
    );
    expect(
      topicShapeMismatch(
        'inventory_levels/update',
        { ...level, admin_graphql_api_id: product.admin_graphql_api_id },
        SHOP,
      ),
    ).toMatch(/not an InventoryLevel GID/);
  });
});
