import { InvocationThrottledError } from '../errors';
import { createActivationReader, type ActivationReader, type Invoker } from '../functions/invoke';
import { backoffMs } from '../http/clock';
import { keys } from '../storage/keys';
import { expireWebhookMarkers } from '../storage/marker-expiry';
import { failureMessage } from '../shopify/sync';
import type { PollDeps } from './deps';
import { StartPacer } from './fanout';
import { tally, type BatchResult, type MerchantBatch, type MerchantResult } from './merchant-result';
import { forEachLimit } from '../concurrency';
import { runMerchantBatch } from './worker';

/** The worker function the dispatcher fans out to. */
export const WORKER_FUNCTION = 'poll/merchants';
/** Stop dispatching this long before the dispatcher's own deadline, to answer in time. */
const ANSWER_RESERVE_MS = 20_000;
/** A worker not seen finishing after its 15-minute limit plus this margin is counted as lost. */
const LOST_AFTER_MS = 900_000 + 120_000;
const MAX_REPORTED_FAILURES = 50;

/** What the dispatcher returns (and logs). */
export interface DispatchSummary {
  mode: 'fan-out' | 'in-process';
  shops: number;
  pages: number;
  batches: number;
  invocations: number;
  throttled429: number;
  peakInFlight: number;
  peakPerMinute: number;
  failedBatches: number;
  lost: number;
  undispatched: number;
  results: ReturnType<typeof tally>;
  failures: Array<Pick<MerchantResult, 'kind' | 'id' | 'status' | 'message'>>;
  durationMs: number;
  /** Webhook dedupe records older than their retry window that this poll deleted (daily run only). */
  markersExpired?: number;
}

/** Lists every connected shop and page in the registry (keys only: the workers read the records). */
export async function listMerchants(deps: Pick<PollDeps, 'store'>): Promise<MerchantBatch> {
  const ids = async (prefix: string) =>
    (await deps.store.list(prefix)).map((k) => k.slice(prefix.length).replace(/\.json$/, ''));
  return {
    shops: await ids(keys.shopRecordPrefix()),
    pages: (await ids(keys.pageRecordPrefix())).filter((id) => /^\d+$/.test(id)),
  };
}

/** Splits merchants into batches of `size`, shops and pages mixed. */
export function toBatches(all: MerchantBatch, size: number): MerchantBatch[] {
  const items = [...all.shops.map((id) => ['shops', id] as const), ...all.pages.map((id) => ['pages', id] as const)];
  const out: MerchantBatch[] = [];
  for (let i = 0; i < items.length; i += size) {
    const batch: MerchantBatch = { shops: [], pages: [] };
    for (const [kind, id] of items.slice(i, i + size)) batch[kind].push(id);
    out.push(batch);
  }
  return out;
}

/** Options of {@link dispatchPoll}; tests and the CLI pass their own invoker or reader. */
export interface DispatchOptions {
  deadline: number;
  invoker?: Invoker;
  reader?: ActivationReader;
  /** Only these merchants (default: the whole registry). */
  merchants?: MerchantBatch;
}

/**
 * The daily poll: lists the registry and hands batches of merchants to `poll/merchants` through
 * the OpenWhisk REST API (`blocking=false`), keeping at most `POLL_MAX_PER_MINUTE` starts per
 * minute and `POLL_MAX_CONCURRENCY` workers in flight (tracked by polling activation records),
 * backing off on 429. Without an API key the same batches run in-process with bounded concurrency.
 */
export async function dispatchPoll(deps: PollDeps, options: DispatchOptions): Promise<DispatchSummary> {
  const started = deps.clock.now();
  const merchants = options.merchants ?? (await listMerchants(deps));
  const batches = toBatches(merchants, deps.settings.POLL_BATCH_SIZE);
  const invoker = options.invoker ?? deps.shopify.invoker;
  const summary: DispatchSummary = {
    mode: invoker.available ? 'fan-out' : 'in-process',
    shops: merchants.shops.length,
    pages: merchants.pages.length,
    batches: batches.length,
    invocations: 0,
    throttled429: 0,
    peakInFlight: 0,
    peakPerMinute: 0,
    failedBatches: 0,
    lost: 0,
    undispatched: 0,
    results: tally([]),
    failures: [],
    durationMs: 0,
  };
  const all: MerchantResult[] = [];
  const collect = (batch: BatchResult) => {
    all.push(...batch.results);
    return batch.deferred;
  };
  if (invoker.available) {
    const reader = options.reader ?? createActivationReader(deps.shopify.config);
    await fanOut(deps, { invoker, reader, batches, deadline: options.deadline, summary, collect });
  } else {
    await forEachLimit(batches, deps.settings.POLL_INPROCESS_CONCURRENCY, async (batch) => {
      const deferred = collect(await runMerchantBatch({ ...batch }, deps, options.deadline));
      summary.undispatched += deferred.shops.length + deferred.pages.length;
    });
  }
  // The daily run (the whole registry) also expires old webhook dedupe records: the local store has no lifecycle rules.
  if (!options.merchants) summary.markersExpired = await expireMarkers(deps);
  summary.results = tally(all);
  summary.failures = all
    .filter((r) => r.status === 'failed' || r.status === 'reauth_required')
    .slice(0, MAX_REPORTED_FAILURES)
    .map(({ kind, id, status, message }) => ({ kind, id, status, ...(message ? { message } : {}) }));
  summary.durationMs = deps.clock.now() - started;
  const r = summary.results;
  deps.log.info(
    `Daily poll: ${summary.shops} shops, ${summary.pages} pages in ${summary.batches} batches (${summary.mode}); ` +
      `${r.success} synced, ${r.failed} failed, ${r.reauth_required} need re-authorisation, ${r.skipped} skipped; ` +
      `peak ${summary.peakInFlight} in flight, ${summary.peakPerMinute}/min, ${summary.throttled429} × 429`,
  );
  return summary;
}

