import { describe, expect, it } from 'vitest';
import { queryHmacMessage, signQuery, verifyQueryHmac } from '../../../lib/shopify/query-hmac';
import { normalizeShop } from '../../../lib/shopify/shop-domain';

describe('Shopify query HMAC', () => {
  it('matches the documented test vector', () => {
    const message =
      'code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173';
    expect(signQuery(message, 'hush')).toBe('700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf');
  });

  it('sorts keys, drops hmac and encodes spaces as %20', () => {
    expect(queryHmacMessage('z=1&hmac=abc&a=some+code&m=x&m=y')).toBe('a=some%20code&m=x%2Cy&z=1');
  });

  it('accepts a fresh signed query and refuses tampering, missing hmac and stale timestamps', () => {
    const now = 1_800_000_000_000;
    const base = `code=abc&shop=acme.myshopify.com&state=n1&timestamp=${now / 1000}`;
    const signed = `${base}&hmac=${signQuery(base, 'secret')}`;
    expect(verifyQueryHmac(signed, { secret: 'secret', now })).toEqual({ ok: true });
    expect(verifyQueryHmac(signed.replace('code=abc', 'code=abd'), { secret: 'secret', now }).ok).toBe(false);
    expect(verifyQueryHmac(base, { secret: 'secret', now })).toMatchObject({
      reason: 'Query does not contain an HMAC value.',
    });
    expect(verifyQueryHmac(signed, { secret: 'secret', now: now + 91_000 })).toMatchObject({
      reason: 'HMAC timestamp is outside of the tolerance range',
    });
  });
});

describe('normalizeShop', () => {
  it.each([
    ['acme-7cu19ngr', 'acme-7cu19ngr.myshopify.com'],
    ['ACME-7cu19ngr.myshopify.com', 'acme-7cu19ngr.myshopify.com'],
    [' acme ', 'acme.myshopify.com'],
  ])('accepts %j', (input, expected) => expect(normalizeShop(input)).toBe(expected));

  it.each([
    'evil.com',
    'acme.myshopify.com.evil.com',
    'a/../b',
    '-acme',
    'acme_shop',
    'https://acme.myshopify.com',
    '',
  ])('rejects %j', (input) => expect(normalizeShop(input)).toBeNull());
});
