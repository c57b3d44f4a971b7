import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorCore } from './core';
import { type Payload, payloadFor } from './webhook-payloads';
import { sendWebhook } from './webhook-sender';
import { subscriptionsFor, toTopicHeader } from './webhook-subscriptions';

/** Consecutive failed deliveries after which an API-created subscription is deleted (contract §3.3). */
export const MAX_CONSECUTIVE_FAILURES = 8;

/** Retry policy for {@link fireWebhooks}: Shopify's 8 retries over 4 h, compressed for tests. */
export interface FireOptions {
  /** Retries after a failed attempt (default 0: one attempt per call). */
  retries?: number;
  /** First retry delay in ms, doubled each time and divided by the clock scale (default 100). */
  retryDelayMs?: number;
  /** Payload to send instead of the one built from the store. */
  payload?: Payload;
}

/** Result of delivering one event to one subscription. */
export interface SubscriptionDelivery {
  subscriptionId: string;
  uri: string;
  status: number;
  attempts: number;
  webhookId: string;
  /** True when this delivery's failure made Shopify delete the subscription. */
  removed: boolean;
}

/** Delivers an event to every API-created subscription of the topic, counting failures and deleting subscriptions at 8 in a row. */
export async function fireWebhooks(
  core: EmulatorCore,
  shop: string,
  topic: string,
  resourceId: string | undefined,
  options: FireOptions = {},
): Promise<SubscriptionDelivery[]> {
  const store = core.shops.get(shop);
  const header = toTopicHeader(topic);
  const payload = options.payload ?? payloadFor(store, header, resourceId);
  if (!payload) throw new Error(`Cannot build a ${header} payload for ${resourceId ?? '(no id)'} in ${shop}`);
  const eventId = randomUUID();
  const triggeredAt = new Date(core.now()).toISOString();
  return Promise.all(
    subscriptionsFor(store.subscriptions.values(), header).map(async (sub) => {
      const webhookId = randomUUID();
      const body = sub.includeFields.length
        ? Object.fromEntries(Object.entries(payload).filter(([k]) => sub.includeFields.includes(k)))
        : payload;
      let attempts = 0;
      let status = 0;
      for (;;) {
        attempts++;
        const delivery = await sendWebhook(
          {
            shop,
            topic: header,
            payload: body,
            url: sub.uri,
            webhookId,
            eventId,
            apiVersion: sub.apiVersion,
            triggeredAt,
            ...(sub.name ? { headers: { 'X-Shopify-Name': sub.name } } : {}),
          },
          core.apiSecret,
          core.now(),
        );
        status = delivery.status;
        if (status >= 200 && status < 300) {
          sub.failures = 0;
          break;
        }
        sub.failures++;
        if (sub.failures >= MAX_CONSECUTIVE_FAILURES) {
          store.subscriptions.delete(sub.id);
          return { subscriptionId: sub.id, uri: sub.uri, status, attempts, webhookId, removed: true };
        }
        if (attempts > (options.retries ?? 0)) break;
        await sleep(((options.retryDelayMs ?? 100) * 2 ** (attempts - 1)) / core.clockScale);
      }
      return { subscriptionId: sub.id, uri: sub.uri, status, attempts, webhookId, removed: false };
    }),
  );
}
