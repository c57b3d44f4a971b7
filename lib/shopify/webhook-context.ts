import type { ShopifyDeps } from './deps';

/** What a delivery carries besides its body. */
export interface DeliveryContext {
  shop: string;
  /** `X-Shopify-Webhook-Id`, any text: it is hashed into keys. */
  webhookId: string;
  /** `X-Shopify-Triggered-At`, when valid. */
  triggeredAt?: string;
  /** Epoch ms by which the work must be done, inside Shopify's 5 s. */
  deadline: number;
}

/** Logs and returns the outcome of a delivery for a shop that is not connected. */
export function notConnected({ log }: ShopifyDeps, topic: string, shop: string): string {
  log.info(`Ignored ${topic} for ${shop}: the shop is not connected`);
  return 'shop not connected';
}
