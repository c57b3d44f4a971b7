import { BadRequestError, MethodNotAllowedError, PayloadTooLargeError, UnauthorizedError } from '../errors';
import { json } from '../http/responses';
import { pyRepr } from '../log';
import { parseJsonLossless } from '../json-lossless';
import type { ShopifyDeps } from './deps';
import { normalizeShop } from './shop-domain';
import { topicShapeMismatch } from './webhook-shape';
import { verifyShopifyWebhook } from './webhook-signature';
import { applyTopic } from './webhook-topics';

/** Shopify payloads are far smaller; DO caps requests at 1 MB anyway. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Shopify counts a delivery as failed after 5 s (contract §3.3); leave room for a cold start and the reply. */
export const WEBHOOK_BUDGET_MS = 3500;

/**
 * The `shopify/webhook` handler: verifies the HMAC over the raw bytes, dedupes on
 * `X-Shopify-Webhook-Id`, then applies the topic to the shop's snapshot.
 */
export async function handleShopifyWebhook(request: Request, deps: ShopifyDeps): Promise<Response> {
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['POST']);
  const deadline = deps.clock.now() + WEBHOOK_BUDGET_MS;
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError('Webhook body is larger than 1 MB.');
  const secrets = [deps.config.SHOPIFY_API_SECRET, deps.config.SHOPIFY_API_SECRET_PREVIOUS].filter((s): s is string =>
    Boolean(s),
  );
  const check = verifyShopifyWebhook(request.headers, body, secrets);
  if (!check.ok) {
    deps.log.warn(`Rejected Shopify webhook: ${check.reason}`);
    if (check.status === 401) throw new UnauthorizedError(check.reason, { code: 'invalid_hmac' });
    throw new BadRequestError(check.reason, { code: 'missing_webhook_fields' });
  }
  const topic = request.headers.get('x-shopify-topic')!;
  const shop = normalizeShop(request.headers.get('x-shopify-shop-domain'));
  if (!shop)
    throw new BadRequestError('X-Shopify-Shop-Domain is not a valid <name>.myshopify.com domain.', {
      code: 'invalid_shop',
    });
  // Any text the sender chose: it is hashed into keys, so a validly signed delivery is never refused for its shape.
  const webhookId = request.headers.get('x-shopify-webhook-id')!;
  let payload: unknown;
  try {
    payload = parseJsonLossless(Buffer.from(body).toString('utf8'));
  } catch {
    throw new BadRequestError('Webhook body is not valid JSON.', { code: 'invalid_json' });
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequestError('Webhook body must be a JSON object.', { code: 'invalid_json' });
  }
  deps.log.info(`Received ${topic} event from ${shop}: ${pyRepr(summary(payload as Record<string, unknown>))}`);
  const mismatch = topicShapeMismatch(topic, payload as Record<string, unknown>, shop);
  if (mismatch) {
    // Only the body is signed: a body that does not fit its topic or shop header is a replayed or forged delivery.
    deps.log.warn(`Refused ${topic} from ${shop}: ${mismatch} (a replayed or forged delivery; nothing was changed)`);
    throw new BadRequestError(
      `The signed body does not fit ${topic} for ${shop}: ${mismatch}. Send the body Shopify sent for this topic and shop.`,
      {
        code: 'topic_mismatch',
      },
    );
  }

  // Dedupe happens per topic (flush-schedule.ts, shop-redact.ts): a catalog delivery's claim is its pending record,
  // written in one request; shop-level topics keep a marker written once their action is done.
  const triggered = request.headers.get('x-shopify-triggered-at');
  const triggeredAt =
    triggered && !Number.isNaN(Date.parse(triggered)) ? new Date(Date.parse(triggered)).toISOString() : undefined;
  const context = { shop, webhookId, deadline, ...(triggeredAt ? { triggeredAt } : {}) };
  const outcome = await applyTopic(topic, payload as Record<string, unknown>, context, deps);
  if (outcome === 'duplicate') return json({ status: 'duplicate', webhook_id: webhookId });
  return json({ status: 'ok', topic, outcome });
}

function summary(payload: Record<string, unknown>): Record<string, unknown> {
  if (payload.product && typeof payload.product === 'object') return { product: payload.product };
  const out: Record<string, unknown> = {};
  for (const key of ['id', 'title', 'inventory_item_id', 'available', 'shop_domain'])
    if (key in payload) out[key] = payload[key];
  return out;
}