async function expireMarkers(deps: PollDeps): Promise<number> {
  try {
    const { scanned, deleted } = await expireWebhookMarkers(deps.store, deps.clock.now());
    deps.log.info(`Expired ${deleted} of ${scanned} webhook dedupe records older than 48 hours`);
    return deleted;
  } catch (err) {
    deps.log.warn(
      `Could not expire old webhook dedupe records (the next daily poll tries again): ${failureMessage(err)}`,
    );
    return 0;
  }
}

interface FanOutContext {
  invoker: Invoker;
  reader: ActivationReader;
  batches: MerchantBatch[];
  deadline: number;
  summary: DispatchSummary;
  collect: (batch: BatchResult) => MerchantBatch;
}

async function fanOut(deps: PollDeps, ctx: FanOutContext): Promise<void> {
  const { clock, settings, log } = deps;
  const { summary, batches: queue } = ctx;
  const pacer = new StartPacer(settings.POLL_MAX_PER_MINUTE, 60_000, () => clock.now());
  const pollEveryMs = 2000;
  const inFlight = new Map<string, { batch: MerchantBatch; startedAt: number; polledAt: number }>();
  let throttledInARow = 0;
  let failedInARow = 0;

  const reap = async (): Promise<number> => {
    const now = clock.now();
    const due = [...inFlight].filter(([, f]) => now - f.polledAt >= pollEveryMs).slice(0, 32);
    let finished = 0;
    await Promise.all(
      due.map(async ([id, flight]) => {
        flight.polledAt = clock.now();
        const state = await ctx.reader.get(id).catch(() => ({ done: false as const }));
        if (!state.done) {
          if (clock.now() - flight.startedAt > LOST_AFTER_MS) {
            inFlight.delete(id);
            summary.lost++;
          }
          return;
        }
        inFlight.delete(id);
        finished++;
        const result = state.result as Partial<BatchResult> & { error?: { message?: string } };
        if (!state.success || !Array.isArray(result.results)) {
          summary.failedBatches++;
          log.error(`Worker ${id} failed: ${result.error?.message ?? 'no result'}`);
          return;
        }
        const deferred = ctx.collect(result as BatchResult);
        if (deferred.shops.length + deferred.pages.length > 0) queue.push(deferred);
      }),
    );
    return finished;
  };

  while (queue.length > 0 || inFlight.size > 0) {
    if (clock.now() > ctx.deadline - ANSWER_RESERVE_MS) break;
    const wait = pacer.waitMs();
    if (queue.length > 0 && inFlight.size < settings.POLL_MAX_CONCURRENCY && wait === 0) {
      const batch = queue.shift()!;
      try {
        const id = await ctx.invoker.invokeAsync(WORKER_FUNCTION, { ...batch });
        pacer.record();
        summary.invocations++;
        inFlight.set(id, { batch, startedAt: clock.now(), polledAt: clock.now() });
        summary.peakInFlight = Math.max(summary.peakInFlight, inFlight.size);
        throttledInARow = 0;
        failedInARow = 0;
      } catch (err) {
        queue.unshift(batch);
        if (err instanceof InvocationThrottledError) {
          summary.throttled429++;
          await clock.sleep(backoffMs(throttledInARow++, 1000, 30_000));
        } else if (++failedInARow <= 3) {
          // A network blip or a 5xx of the API: try again a few times before giving up the run.
          log.warn(`Invoking ${WORKER_FUNCTION} failed (${failureMessage(err)}); retrying`);
          await clock.sleep(backoffMs(failedInARow, 1000, 10_000));
        } else {
          throw err;
        }
      }
      continue;
    }
    if ((await reap()) === 0)
      await clock.sleep(
        Math.min(pollEveryMs, wait > 0 && inFlight.size < settings.POLL_MAX_CONCURRENCY ? wait : pollEveryMs),
      );
  }
  summary.peakPerMinute = pacer.peakPerWindow;
  for (const batch of queue) summary.undispatched += batch.shops.length + batch.pages.length;
  for (const { batch } of inFlight.values()) summary.undispatched += batch.shops.length + batch.pages.length;
  if (inFlight.size > 0) log.warn(`Daily poll: ${inFlight.size} workers still running at the dispatcher's deadline`);
}
