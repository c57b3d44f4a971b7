import { AppError, ShopifyApiError, UnauthorizedError } from '../errors';
import { fetchShop, walkCatalog } from './catalog';
import { getShopRecord, markShop } from './connection';
import type { ShopifyDeps } from './deps';
import type { ProductNode, ShopInfo } from './schemas';
import { buildSnapshot, mergeFullSync, updateSnapshot } from './snapshot';

/** `{"status":"success"}` or `{"status":"failed","message":…}`, as in the seed's answers. */
export type StepStatus = { status: 'success' } | { status: 'failed'; message: string } | { status: 'queued'; message: string; activation_id?: string };

/** Outcome of syncing one shop. */
export interface ShopSyncResult {
  shop: string;
  status: 'success' | 'failed' | 'incomplete' | 'reauth_required';
  productCount?: number;
  message?: string;
  firstPage?: ProductNode[];
  shopInfo?: ShopInfo;
}

/** Turns any error into a message safe to show (no tokens, no stack). */
export function failureMessage(err: unknown): string {
  if (err instanceof AppError) return err.message;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const isAuthFailure = (err: unknown) =>
  (err instanceof ShopifyApiError && err.code === 'shopify_unauthorized') || err instanceof UnauthorizedError;

/**
 * Fetches the shop and its whole catalog and merges it into `users/<uuid>/shopify/shopify_data.json`,
 * keeping anything a webhook wrote meanwhile. With `deadline`, stops before it and reports
 * `incomplete` (nothing written) so the caller can hand the work to an asynchronous worker.
 * `dryRun` fetches the shop and the first page only (the OAuth callback's polling test).
 */
export async function syncShop(
  shop: string,
  deps: ShopifyDeps,
  options: { source: 'oauth' | 'poll' | 'manual'; deadline?: number; dryRun?: boolean; onPage?: (count: number) => void },
): Promise<ShopSyncResult> {
  const { log, clock, store } = deps;
  const record = await getShopRecord(store, shop);
  if (!record) return { shop, status: 'failed', message: `${shop} is not connected: connect it at /shopify/<shop>/login.` };
  const startedAt = clock.now();
  const budget = options.deadline ? Math.max(1000, options.deadline - startedAt) : 600_000;
  const client = deps.adminClient(shop, budget);
  try {
    const shopInfo = await fetchShop(client);
    const products: ProductNode[] = [];
    let firstPage: ProductNode[] | undefined;
    for await (const page of walkCatalog(client)) {
      firstPage ??= page.products;
      products.push(...page.products);
      options.onPage?.(products.length);
      if (options.dryRun) break;
      if (page.hasNextPage && options.deadline && clock.now() > options.deadline) {
        return { shop, status: 'incomplete', productCount: products.length, firstPage, shopInfo, message: 'catalog too large for this invocation' };
      }
    }
    log.info(`Polled data for shop ${shop}: Success`);
    if (options.dryRun) return { shop, status: 'success', productCount: products.length, firstPage: firstPage ?? [], shopInfo };
    const synced = buildSnapshot(shop, shopInfo, products, { apiVersion: deps.config.SHOPIFY_API_VERSION, now: clock.now(), source: options.source });
    const { snapshot } = await updateSnapshot(store, record.uuid, (current) => mergeFullSync(synced, current, startedAt), clock);
    log.info(`Polled and uploaded data for ${shop}: Success`);
    return { shop, status: 'success', productCount: snapshot?.meta.productCount ?? products.length, firstPage: firstPage ?? [], shopInfo };
  } catch (err) {
    if (isAuthFailure(err)) {
      await markShop(store, shop, 'reauth_required', failureMessage(err), clock.now());
      log.warn(`Polled data for shop ${shop}: Failed (${failureMessage(err)})`);
      return { shop, status: 'reauth_required', message: failureMessage(err) };
    }
    log.error(`Polled data for shop ${shop}: Failed (${failureMessage(err)})`);
    return { shop, status: 'failed', message: failureMessage(err) };
  }
}
