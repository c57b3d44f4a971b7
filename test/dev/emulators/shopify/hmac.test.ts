import { describe, expect, it } from 'vitest';
import {
  queryHmacMessage,
  signQuery,
  signWebhookBody,
  verifyQueryHmac,
  verifyWebhookHmac,
} from '../../../../lib/dev/emulators/shopify/hmac';

describe('query HMAC (contract §2.3)', () => {
  it('reproduces the docs test vector', () => {
    // Prepare
    const params = {
      code: '0907a61c0c8d55e99db179b68161bc00',
      shop: 'some-shop.myshopify.com',
      state: '0.6784241404160823',
      timestamp: '1337178173',
    };

    // Act
    const message = queryHmacMessage({ ...params, hmac: 'ignored' });

    // Assess
    expect(message).toBe(
      'code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173',
    );
    expect(signQuery(params, 'hush')).toBe('700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf');
  });

  it('sorts keys, writes spaces as %20 and arrays as key[]', () => {
    expect(queryHmacMessage({ z: 'a b', a: ['x', 'y'] })).toBe('a%5B%5D=x&a%5B%5D=y&z=a%20b');
  });

  it('accepts a fresh signature and rejects tampering or stale timestamps', () => {
    const nowMs = 1_800_000_000_000;
    const params = { shop: 'a.myshopify.com', timestamp: String(nowMs / 1000) };
    const hmac = signQuery(params, 's3cret');
    expect(verifyQueryHmac({ ...params, hmac }, 's3cret', { nowMs })).toEqual({ ok: true });
    expect(verifyQueryHmac({ ...params, shop: 'b.myshopify.com', hmac }, 's3cret', { nowMs })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyQueryHmac({ ...params, hmac }, 's3cret', { nowMs: nowMs + 91_000 })).toEqual({
      ok: false,
      reason: 'staleTimestamp',
    });
    expect(verifyQueryHmac(params, 's3cret', { nowMs })).toEqual({ ok: false, reason: 'missingHmac' });
  });

  it('signs webhook bytes as base64', () => {
    const body = Buffer.from('{"a":"b\\/c"}');
    expect(verifyWebhookHmac(body, signWebhookBody(body, 'k'), 'k')).toBe(true);
    expect(verifyWebhookHmac(body, signWebhookBody(body, 'other'), 'k')).toBe(false);
  });
});

describe('signQuery inputs', () => {
  it('signs a raw query string the same as its parsed, sorted form', () => {
    const vector =
      'state=0.6784241404160823&code=0907a61c0c8d55e99db179b68161bc00&timestamp=1337178173&shop=some-shop.myshopify.com';
    expect(signQuery(vector, 'hush')).toBe('700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf');
    expect(signQuery(new URLSearchParams(`?${vector}&hmac=x`), 'hush')).toBe(
      '700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf',
    );
  });
});
