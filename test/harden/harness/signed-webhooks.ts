import fc from 'fast-check';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { RawRequest } from './http';
import { byteMutation, mutateBytes, mutateText, textMutation, type ByteMutation, type TextMutation } from './mutations';

/** A valid delivery and the oracle that says whether a changed copy still carries the same signed content. */
export interface SignedKind {
  fn: string;
  /** A fresh valid delivery (new webhook id each time). */
  valid(): RawRequest;
  /** Same signed bytes and an equivalent signature: only such a request may be accepted. */
  sameSignedContent(a: RawRequest, b: RawRequest): boolean;
}

/** What to change in a delivery: body bytes, the signature header, other headers. Empty means "send it as is" (the control). */
export interface WebhookPlan {
  body: ByteMutation[];
  signature: TextMutation | 'wrong-secret' | 'hex-instead' | 'sha1' | 'remove' | 'resign-original' | null;
  headers: Array<{ name: string; value: string | null }>;
}

const digest = (b: Buffer | undefined) =>
  createHash('sha256')
    .update(b ?? Buffer.alloc(0))
    .digest('hex');

/** A Shopify product delivery for a shop that is not connected (accepted deliveries only write their dedupe marker). */
export function shopifyWebhookKind(secret: string, shop = 'fuzz-unconnected.myshopify.com'): SignedKind {
  const body = Buffer.from(
    '{"id":632910392,"title":"Fuzz \\u00e9 board \\/ 1","admin_graphql_api_id":"gid:\\/\\/shopify\\/Product\\/632910392","updated_at":"2026-07-01T12:00:00-04:00","variants":[{"id":808950810,"price":"19.00","inventory_quantity":5}]}',
  );
  return {
    fn: 'shopify/webhook',
    valid: () => ({
      method: 'POST',
      path: '/shopify/webhook',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'products/update',
        'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
        'x-shopify-shop-domain': shop,
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-triggered-at': new Date().toISOString(),
      },
    }),
    sameSignedContent: (a, b) =>
      digest(a.body) === digest(b.body) &&
      (a.headers?.['x-shopify-hmac-sha256'] ?? '').trim() === (b.headers?.['x-shopify-hmac-sha256'] ?? '').trim(),
  };
}

/** A Meta Page notification for a Page that is not connected (nothing to write when accepted). */
export function facebookWebhookKind(secret: string): SignedKind {
  const body = Buffer.from(
    '{"object":"page","entry":[{"id":"999000111222","time":1782000000,"changes":[{"field":"name","value":"Caf\\u00e9 \\/ Fuzz"}]}]}',
  );
  const sign = (b: Buffer) => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;
  // Meta's hex digest and the `sha256=` prefix are case-insensitive; surrounding spaces are not part of a header value.
  const norm = (r: RawRequest) => (r.headers?.['x-hub-signature-256'] ?? '').trim().toLowerCase();
  return {
    fn: 'facebook/webhook',
    valid: () => ({
      method: 'POST',
      path: '/facebook/webhook',
      body,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': sign(body),
        'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
      },
    }),
    sameSignedContent: (a, b) => digest(a.body) === digest(b.body) && norm(a) === norm(b),
  };
}

/** Which header carries the signature for a kind. */
export const SIGNATURE_HEADER: Record<string, string> = {
  'shopify/webhook': 'x-shopify-hmac-sha256',
  'facebook/webhook': 'x-hub-signature-256',
};

const otherHeaders: Record<string, fc.Arbitrary<{ name: string; value: string | null }>> = {
  'shopify/webhook': fc.record({
    name: fc.constantFrom(
      'x-shopify-topic',
      'x-shopify-shop-domain',
      'x-shopify-webhook-id',
      'x-shopify-api-version',
      'content-type',
    ),
    value: fc.constantFrom(
      null,
      '',
      'shop/redact',
      'app/uninstalled',
      'products/delete',
      'evil.com',
      'other-shop.myshopify.com',
      '../../x',
      'a'.repeat(200),
      'text/plain',
      'application/octet-stream',
    ),
  }),
  'facebook/webhook': fc.record({
    name: fc.constantFrom('content-type', 'x-hub-signature', 'content-encoding'),
    value: fc.constantFrom(null, '', 'text/plain', 'application/octet-stream', 'gzip', 'sha1=0000'),
  }),
};

/** Plans for a webhook kind: mostly changes to signed content, some header-only changes, and a few untouched controls. */
export function webhookPlan(fn: string): fc.Arbitrary<WebhookPlan> {
  const signature = fc.oneof(
    { weight: 6, arbitrary: textMutation },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'wrong-secret' as const,
        'hex-instead' as const,
        'sha1' as const,
        'remove' as const,
        'resign-original' as const,
      ),
    },
  );
  const none = fc.constant<WebhookPlan['headers']>([]);
  const noBody = fc.constant<ByteMutation[]>([]);
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record<WebhookPlan>({
        body: fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
        signature: fc.constant(null),
        headers: none,
      }),
    },
    { weight: 5, arbitrary: fc.record<WebhookPlan>({ body: noBody, signature, headers: none }) },
    {
      weight: 2,
      arbitrary: fc.record<WebhookPlan>({
        body: fc.array(byteMutation, { maxLength: 2 }),
        signature: fc.option(signature, { nil: null }),
        headers: fc.array(otherHeaders[fn]!, { maxLength: 2 }),
      }),
    },
    { weight: 1, arbitrary: fc.record<WebhookPlan>({ body: noBody, signature: fc.constant(null), headers: none }) },
  );
}

/** Applies a plan to a valid delivery. `secret` is used only to build look-alike wrong signatures. */
export function applyWebhookPlan(fn: string, base: RawRequest, plan: WebhookPlan, secret: string): RawRequest {
  const sigHeader = SIGNATURE_HEADER[fn]!;
  let body = base.body ?? Buffer.alloc(0);
  for (const m of plan.body) body = mutateBytes(body, m);
  const headers: Record<string, string> = { ...base.headers };
  const original = headers[sigHeader] ?? '';
  const facebook = fn === 'facebook/webhook';
  const mac = (key: string, b: Buffer, enc: 'base64' | 'hex') => createHmac('sha256', key).update(b).digest(enc);
  if (plan.signature === 'remove') delete headers[sigHeader];
  else if (plan.signature === 'wrong-secret')
    headers[sigHeader] = facebook ? `sha256=${mac(`${secret}x`, body, 'hex')}` : mac(`${secret}x`, body, 'base64');
  else if (plan.signature === 'hex-instead')
    headers[sigHeader] = facebook ? `sha256=${mac(secret, body, 'base64')}` : mac(secret, body, 'hex');
  else if (plan.signature === 'sha1')
    headers[sigHeader] = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
  else if (plan.signature === 'resign-original') headers[sigHeader] = original;
  else if (plan.signature) headers[sigHeader] = mutateText(original, plan.signature);
  for (const h of plan.headers) {
    if (h.value === null) delete headers[h.name];
    else headers[h.name] = h.value;
  }
  return { ...base, headers, body };
}
