import { InvocationThrottledError, UpstreamError } from '../errors';
import { backoffMs } from '../http/clock';
import { getShopRecord } from './connection';
import type { ShopifyDeps } from './deps';
import { adminFlushChecks } from './flush-checks';
import { FLUSH_FUNCTION } from './flush-job';
import { abandonFlushFlag, leaseHolder, raiseFlushFlag, recordDelivery } from './pending-updates';
import { updateSnapshot, type UpdateResult } from './snapshot';
import { receiveOp, type PendingOp } from './snapshot-ops';
import { notConnected, type DeliveryContext } from './webhook-context';

/**
 * Records the op durably (the record is the delivery's claim), then makes sure a flush folds it into the snapshot:
 * with the functions API available, a `shopify/flush` job started through a flush flag shard (the delivery answers at
 * once); without it, inline, waiting until the record is applied. A delivery is answered 200 only once its record is
 * durable and a flush is certain to see it; otherwise 503, and Shopify's retry completes it. A retry whose record is
 * still pending (its first attempt may have crashed before a flush was due) makes sure of the flush the same way.
 */
export async function commitDelivery(
  deps: ShopifyDeps,
  received: PendingOp,
  ctx: DeliveryContext,
  topic: string,
): Promise<string> {
  const { store, log, clock } = deps;
  // Receipt time, and future timestamps clamped to it (the full sync's authority rules go by our clock).
  const op = receiveOp(received, clock.now());
  // Without conditional writes the record is written unconditionally (a retry rewrites the same op) and stays until
  // no snapshot writer can lose it (snapshot-no-cas.ts, degraded mode); a flush job keeps folding records in until then.
  const { key, fresh } = await recordDelivery(store, ctx.shop, ctx.webhookId, { ...op, topic });
  if (!fresh)
    log.info(`Duplicate ${topic} delivery ${ctx.webhookId} from ${ctx.shop}: its update is recorded and still pending`);
  const recorded = { key, ctx, topic, op };
  const outcome = deps.invoker.available ? await scheduleFlush(deps, recorded) : await flushHere(deps, recorded);
  return fresh ? outcome : 'duplicate';
}

/** A delivery whose record is durable: the record's key, the delivery, its topic and the op recorded. */
interface Recorded {
  key: string;
  ctx: DeliveryContext;
  topic: string;
  op: PendingOp;
}

// Flushes in this invocation: waiting for the record to be applied, or, without conditional writes, for it to be safe.
async function flushHere(deps: ShopifyDeps, recorded: Recorded): Promise<string> {
  if (await deps.store.supportsConditionalWrites()) return flushInline(deps, recorded);
  return flushInlineWithoutCas(deps, recorded);
}

async function scheduleFlush(deps: ShopifyDeps, recorded: Recorded): Promise<string> {
  const { store, clock, log } = deps;
  const { ctx, topic } = recorded;
  const { shop } = ctx;
  const flag = await raiseFlushFlag(store, shop, clock.now(), ctx.webhookId);
  if (!flag) {
    log.info(`Queued ${topic} for ${shop}: the flush job already started applies it`);
    return 'queued';
  }
  const queued = (activation: string) => {
    log.info(`Queued ${topic} for ${shop}: flush job ${activation} applies it`);
    return 'queued';
  };
  try {
    return queued(await startFlushJob(deps, { shop, flag }, ctx.deadline - INLINE_RESERVE_MS));
  } catch (err) {
    // No job will run (e.g. DO's 429 while a burst fills the namespace): lower the flag, so the next delivery
    // can start one, and flush here, which also covers the deliveries that saw the flag raised.
    log.warn(
      `Could not start a flush job for ${shop} (${err instanceof Error ? err.message : String(err)}); flushing in this delivery`,
    );
    await abandonFlushFlag(store, shop, clock.now(), flag);
  }
  try {
    return await flushHere(deps, { ...recorded, ctx: { ...ctx, deadline: ctx.deadline - LAST_CALL_MS } });
  } catch (err) {
    if (!(err instanceof UpstreamError && err.code === 'not_yet_applied')) throw err;
    // Last chance before asking Shopify to retry: a job started now applies every pending record.
    try {
      return queued(await deps.invoker.invokeAsync(FLUSH_FUNCTION, { shop }));
    } catch {
      throw err;
    }
  }
}

