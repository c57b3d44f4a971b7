import { ShopifyApiError } from '../errors';
import type { Logger } from '../log';
import type { AdminClient } from './admin-client';
import { WEBHOOK_CREATE_MUTATION, WEBHOOK_SUBSCRIPTIONS_QUERY } from './queries';

/** Topics the app subscribes to, as REST-style names and GraphQL enum values. */
export const WEBHOOK_TOPICS = [
  ['products/create', 'PRODUCTS_CREATE'],
  ['products/update', 'PRODUCTS_UPDATE'],
  ['products/delete', 'PRODUCTS_DELETE'],
  ['inventory_levels/update', 'INVENTORY_LEVELS_UPDATE'],
  ['app/uninstalled', 'APP_UNINSTALLED'],
] as const;

const ALREADY_TAKEN = 'Address for this topic has already been taken';

/** The webhook function's public URL. */
export const webhookUrl = (appUrl: string) => `${appUrl}/shopify/webhook`;

/**
 * Ensures one subscription per topic at our webhook URL, idempotently: lists what exists, creates
 * what is missing, and counts "already been taken" (a parallel run won) as success. Logs each topic
 * as the seed does: `Webhook registered for <shop>: products/update`.
 */
export async function ensureWebhooks(
  client: AdminClient,
  shop: string,
  appUrl: string,
  log: Logger,
): Promise<{ created: string[]; existing: string[] }> {
  const uri = webhookUrl(appUrl);
  const have = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const {
      data,
    }: {
      data: {
        webhookSubscriptions: {
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
          nodes: Array<{ topic: string; uri: string | null }>;
        };
      };
    } = await client.query(WEBHOOK_SUBSCRIPTIONS_QUERY, { after });
    for (const node of data.webhookSubscriptions.nodes) if (node.uri === uri) have.add(node.topic);
    if (!data.webhookSubscriptions.pageInfo.hasNextPage) break;
    after = data.webhookSubscriptions.pageInfo.endCursor;
  }
  const created: string[] = [];
  const existing: string[] = [];
  for (const [name, topic] of WEBHOOK_TOPICS) {
    if (have.has(topic)) {
      existing.push(name);
      log.info(`Webhook registered for ${shop}: ${name}`);
      continue;
    }
    const { data } = await client.query<{
      webhookSubscriptionCreate: { userErrors: Array<{ message: string }> };
    }>(WEBHOOK_CREATE_MUTATION, { topic, uri });
    const errors = data.webhookSubscriptionCreate.userErrors;
    if (errors.length > 0 && !errors.every((e) => e.message.includes(ALREADY_TAKEN))) {
      const reasons = errors.map((e) => e.message).join('; ');
      throw new ShopifyApiError(`Shopify refused the ${name} webhook for ${shop}: ${reasons}`, {
        code: 'shopify_webhook_refused',
      });
    }
    (errors.length > 0 ? existing : created).push(name);
    log.info(`Webhook registered for ${shop}: ${name}`);
  }
  return { created, existing };
}
