import { AppError, ShopifyApiError, UnauthorizedError } from '../errors';
import { syncCatalogBulkIncremental } from './bulk-incremental';
import { countProducts, syncCatalogBulk } from './bulk-sync';
import { fetchShop, walkCatalog } from './catalog';
import { getShopRecord, markShop } from './connection';
import type { ShopifyDeps } from './deps';
import type { AdminClient } from './admin-client';
import type { ProductNode, ShopInfo, ShopifySnapshot } from './schemas';
import { updateSnapshot } from './snapshot';
import { readSnapshot } from './snapshot-io';
import { buildSnapshot } from './snapshot-merge';
import { fullWalkReason, mergeIncremental, readIncremental } from './sync-incremental';
import { listingMeta, mergeFullSync } from './sync-merge';
import { deletePartial, dropStalePartial, loadPartial, savePartial } from './sync-partial';

/** `{"status":"success"}` or `{"status":"failed","message":…}`, as in the seed's answers. */
export type StepStatus =
  | { status: 'success' }
  | { status: 'failed'; message: string }
  | { status: 'queued'; message: string; activation_id?: string };

/** How a catalog was read: a full paginated walk, a bulk operation, or only what changed since the last poll. */
export type SyncMode = 'paginated' | 'bulk' | 'incremental';

