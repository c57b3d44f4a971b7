import * as z from 'zod/mini';
import { countWebhookUpdates } from '../account/status';
import { BadRequestError, PreconditionFailedError, StorageError } from '../errors';
import { backoffMs } from '../http/clock';
import { keys } from '../storage/keys';
import type { ShopifyDeps } from './deps';
import { getShopRecord } from './connection';
import { adminFlushChecks } from './flush-checks';
import { listPending, lowerFlushFlags, raiseFlag } from './pending-updates';
import { normalizeShop, SHOP_HELP } from './shop-domain';
import { updateSnapshot, type UpdateResult } from './snapshot';

/** The function a webhook delivery starts to fold pending records into the snapshot. */
export const FLUSH_FUNCTION = 'shopify/flush';
/** Work budget inside the flush function's 60 s timeout. */
export const FLUSH_BUDGET_MS = 45_000;
/** Records folded in per snapshot write; one write per burst instead of one per delivery. */
const FLUSH_BATCH = 500;
/** Pause between rounds in degraded mode, where records wait to be old enough to delete. */
const NO_CAS_ROUND_PAUSE_MS = 1000;
/** A job that runs out of time with records left starts a successor, at most this many times in a row. */
const MAX_GENERATIONS = 5;

const ParamsSchema = z.object({
  shop: z.string(),
  flag: z.optional(z.string()),
  generation: z.optional(z.int().check(z.gte(0), z.lte(MAX_GENERATIONS))),
});

/** What a flush job did. */
export interface FlushJobResult {
  shop: string;
  applied: number;
  stale: number;
  /** Admin API reads the flush-time checks made (`flush-checks.ts`). */
  admin_reads: number;
  pending_left: number;
  /** Another flush job held the lease and applies the records. */
  yielded?: boolean;
}

/**
 * The `shopify/flush` job: folds every pending record of the shop into its user's `shopify_data.json` (waiting for
 * the flush lease, retrying Spaces failures with backoff) and logs each delivery's line, for as long as records keep
 * coming: the flag shard that started it stays up meanwhile, so a burst runs a few jobs (at most one per shard), not
 * one per delivery. A job started by another shard while a job holds the lease leaves the work to that job, which
 * lowers every shard and looks for records once more before it stops. Records left when the budget ends go to a
 * successor job. The shop's registry record is read here, not by each delivery: a shop without one (never connected,
 * or redacted) has its records dropped.
 */
export async function runFlushJob(params: Record<string, unknown>, deps: ShopifyDeps): Promise<FlushJobResult> {
  const parsed = ParamsSchema.safeParse(params);
  if (!parsed.success) {
    throw new BadRequestError('shopify/flush needs {"shop": "<name>.myshopify.com"}.', { code: 'invalid_params' });
  }
  const shop = normalizeShop(parsed.data.shop);
  if (!shop)
    throw new BadRequestError(`"${parsed.data.shop.slice(0, 100)}" is not a Shopify shop. ${SHOP_HELP}`, {
      code: 'invalid_shop',
    });
  const { flag, generation = 0 } = parsed.data;
  if (flag !== undefined && !flag.startsWith(keys.shopifyFlushFlagPrefix(shop))) {
    throw new BadRequestError("shopify/flush: the flag is not one of this shop's flush flags.", {
      code: 'invalid_params',
    });
  }
  const { store, clock, log } = deps;
  const deadline = clock.now() + FLUSH_BUDGET_MS;
  const totals: FlushTotals = { applied: 0, stale: 0, reported: new Set(), reads: { count: 0 } };
  const record = await getShopRecord(store, shop);
  if (!record) {
    const dropped = await store.deletePrefix(keys.pendingShopifyPrefix(shop));
    await lowerFlushFlags(store, shop, clock.now(), flag);
    log.info(`Dropped ${dropped} pending updates for ${shop}: the shop is not connected`);
    return { shop, applied: 0, stale: 0, admin_reads: 0, pending_left: 0 };
  }
  const { uuid } = record;
  const conditional = await store.supportsConditionalWrites();
  // How to tell which mode a deployment runs in (README "Degraded mode"): every flush job says what the probe found.
  log.info(`Spaces conditional writes: ${conditional ? 'honoured' : 'ignored (degraded mode)'}`);
  // While the flag is up, deliveries leave their records to this job instead of starting another one.
  let raised = flag !== undefined;
  let outcome: FlushOutcome = 'done';
  for (;;) {
    outcome = await flushAll(deps, uuid, shop, deadline, totals);
    if (outcome !== 'done' || totals.keptForBulkWrite || clock.now() >= deadline) break;
    // A burst still coming in: keep the flags up, so its deliveries go on counting on this job instead of raising
    // shards (and starting jobs) each time the queue runs dry for a moment.
    if (conditional && (await recordsArrive(deps, shop, deadline))) continue;
    // Lower every shard, then look once more: a delivery recorded before that saw its shard up and counts on a job.
    await lowerFlushFlags(store, shop, clock.now(), flag);
    raised = false;
    if ((await listPending(store, shop)).length === 0) break;
    // Go on with the flag up again, unless a delivery raised it first and started the next job.
    if (flag) {
      raised = await raiseFlag(store, flag, clock.now());
      if (!raised) break;
    }
    // Without conditional writes records stay until they are safely reflected (snapshot-no-cas.ts): look again in a while.
    if (!conditional) await clock.sleep(Math.min(NO_CAS_ROUND_PAUSE_MS, Math.max(0, deadline - clock.now())));
  }
  if (outcome === 'yielded') {
    log.info(`Flush job for ${shop} leaves its records to the running flush job`);
    return {
      shop,
      applied: totals.applied,
      stale: totals.stale,
      admin_reads: totals.reads.count,
      pending_left: 0,
      yielded: true,
    };
  }
  if (raised) await lowerFlushFlags(store, shop, clock.now(), flag);
  if (outcome === 'no-snapshot') log.info(`No snapshot for ${shop} yet: the running sync folds its pending updates in`);
  if (totals.applied > 0) await countWebhookUpdates(deps, uuid, totals.applied);
  const left = (await listPending(store, shop)).length;
  if (totals.keptForBulkWrite)
    log.info(`A bulk sync of ${shop} is writing: it re-applies the ${left} pending updates when it ends`);
  else if (left > 0 && outcome === 'done' && clock.now() >= deadline) await handOver(deps, shop, generation, left);
  return { shop, applied: totals.applied, stale: totals.stale, admin_reads: totals.reads.count, pending_left: left };
}

