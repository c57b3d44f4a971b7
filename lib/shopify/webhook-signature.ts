import { createHmac } from 'node:crypto';
import { safeCompare } from '../crypto/safe-compare';

/** Headers Shopify always sends with a webhook (names lower-case). */
export const REQUIRED_WEBHOOK_HEADERS = [
  'x-shopify-hmac-sha256',
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-api-version',
  'x-shopify-webhook-id',
] as const;

/** Base64 HMAC-SHA256 of the raw body, as Shopify signs webhooks. */
export function signShopifyWebhook(body: Uint8Array | string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/** Outcome of checking a webhook's signature. */
export type WebhookCheck =
  | { ok: true }
  | { ok: false; status: 400; reason: string }
  | { ok: false; status: 401; reason: string };

/**
 * Verifies `X-Shopify-Hmac-Sha256` over the exact raw bytes, accepting the previous secret during a
 * rotation. Missing headers or body → 400; a wrong signature → 401.
 */
export function verifyShopifyWebhook(headers: Headers, body: Uint8Array, secrets: readonly string[]): WebhookCheck {
  const missing = REQUIRED_WEBHOOK_HEADERS.filter((h) => !headers.get(h));
  if (missing.length > 0) {
    return {
      ok: false,
      status: 400,
      reason: `Missing one or more of the required HTTP headers to process webhooks: [${missing.join(', ')}]`,
    };
  }
  if (body.length === 0)
    return { ok: false, status: 400, reason: 'Webhook body is empty: Shopify always sends a JSON body.' };
  const given = headers.get('x-shopify-hmac-sha256')!;
  for (const secret of secrets) {
    if (safeCompare(signShopifyWebhook(body, secret), given)) return { ok: true };
  }
  return {
    ok: false,
    status: 401,
    reason:
      'Webhook HMAC does not match the raw body: check SHOPIFY_API_SECRET, and that nothing between Shopify and this function re-encodes the body.',
  };
}
