import { NoDeprecatedCustomRule, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadAdminSchema, validateAdminDocument } from '../../../lib/dev/emulators/shopify';
import { ALL_DOCUMENTS, PRODUCTS_QUERY } from '../../../lib/shopify/queries';

describe("GraphQL documents against Shopify's real Admin schema (2026-07)", () => {
  it.each(Object.entries(ALL_DOCUMENTS))('%s is valid', (_name, document) => {
    expect(validateAdminDocument(document).map((e) => e.message)).toEqual([]);
  });

  it.each(Object.entries(ALL_DOCUMENTS))('%s uses no field or argument deprecated in 2026-07', (_name, document) => {
    expect(validate(loadAdminSchema(), parse(document), [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([]);
  });

  it('flags a deprecated field (InventoryItem.variant)', () => {
    const old = 'query { inventoryItem(id: "gid://shopify/InventoryItem/1") { variant { id } } }';
    expect(validate(loadAdminSchema(), parse(old), [NoDeprecatedCustomRule]).map((e) => e.message)).toEqual([
      'The field InventoryItem.variant is deprecated. Use `variants` instead.',
    ]);
  });

  it('fails on a misspelled field', () => {
    const broken = PRODUCTS_QUERY.replace('onlineStoreUrl', 'onlineStoreURL');
    expect(validateAdminDocument(broken).length).toBeGreaterThan(0);
  });
});