// Time kept for flushing inline when no flush job could start, and for a last attempt to start one after that.
const INLINE_RESERVE_MS = 1500;
const LAST_CALL_MS = 400;

// DO answers 429 while a burst fills the namespace's 120 concurrent activations; they finish within milliseconds, so retry briefly.
async function startFlushJob(deps: ShopifyDeps, params: Record<string, unknown>, until: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.invoker.invokeAsync(FLUSH_FUNCTION, params);
    } catch (err) {
      const wait = backoffMs(attempt, 50, 400);
      if (!(err instanceof InvocationThrottledError) || deps.clock.now() + wait >= until) throw err;
      await deps.clock.sleep(wait);
    }
  }
}

// Without the functions API: flush in this invocation, or wait while the lease holder does.
async function flushInline(deps: ShopifyDeps, { key, ctx, topic, op }: Recorded): Promise<string> {
  const { store, clock, log } = deps;
  const uuid = await connectedUuid(deps, key, ctx.shop);
  if (!uuid) return notConnected(deps, topic, ctx.shop);
  // Stopping a flush midway is safe (the snapshot is only written by ETag, records deleted after that write).
  const flush = updateSnapshot(store, uuid, null, clock, {
    deadline: ctx.deadline,
    shop: ctx.shop,
    checks: adminFlushChecks(deps, ctx.shop),
  });
  flush.catch(() => undefined);
  let done: UpdateResult | null;
  try {
    done = await Promise.race([flush, clock.sleep(Math.max(0, ctx.deadline - clock.now())).then(() => null)]);
  } catch (err) {
    throw notYetApplied(`the flush failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = done?.results.get(key);
  if (result === 'applied') {
    log.info(`Updated data in Spaces for ${ctx.shop} via ${topic}`);
    return op.kind === 'delete' ? 'deleted' : 'updated';
  }
  if (result === 'stale') {
    log.info(`Skipped ${topic} for ${ctx.shop}: the stored copy is as new or newer`);
    return 'stale';
  }
  // Handed to the lease holder. A flush job or a sync lists again before it stops, so it applies the record;
  // a delivery flushing inline may run out of time, so wait until the record is applied.
  const holder = await leaseHolder(store, uuid, clock.now());
  if (holder === 'job' || holder === 'sync') {
    log.info(`Queued ${topic} for ${ctx.shop}: the running flush ${holder} applies it`);
    return 'queued';
  }
  while (clock.now() < ctx.deadline) {
    if (!(await store.exists(key))) {
      log.info(`Updated data in Spaces for ${ctx.shop} via ${topic} (flushed by another delivery)`);
      return 'flushed';
    }
    await clock.sleep(100);
  }
  throw notYetApplied('the flush did not finish in time');
}

// Degraded mode without the functions API: no job comes back for the record, so the delivery is acknowledged only once
// its record is gone, i.e. safely reflected by the snapshot (which takes a while); until then 503 and Shopify retries.
async function flushInlineWithoutCas(deps: ShopifyDeps, { key, ctx, topic }: Recorded): Promise<string> {
  const { store, clock, log } = deps;
  const uuid = await connectedUuid(deps, key, ctx.shop);
  if (!uuid) return notConnected(deps, topic, ctx.shop);
  await updateSnapshot(store, uuid, null, clock, { deadline: ctx.deadline, shop: ctx.shop });
  if (await store.exists(key))
    throw notYetApplied('without conditional writes an update is acknowledged once it is safely in the snapshot');
  log.info(`Updated data in Spaces for ${ctx.shop} via ${topic}`);
  return 'updated';
}

// The shop's user, or null (its record dropped) when the shop is not connected.
async function connectedUuid({ store }: ShopifyDeps, key: string, shop: string): Promise<string | null> {
  const record = await getShopRecord(store, shop);
  if (record) return record.uuid;
  await store.delete(key);
  return null;
}

const notYetApplied = (why: string) =>
  new UpstreamError(`The update is recorded but not yet in shopify_data.json (${why}); Shopify retries the delivery.`, {
    status: 503,
    code: 'not_yet_applied',
  });