/** Outcome of syncing one shop. */
export interface ShopSyncResult {
  shop: string;
  status: 'success' | 'failed' | 'incomplete' | 'reauth_required';
  productCount?: number;
  message?: string;
  mode?: SyncMode;
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

/** Options of {@link syncShop}. */
export interface SyncShopOptions {
  source: 'oauth' | 'poll' | 'manual';
  deadline?: number;
  dryRun?: boolean;
  /** Progress: products read so far. */
  onPage?: (count: number) => void;
  /** Catalogs with at least this many products are read with a bulk operation (full syncs without `deadline` only). */
  bulkThreshold?: number;
  /** Walk the whole catalog even when an incremental poll would do (`npm run sync -- --full`). */
  full?: boolean;
  /** Continue from the partial object an interrupted full walk (the OAuth callback's) left, if it is usable. */
  resume?: boolean;
}

/** Time a bulk sync may take when the caller sets no deadline. */
const BULK_BUDGET_MS = 12 * 60_000;

/**
 * Fetches the shop and its whole catalog and merges it into `users/<uuid>/shopify/shopify_data.json`,
 * keeping anything a webhook wrote meanwhile. With `deadline`, stops before it and reports
 * `incomplete` (nothing written) so the caller can hand the work to an asynchronous worker.
 * `dryRun` fetches the shop and the first page only (the OAuth callback's polling test). With
 * `bulkThreshold`, a catalog at least that large is read with a bulk operation and stream-written.
 */
export async function syncShop(shop: string, deps: ShopifyDeps, options: SyncShopOptions): Promise<ShopSyncResult> {
  const { log, clock, store } = deps;
  const record = await getShopRecord(store, shop);
  if (!record)
    return { shop, status: 'failed', message: `${shop} is not connected: connect it at /shopify/<shop>/login.` };
  const startedAt = clock.now();
  const budget = options.deadline ? Math.max(1000, options.deadline - startedAt) : 600_000;
  const client = deps.adminClient(shop, budget);
  try {
    const shopInfo = await fetchShop(client);
    const mayBulk = options.bulkThreshold !== undefined && !options.dryRun && !options.deadline;
    const count = mayBulk ? await countProducts(client) : 0;
    if (mayBulk && count >= options.bulkThreshold!) {
      if (options.resume) await deletePartial(store, record.uuid);
      else await dropStalePartial(store, record.uuid, shop, startedAt);
      const input = {
        shop,
        uuid: record.uuid,
        client,
        shopInfo,
        syncStartedAt: startedAt,
        deadline: startedAt + BULK_BUDGET_MS,
        source: options.source,
        ...(options.onPage ? { onProgress: options.onPage } : {}),
      };
      // The install's background sync always walks; a poll reads only what changed when the snapshot allows it.
      const incremental = options.resume
        ? ({ kind: 'full', reason: 'install' } as const)
        : await syncCatalogBulkIncremental({ ...input, forced: options.full === true, productCount: count }, deps);
      if (incremental.kind === 'done') {
        log.info(`Polled data for shop ${shop}: Success`);
        const { changed, listed, followUps, bulkOperations, objects } = incremental;
        const what = `${changed} read, ${listed} listed, ${followUps} read one by one, ${bulkOperations} bulk operations`;
        log.info(`Polled and uploaded data for ${shop}: Success (incremental bulk: ${what}, ${objects} objects)`);
        return { shop, status: 'success', productCount: incremental.productCount, mode: 'incremental', shopInfo };
      }
      log.info(`Full catalog walk of ${shop}: ${incremental.reason}`);
      const bulk = await syncCatalogBulk(input, deps);
      log.info(`Polled data for shop ${shop}: Success`);
      log.info(`Polled and uploaded data for ${shop}: Success`);
      return { shop, status: 'success', productCount: bulk.productCount, mode: 'bulk', shopInfo };
    }
    if (!options.dryRun && !options.deadline && !options.resume) {
      const incremental = await syncIncremental(shop, record.uuid, client, shopInfo, startedAt, deps, options);
      if (incremental) return incremental;
    }
    // The background sync of an install continues the callback's walk instead of paying for its pages again.
    const partial = options.resume && !options.dryRun ? await loadPartial(store, record.uuid, shop, startedAt) : null;
    const listingStartedAt = partial?.listingStartedAt ?? startedAt;
    const products: ProductNode[] = partial ? [...partial.products] : [];
    if (partial) log.info(`Resuming the sync of ${shop} after ${products.length} products the callback read`);
    let firstPage: ProductNode[] | undefined;
    for await (const page of walkCatalog(client, partial ? { after: partial.cursor } : {})) {
      firstPage ??= page.products;
      products.push(...page.products);
      options.onPage?.(products.length);
      if (options.dryRun) break;
      if (page.hasNextPage && options.deadline && clock.now() > options.deadline) {
        const partialOf = { shop, cursor: page.endCursor ?? '', listingStartedAt, products };
        await savePartial(store, record.uuid, partialOf).catch((err: unknown) => {
          const why = failureMessage(err);
          log.warn(
            `Could not keep the ${products.length} products read so far for the background sync (${why}); it starts over`,
          );
        });
        return {
          shop,
          status: 'incomplete',
          productCount: products.length,
          firstPage,
          shopInfo,
          message: 'catalog too large for this invocation',
        };
      }
    }
    log.info(`Polled data for shop ${shop}: Success`);
    if (options.dryRun)
      return { shop, status: 'success', productCount: products.length, firstPage: firstPage ?? [], shopInfo };
    const synced = buildSnapshot(shop, shopInfo, products, {
      apiVersion: deps.config.SHOPIFY_API_VERSION,
      now: clock.now(),
      source: options.source,
    });
    const { snapshot } = await updateSnapshot(
      store,
      record.uuid,
      (current) => stamp(mergeFullSync(synced, current, listingStartedAt), listingStartedAt, true),
      clock,
    );
    if (options.resume) await deletePartial(store, record.uuid);
    log.info(`Polled and uploaded data for ${shop}: Success`);
    return {
      shop,
      status: 'success',
      productCount: snapshot?.meta.productCount ?? products.length,
      mode: 'paginated',
      firstPage: firstPage ?? [],
      shopInfo,
    };
  } catch (err) {
    if (isAuthFailure(err)) {
      await markShop(store, shop, 'reauth_required', failureMessage(err), clock.now(), record);
      log.warn(`Polled data for shop ${shop}: Failed (${failureMessage(err)})`);
      return { shop, status: 'reauth_required', message: failureMessage(err) };
    }
    log.error(`Polled data for shop ${shop}: Failed (${failureMessage(err)})`);
    return { shop, status: 'failed', message: failureMessage(err) };
  }
}

// Records the listing's start (the next incremental poll reads changes since then) and the field set.
function stamp(snapshot: ShopifySnapshot, listingStartedAt: number, full: boolean): ShopifySnapshot {
  return { ...snapshot, meta: { ...snapshot.meta, ...listingMeta(listingStartedAt, full, snapshot.meta) } };
}

/**
 * The daily poll of a shop whose stored snapshot is usable (see `fullWalkReason`): reads only what changed since the
 * last listing plus a complete id listing, and merges by the full sync's rules. Null when a full walk is due.
 */
async function syncIncremental(
  shop: string,
  uuid: string,
  client: AdminClient,
  shopInfo: ShopInfo,
  startedAt: number,
  deps: ShopifyDeps,
  options: SyncShopOptions,
): Promise<ShopSyncResult | null> {
  const { store, clock, log } = deps;
  const stored = (await readSnapshot(store, uuid))?.value ?? null;
  await dropStalePartial(store, uuid, shop, startedAt);
  const reason = fullWalkReason(stored, startedAt, options.full === true);
  if (reason || !stored) {
    log.info(`Full catalog walk of ${shop}: ${reason}`);
    return null;
  }
  const read = await readIncremental(client, stored);
  // Progress in catalog terms: every listed product is now current.
  options.onPage?.(read.listed.length);
  log.info(`Polled data for shop ${shop}: Success`);
  const base = { apiVersion: deps.config.SHOPIFY_API_VERSION, now: clock.now(), source: options.source };
  const meta = buildSnapshot(shop, shopInfo, [], base).meta;
  const merge = (current: ShopifySnapshot | null) => {
    if (!current) return null;
    const kept = { syncedAt: current.meta.syncedAt, fullSyncStartedAt: current.meta.fullSyncStartedAt };
    return stamp(mergeIncremental(read, current, shopInfo, startedAt, { ...meta, ...kept }), startedAt, false);
  };
  const { snapshot } = await updateSnapshot(store, uuid, merge, clock);
  log.info(
    `Polled and uploaded data for ${shop}: Success (incremental: ${read.count} read, ${read.listed.length} listed)`,
  );
  const productCount = snapshot?.meta.productCount ?? read.listed.length;
  return { shop, status: 'success', productCount, mode: 'incremental', shopInfo };
}