/** How long a job waits, with its flags up, for more records once the queue is empty; and how often it looks. */
const LINGER_MS = 1000;
const LINGER_POLL_MS = 250;

// Whether pending records turn up within the linger (a few LISTs), before the deadline.
async function recordsArrive({ store, clock }: ShopifyDeps, shop: string, deadline: number): Promise<boolean> {
  const until = Math.min(deadline, clock.now() + LINGER_MS);
  while (clock.now() + LINGER_POLL_MS <= until) {
    await clock.sleep(LINGER_POLL_MS);
    if ((await listPending(store, shop)).length > 0) return true;
  }
  return false;
}

type FlushOutcome = 'done' | 'no-snapshot' | 'yielded';
interface FlushTotals {
  applied: number;
  stale: number;
  reported: Set<string>;
  reads: { count: number };
  keptForBulkWrite?: boolean;
}

// Folds every pending record in, retrying Spaces failures until the deadline.
async function flushAll(
  deps: ShopifyDeps,
  uuid: string,
  shop: string,
  deadline: number,
  totals: FlushTotals,
): Promise<FlushOutcome> {
  const { store, clock, log } = deps;
  const checks = adminFlushChecks(deps, shop, totals.reads);
  for (let attempt = 0; clock.now() < deadline; attempt++) {
    try {
      const options = {
        deadline,
        handOff: false,
        batch: FLUSH_BATCH,
        holder: 'job' as const,
        shop,
        yieldToJob: true,
        checks,
      };
      const result = await updateSnapshot(store, uuid, null, clock, options);
      if (result.yielded) return 'yielded';
      report(result, shop, deps, totals);
      if (result.keptForBulkWrite) totals.keptForBulkWrite = true;
      return result.snapshot !== null || result.changed ? 'done' : 'no-snapshot';
    } catch (err) {
      if (!(err instanceof StorageError || err instanceof PreconditionFailedError)) throw err;
      log.warn(`Flushing pending updates for ${shop} failed, retrying: ${err.message}`);
      await clock.sleep(Math.min(backoffMs(attempt, 250, 4000), Math.max(0, deadline - clock.now())));
    }
  }
  return 'done';
}

function report(result: UpdateResult, shop: string, { log }: ShopifyDeps, totals: FlushTotals): void {
  for (const [key, outcome] of result.results) {
    // In degraded mode a record is folded in every round until it is safe to delete: report it once. A redelivery
    // rewrites it with its own receipt time, and is reported again.
    const op = result.ops.get(key);
    const delivery = `${key} ${op?.receivedAt ?? ''}`;
    if (totals.reported.has(delivery)) continue;
    totals.reported.add(delivery);
    const topic = op?.topic ?? 'webhook';
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
async function handOver(deps: ShopifyDeps, shop: string, generation: number, left: number): Promise<void> {
  const { log, invoker } = deps;
  if (generation + 1 >= MAX_GENERATIONS || !invoker.available) {
    log.error(`${left} pending updates for ${shop} stay queued: the next delivery or the daily poll applies them`);
    return;
  }
  log.warn(`${left} pending updates for ${shop} left at the end of this flush; starting another flush job`);
  try {
    await invoker.invokeAsync(FLUSH_FUNCTION, { shop, generation: generation + 1 });
  } catch (err) {
    log.error(
      `Could not start another flush job for ${shop} (${err instanceof Error ? err.message : String(err)}): the next delivery or the daily poll applies the ${left} pending updates`,
    );
  }
}
