import { describe, expect, it } from 'vitest';
import {
  REQUIRED_WEBHOOK_HEADERS,
  signShopifyWebhook,
  verifyShopifyWebhook,
} from '../../../lib/shopify/webhook-signature';
import { signFacebookBody } from '../../../lib/facebook/webhook-signature';

const SECRET = 'test-shopify-secret-0123456789';
const PREVIOUS = 'previous-shopify-secret-9876543210';
// As Shopify sends it: `/` escaped, non-ASCII as \uXXXX, big ids unquoted.
const BODY = Buffer.from(
  '{"id":7986302271613,"title":"K\\u00e4se \\/ Caf\\u00e9","updated_at":"2026-11-20T06:00:00-05:00"}',
  'utf8',
);

/** Headers of a real delivery signed with `secret` over `body`; `overrides` replace, or (undefined) drop, headers. */
function shopifyWebhookHeaders(
  body: Uint8Array,
  secret = SECRET,
  overrides: Record<string, string | undefined> = {},
): Headers {
  const all: Record<string, string | undefined> = {
    'X-Shopify-Hmac-Sha256': signShopifyWebhook(body, secret),
    'X-Shopify-Topic': 'products/update',
    'X-Shopify-Shop-Domain': 'acme-store.myshopify.com',
    'X-Shopify-API-Version': '2026-07',
    'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    ...overrides,
  };
  const headers = new Headers();
  for (const [name, value] of Object.entries(all)) if (value !== undefined) headers.set(name, value);
  return headers;
}

describe('signShopifyWebhook', () => {
  it('matches an HMAC computed independently (openssl dgst -sha256 -hmac secret -binary | base64)', () => {
    expect(signShopifyWebhook('{}', 'secret')).toBe('dzJZAsrKgS3CWXM6rNBGtzgXNyx3e42VtAJkdHRRbhM=');
    expect(signShopifyWebhook(Buffer.from('{"id":1}'), 'secret')).toBe('A971iWIMgT8Zj9A9eWfikrFj7wQ16/Qwcc4OlRl2PLc=');
  });
});

describe('verifyShopifyWebhook', () => {
  it('accepts the exact raw bytes Shopify signed', () => {
    // Prepare
    const headers = shopifyWebhookHeaders(BODY);

    // Act
    const check = verifyShopifyWebhook(headers, BODY, [SECRET]);

    // Assess
    expect(check).toEqual({ ok: true });
  });

  it('accepts a delivery signed with the previous secret during a rotation, and only then', () => {
    const headers = shopifyWebhookHeaders(BODY, PREVIOUS);
    expect(verifyShopifyWebhook(headers, BODY, [SECRET, PREVIOUS])).toEqual({ ok: true });
    expect(verifyShopifyWebhook(headers, BODY, [SECRET])).toMatchObject({ ok: false, status: 401 });
  });

  it('returns 401 when the HMAC does not match, saying what to check', () => {
    const check = verifyShopifyWebhook(shopifyWebhookHeaders(BODY, 'wrong-secret'), BODY, [SECRET]);
    expect(check).toMatchObject({ ok: false, status: 401 });
    expect(!check.ok && check.reason).toMatch(/SHOPIFY_API_SECRET.*re-encodes the body/);
  });

  it('rejects a body a proxy re-serialised (\\/ became /) with 401', () => {
    // Prepare
    const headers = shopifyWebhookHeaders(BODY);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8'))), 'utf8');

    // Act / Assess
    expect(reserialised.equals(BODY)).toBe(false);
    expect(verifyShopifyWebhook(headers, reserialised, [SECRET])).toMatchObject({ ok: false, status: 401 });
  });

  it('rejects one flipped byte of the body, and a body with a trailing newline', () => {
    const headers = shopifyWebhookHeaders(BODY);
    const flipped = Buffer.from(BODY);
    flipped[10] = flipped[10]! ^ 1;
    expect(verifyShopifyWebhook(headers, flipped, [SECRET])).toMatchObject({ ok: false, status: 401 });
    expect(verifyShopifyWebhook(headers, Buffer.concat([BODY, Buffer.from('\n')]), [SECRET])).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('returns 401 for a hex digest of the right HMAC (Shopify sends base64) and for a truncated one', () => {
    const hex = signFacebookBody(BODY, SECRET).slice('sha256='.length);
    const base64 = signShopifyWebhook(BODY, SECRET);
    for (const given of [hex, base64.slice(0, 20), `${base64}=`, base64.toLowerCase()]) {
      expect(
        verifyShopifyWebhook(shopifyWebhookHeaders(BODY, SECRET, { 'X-Shopify-Hmac-Sha256': given }), BODY, [SECRET]),
      ).toMatchObject({ ok: false, status: 401 });
    }
  });

  it('returns false when a Facebook-style signature of the same body is replayed as the webhook HMAC', () => {
    const replayed = shopifyWebhookHeaders(BODY, SECRET, { 'X-Shopify-Hmac-Sha256': signFacebookBody(BODY, SECRET) });
    expect(verifyShopifyWebhook(replayed, BODY, [SECRET]).ok).toBe(false);
  });

  it.each(REQUIRED_WEBHOOK_HEADERS)('returns 400 naming %s when it is missing', (name) => {
    // Prepare
    const headers = shopifyWebhookHeaders(BODY);
    headers.delete(name);

    // Act
    const check = verifyShopifyWebhook(headers, BODY, [SECRET]);

    // Assess
    expect(check).toMatchObject({ ok: false, status: 400 });
    expect(!check.ok && check.reason).toContain(`[${name}]`);
  });

  it('treats an empty header as missing and lists every missing header', () => {
    const headers = shopifyWebhookHeaders(BODY, SECRET, { 'X-Shopify-Hmac-Sha256': '', 'X-Shopify-Topic': undefined });
    const check = verifyShopifyWebhook(headers, BODY, [SECRET]);
    expect(check).toMatchObject({ ok: false, status: 400 });
    expect(!check.ok && check.reason).toContain('[x-shopify-hmac-sha256, x-shopify-topic]');
  });

  it('returns 400 for an empty body even when its signature is valid', () => {
    const empty = new Uint8Array(0);
    const check = verifyShopifyWebhook(shopifyWebhookHeaders(empty), empty, [SECRET]);
    expect(check).toMatchObject({ ok: false, status: 400 });
    expect(!check.ok && check.reason).toMatch(/empty/);
  });

  it('returns 401 when no secret is configured', () => {
    expect(verifyShopifyWebhook(shopifyWebhookHeaders(BODY), BODY, [])).toMatchObject({ ok: false, status: 401 });
  });
});
