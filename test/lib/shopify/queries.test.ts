import { describe, expect, it } from 'vitest';
import { validateAdminDocument } from '../../../lib/dev/emulators/shopify';
import { ALL_DOCUMENTS, PRODUCTS_QUERY } from '../../../lib/shopify/queries';

describe('GraphQL documents against Shopify\'s real Admin schema (2026-07)', () => {
  it.each(Object.entries(ALL_DOCUMENTS))('%s is valid', (_name, document) => {
    expect(validateAdminDocument(document).map((e) => e.message)).toEqual([]);
  });

  it('fails on a misspelled field', () => {
    const broken = PRODUCTS_QUERY.replace('onlineStoreUrl', 'onlineStoreURL');
    expect(validateAdminDocument(broken).length).toBeGreaterThan(0);
  });
});
