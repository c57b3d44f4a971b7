import { randomUUID } from 'node:crypto';
import { signWebhookBody } from './hmac';
import { toShopifyJson } from './json';

/** Shopify finishes waiting for a webhook response after 5 s (contract §3.3). */
export const WEBHOOK_TIMEOUT_MS = 5000;
/** API version a delivery is serialised in when none is given. */
export const DEFAULT_WEBHOOK_VERSION = '2026-07';

/** One webhook delivery. */
export interface SendWebhookOptions {
  shop: string;
  /** Header form, e.g. `products/update`. */
  topic: string;
  /** Serialised with Shopify's escaping; use `bigint` for ids beyond 2^53. */
  payload?: unknown;
  /** Sent and signed byte for byte instead of `payload`. */
  rawBody?: Buffer;
  url: string;
  /** Signing secret (default: the app secret). */
  secret?: string;
  webhookId?: string;
  eventId?: string;
  apiVersion?: string;
  /** Header overrides; `null` removes a header (matched case-insensitively). */
  headers?: Record<string, string | null>;
  /** `X-Shopify-Triggered-At` (default now). */
  triggeredAt?: string;
}

/** Outcome of a delivery: status 0 means the request failed (refused, timed out). */
export interface WebhookDelivery {
  status: number;
  body: string;
  webhookId: string;
  eventId: string;
  /** The exact bytes sent. */
  rawBody: Buffer;
}

/** Serialises, signs and POSTs one webhook with every header of contract §3.1. */
export async function sendWebhook(
  options: SendWebhookOptions,
  appSecret: string,
  nowMs: number,
): Promise<WebhookDelivery> {
  const rawBody = options.rawBody ?? Buffer.from(toShopifyJson(options.payload ?? {}), 'utf8');
  const webhookId = options.webhookId ?? randomUUID();
  const eventId = options.eventId ?? randomUUID();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Shopify-Captain-Hook',
    'X-Shopify-Topic': options.topic,
    'X-Shopify-Hmac-Sha256': signWebhookBody(rawBody, options.secret ?? appSecret),
    'X-Shopify-Shop-Domain': options.shop,
    'X-Shopify-API-Version': options.apiVersion ?? DEFAULT_WEBHOOK_VERSION,
    'X-Shopify-Webhook-Id': webhookId,
    'X-Shopify-Triggered-At': options.triggeredAt ?? new Date(nowMs).toISOString(),
    'X-Shopify-Event-Id': eventId,
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    if (value !== null) headers[name] = value;
  }
  try {
    const res = await fetch(options.url, {
      method: 'POST',
      headers,
      body: new Uint8Array(rawBody),
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.text(), webhookId, eventId, rawBody };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error), webhookId, eventId, rawBody };
  }
}
