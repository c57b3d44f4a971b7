import * as z from 'zod';
import { BadRequestError, PreconditionFailedError, StorageError } from '../errors';
import { backoffMs } from '../http/clock';
import { assertUuid, keys } from '../storage/keys';
import type { ShopifyDeps } from './deps';
import { adminFlushChecks } from './flush-checks';
import { listPending, raiseFlag } from './pending-updates';
import { normalizeShop, SHOP_HELP } from './shop-domain';
import { updateSnapshot, type UpdateResult } from './snapshot';

/** The function a webhook delivery starts to fold pending records into the snapshot. */
export const FLUSH_FUNCTION = 'shopify/flush';
/** Work budget inside the flush function's 60 s timeout. */
export const FLUSH_BUDGET_MS = 45_000;
/** Records folded in per snapshot write; one write per burst instead of one per delivery. */
const FLUSH_BATCH = 500;
/** A job that runs out of time with records left starts a successor, at most this many times in a row. */
const MAX_GENERATIONS = 5;

const ParamsSchema = z.object({
  uuid: z.string(),
  shop: z.string(),
  flag: z.string().optional(),
  generation: z.number().int().min(0).max(MAX_GENERATIONS).optional(),
});

/** What a flush job did. */
export interface FlushJobResult {
  shop: string;
  applied: number;
  stale: number;
  /** Admin API reads the flush-time checks made (`flush-checks.ts`). */
  admin_reads: number;
  pending_left: number;
}

/**
 * The `shopify/flush` job: folds every pending record of the user into `shopify_data.json` (waiting for
 * the flush lease, retrying Spaces failures with backoff) and logs each delivery's line, for as long as
 * records keep coming: the flush flag that started it stays up meanwhile, so a burst runs one job, not one
 * per delivery. Records left when its budget ends go to a successor job.
 */
export async function runFlushJob(params: Record<string, unknown>, deps: ShopifyDeps): Promise<FlushJobResult> {
  const parsed = ParamsSchema.safeParse(params);
  if (!parsed.success) {
    throw new BadRequestError('shopify/flush needs {"uuid": "<user uuid>", "shop": "<name>.myshopify.com"}.', { code: 'invalid_params' });
  }
  const uuid = assertUuid(parsed.data.uuid);
  const shop = normalizeShop(parsed.data.shop);
  if (!shop) throw new BadRequestError(`"${parsed.data.shop.slice(0, 100)}" is not a Shopify shop. ${SHOP_HELP}`, { code: 'invalid_shop' });
  const { flag, generation = 0 } = parsed.data;
  if (flag !== undefined && !flag.startsWith(keys.shopifyFlushFlagPrefix(uuid))) {
    throw new BadRequestError('shopify/flush: the flag is not one of this user\'s flush flags.', { code: 'invalid_params' });
  }
  const { store, clock } = deps;
  const deadline = clock.now() + FLUSH_BUDGET_MS;
  const totals: Totals = { applied: 0, stale: 0, reads: { count: 0 } };
  // While the flag is up, deliveries leave their records to this job instead of starting another one.
  let raised = flag !== undefined;
  let hasSnapshot = true;
  for (;;) {
    hasSnapshot = await flushAll(deps, uuid, shop, deadline, totals);
    if (!hasSnapshot || totals.keptForBulkWrite || clock.now() >= deadline || !flag || !raised) break;
    // Lower the flag, then look once more: a delivery recorded before that saw the flag up and counts on this job.
    await store.delete(flag);
    raised = false;
    if ((await listPending(store, uuid)).length === 0) break;
    // Go on with the flag up again, unless a delivery raised it first and started the next job.
    raised = await raiseFlag(store, flag, clock.now());
    if (!raised) break;
  }
  if (raised && flag) await store.delete(flag);
  if (!hasSnapshot) deps.log.info(`No snapshot for ${shop} yet: the running sync folds its pending updates in`);
  const left = (await listPending(store, uuid)).length;
  if (totals.keptForBulkWrite) deps.log.info(`A bulk sync of ${shop} is writing: it re-applies the ${left} pending updates when it ends`);
  else if (left > 0 && hasSnapshot && clock.now() >= deadline) await handOver(deps, uuid, shop, generation, left);
  return { shop, applied: totals.applied, stale: totals.stale, admin_reads: totals.reads.count, pending_left: left };
}

// Folds every pending record in, retrying Spaces failures until the deadline; false when there is no snapshot yet.
async function flushAll(deps: ShopifyDeps, uuid: string, shop: string, deadline: number, totals: Totals): Promise<boolean> {
  const { store, clock, log } = deps;
  const checks = adminFlushChecks(deps, shop, totals.reads);
  for (let attempt = 0; clock.now() < deadline; attempt++) {
    try {
      const result = await updateSnapshot(store, uuid, null, clock, { deadline, handOff: false, batch: FLUSH_BATCH, holder: 'job', checks });
      report(result, shop, deps, totals);
      if (result.keptForBulkWrite) totals.keptForBulkWrite = true;
      return result.snapshot !== null || result.changed;
    } catch (err) {
      if (!(err instanceof StorageError || err instanceof PreconditionFailedError)) throw err;
      log.warn(`Flushing pending updates for ${shop} failed, retrying: ${err.message}`);
      await clock.sleep(Math.min(backoffMs(attempt, 250, 4000), Math.max(0, deadline - clock.now())));
    }
  }
  return true;
}

type Totals = { applied: number; stale: number; reads: { count: number }; keptForBulkWrite?: boolean };

function report(result: UpdateResult, shop: string, { log }: ShopifyDeps, totals: Totals): void {
  for (const [key, outcome] of result.results) {
    const topic = result.ops.get(key)?.topic ?? 'webhook';
    if (outcome === 'applied') {
      totals.applied++;
      log.info(`Updated data in Spaces for ${shop} via ${topic}`);
    } else {
      totals.stale++;
      log.info(`Skipped ${topic} for ${shop}: the stored copy is as new or newer`);
    }
  }
}

// Out of time (or Spaces kept failing) with records left: start a successor, or leave them to the next delivery and the daily poll.
async function handOver(deps: ShopifyDeps, uuid: string, shop: string, generation: number, left: number): Promise<void> {
  const { log, invoker } = deps;
  if (generation + 1 >= MAX_GENERATIONS || !invoker.available) {
    log.error(`${left} pending updates for ${shop} stay queued: the next delivery or the daily poll applies them`);
    return;
  }
  log.warn(`${left} pending updates for ${shop} left at the end of this flush; starting another flush job`);
  try {
    await invoker.invokeAsync(FLUSH_FUNCTION, { uuid, shop, generation: generation + 1 });
  } catch (err) {
    log.error(`Could not start another flush job for ${shop} (${err instanceof Error ? err.message : String(err)}): the next delivery or the daily poll applies the ${left} pending updates`);
  }
}
