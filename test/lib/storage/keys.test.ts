import { describe, expect, it } from 'vitest';
import { keys } from '../../../lib/storage/keys';

const UUID = '550e8400-e29b-41d4-a716-446655440000';

describe('keys', () => {
  it("builds the seed's paths", () => {
    expect(keys.shopifySnapshot(UUID)).toBe(`users/${UUID}/shopify/shopify_data.json`);
    expect(keys.pageSnapshot(UUID, '101368371725791')).toBe(
      `users/${UUID}/facebook_messenger/101368371725791/page_data.json`,
    );
  });

  it('keeps tokens outside users/', () => {
    expect(keys.shopifyToken('acme.myshopify.com').startsWith('private/')).toBe(true);
    expect(keys.pageToken('101368371725791').startsWith('private/')).toBe(true);
  });

  it.each(['../etc', `${UUID}/..`, `${UUID}%2F..`, UUID.toUpperCase(), '', `${UUID}\n`])(
    'rejects the user id %j',
    (bad) => {
      expect(() => keys.shopifySnapshot(bad)).toThrow(/Invalid user id/);
    },
  );

  it.each(['12a', '../1', '1/2', '1%2F2', '', ' 1', '1e5'])('rejects the page id %j', (bad) => {
    expect(() => keys.pageSnapshot(UUID, bad)).toThrow(/Invalid page id/);
  });

  it.each([
    'evil.com',
    'a/../b.myshopify.com',
    'acme.myshopify.com.evil.com',
    'ACME.myshopify.com',
    'acme.myshopify.com/..',
  ])('rejects the shop %j', (bad) => {
    expect(() => keys.shopifyToken(bad)).toThrow(/Invalid shop/);
  });

  it('builds the shop redaction prefix and the probe key under their own folders', () => {
    expect(keys.userShopifyPrefix(UUID)).toBe(`users/${UUID}/shopify/`);
    expect(() => keys.userShopifyPrefix('../x')).toThrow(/Invalid user id/);
    expect(keys.conditionalWriteProbe(UUID).startsWith(keys.conditionalWriteProbePrefix())).toBe(true);
    expect(() => keys.conditionalWriteProbe('../x')).toThrow(/Invalid probe id/);
  });

  it('rejects webhook ids with path characters', () => {
    expect(() => keys.webhookSeen('shopify', 'acme.myshopify.com', '../x')).toThrow();
    expect(keys.webhookSeen('shopify', 'acme.myshopify.com', 'b54557e4-bdd9-4b37')).toBe(
      'private/webhooks/shopify/acme_myshopify_com/b54557e4-bdd9-4b37',
    );
  });
});
