import { recordSyncOutcome, type ShopStatus } from '../account/status';
import { ShopifyApiError, UnauthorizedError } from '../errors';
import { getShopRecord, markShop } from '../shopify/connection';
import { failureMessage, syncShop } from '../shopify/sync';
import { ensureWebhooks } from '../shopify/webhook-subscriptions';
import type { PollDeps } from './deps';
import type { MerchantResult } from './merchant-result';

const isAuthFailure = (err: unknown) =>
  (err instanceof ShopifyApiError && err.code === 'shopify_unauthorized') || err instanceof UnauthorizedError;

/**
 * Polls one shop: skips shops that are not connected, syncs the whole catalog (paginated, or bulk
 * past `SHOPIFY_BULK_THRESHOLD`), re-creates webhook subscriptions Shopify deleted, and records the
 * outcome in the merchant's status record. A revoked token marks the shop `reauth_required`; it
 * never throws for one shop's failure.
 */
export async function pollShop(
  shop: string,
  deps: PollDeps,
  source: 'poll' | 'manual' = 'poll',
  onProgress?: (count: number) => void,
  full = false,
): Promise<MerchantResult> {
  const { store, clock, log } = deps;
  const record = await getShopRecord(store, shop);
  if (!record) return { kind: 'shop', id: shop, status: 'skipped', message: `${shop} is not in the registry` };
  const entry = (status: MerchantResult['status'], extra: Partial<ShopStatus> = {}): ShopStatus => ({
    shop,
    state: status === 'reauth_required' ? 'reauth_required' : record.state,
    lastSyncAt: new Date(clock.now()).toISOString(),
    lastResult: status,
    ...extra,
  });
  let result: MerchantResult;
  if (record.state !== 'connected') {
    const message = `${shop} is ${record.state}${record.reason ? ` (${record.reason})` : ''}: reconnect at /shopify/${shop.replace(/\.myshopify\.com$/, '')}/login.`;
    result = {
      kind: 'shop',
      id: shop,
      status: record.state === 'reauth_required' ? 'reauth_required' : 'skipped',
      message,
    };
  } else {
    const synced = await syncShop(shop, deps.shopify, {
      source,
      bulkThreshold: deps.settings.SHOPIFY_BULK_THRESHOLD,
      full,
      ...(onProgress ? { onPage: onProgress } : {}),
    });
    result = { kind: 'shop', id: shop, status: synced.status === 'incomplete' ? 'failed' : synced.status };
    if (synced.message) result.message = synced.message;
    if (synced.productCount !== undefined) result.productCount = synced.productCount;
    if (synced.mode) result.mode = synced.mode;
    if (synced.status === 'success') await resubscribe(shop, deps, result);
  }
  const extra: Partial<ShopStatus> = {};
  if (result.message) extra.message = result.message;
  if (result.productCount !== undefined) extra.productCount = result.productCount;
  if (result.mode) extra.mode = result.mode;
  try {
    await recordSyncOutcome(store, record.uuid, { kind: 'shop', value: entry(result.status, extra) }, clock);
  } catch (err) {
    log.warn(`Could not record the status of ${shop}: ${failureMessage(err)}`);
  }
  return result;
}

// Shopify deletes a subscription after repeated failed deliveries (contract §3.3): re-create it.
async function resubscribe(shop: string, deps: PollDeps, result: MerchantResult): Promise<void> {
  const { config, log, clock, store } = deps.shopify;
  try {
    const { created } = await ensureWebhooks(deps.shopify.adminClient(shop), shop, config.APP_URL, log);
    if (created.length > 0) {
      result.webhooksCreated = created;
      log.warn(`Re-created webhook subscriptions for ${shop}: ${created.join(', ')}`);
    }
  } catch (err) {
    if (isAuthFailure(err)) {
      await markShop(store, shop, 'reauth_required', failureMessage(err), clock.now());
      result.status = 'reauth_required';
    } else {
      result.status = 'failed';
    }
    result.message = `Webhook subscriptions: ${failureMessage(err)}`;
  }
}
