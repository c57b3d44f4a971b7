import { forgetShopStatus } from '../account/status';
import { keys } from '../storage/keys';
import { getShopRecord, markShop, type ShopRecord } from './connection';
import type { ShopifyDeps } from './deps';
import { notConnected, type DeliveryContext } from './webhook-context';

/** `app/uninstalled`: deletes the shop's token and marks its connection disconnected (once per Webhook-Id). */
export function uninstallShop(deps: ShopifyDeps, ctx: DeliveryContext, topic: string): Promise<string> {
  const { log, store, clock } = deps;
  const { shop } = ctx;
  return once(deps, ctx, topic, async (record) => {
    await deps.vault.delete(keys.shopifyToken(shop));
    await markShop(store, shop, 'disconnected', 'The app was uninstalled from the shop.', clock.now());
    log.info(`App uninstalled from ${shop}: tokens deleted, connection marked disconnected`);
    return record ? 'disconnected' : 'shop not connected';
  });
}

/**
 * `shop/redact`: deletes everything stored for the shop (snapshot, pending updates, leases, flags, token, status
 * entry, registry record, dedupe markers), in an order that lets Shopify's retry finish a failed redaction.
 */
export function redactShop(deps: ShopifyDeps, ctx: DeliveryContext, topic: string): Promise<string> {
  const { log, store, clock } = deps;
  const { shop } = ctx;
  return once(deps, ctx, topic, async (record) => {
    if (!record) return notConnected(deps, topic, shop);
    await store.deletePrefix(keys.userShopifyPrefix(record.uuid));
    await store.deletePrefix(keys.pendingShopifyPrefix(shop));
    await store.deletePrefix(keys.shopifyFlushLeasePrefix(record.uuid));
    await store.deletePrefix(keys.shopifyFlushFlagPrefix(shop));
    await deps.vault.delete(keys.shopifyToken(shop));
    await forgetShopStatus(store, record.uuid, shop, clock);
    // Last but one, so a failed redaction can still find the user on Shopify's retry; the markers go with it.
    await store.delete(keys.shopRecord(shop));
    await store.deletePrefix(keys.shopifyWebhookMarkerPrefix(shop));
    log.info(`shop/redact for ${shop}: deleted its snapshot, pending updates, tokens, status and records`);
    return 'redacted';
  });
}

/**
 * Runs a shop-level topic at most once per Webhook-Id, as far as it finished: the marker is written after the action,
 * so an invocation killed midway leaves none and Shopify's retry runs the action again. These actions are idempotent,
 * so two concurrent copies of one delivery are harmless. The marker's age is its LastModified.
 */
async function once(
  deps: ShopifyDeps,
  ctx: DeliveryContext,
  topic: string,
  action: (record: ShopRecord | null) => Promise<string>,
): Promise<string> {
  const marker = keys.shopifyWebhookMarker(ctx.shop, ctx.webhookId);
  const [seen, record] = await Promise.all([deps.store.exists(marker), getShopRecord(deps.store, ctx.shop)]);
  if (seen) {
    deps.log.info(`Duplicate ${topic} delivery ${ctx.webhookId} from ${ctx.shop}: already processed`);
    return 'duplicate';
  }
  const outcome = await action(record);
  if (outcome !== 'redacted')
    await deps.store.putJson(marker, { topic, processedAt: new Date(deps.clock.now()).toISOString() });
  return outcome;
}
