import { describe, expect, it } from 'vitest';
import { InvocationThrottledError } from '../../../lib/errors';
import { createLogger } from '../../../lib/log';
import type { PollDeps } from '../../../lib/poll/deps';
import { dispatchPoll, toBatches } from '../../../lib/poll/dispatcher';
import type { ActivationReader, Invoker } from '../../../lib/functions/invoke';
import type { MerchantBatch } from '../../../lib/poll/merchant-result';
import { loadPollSettings } from '../../../lib/poll/settings';

/** A virtual clock: sleeping advances time at once, so minutes of pacing run in milliseconds. */
function virtualClock() {
  let t = Date.parse('2026-11-20T06:00:00Z');
  return { now: () => t, sleep: async (ms: number) => void (t += Math.max(1, ms)) };
}

function harness(options: {
  workerMs: number;
  throttleFirst: number;
  deferFirst?: boolean;
  env?: Record<string, string>;
}) {
  const clock = virtualClock();
  const starts: number[] = [];
  const running = new Map<string, { batch: MerchantBatch; endsAt: number }>();
  let peak = 0;
  let throttles = options.throttleFirst;
  let deferOnce = options.deferFirst ?? false;
  const invoker: Invoker = {
    available: true,
    async invokeAsync(_name, params) {
      if (throttles-- > 0) throw new InvocationThrottledError('429', { code: 'invocation_throttled' });
      const id = `a${starts.length}`;
      starts.push(clock.now());
      running.set(id, { batch: params as unknown as MerchantBatch, endsAt: clock.now() + options.workerMs });
      peak = Math.max(peak, [...running.values()].filter((r) => r.endsAt > clock.now()).length);
      return id;
    },
    invokeBlocking: () => Promise.reject(new Error('not used')),
  };
  const reader: ActivationReader = {
    async get(id) {
      const run = running.get(id)!;
      if (clock.now() < run.endsAt) return { done: false };
      const ids = [
        ...run.batch.shops.map((s) => ['shop', s] as const),
        ...run.batch.pages.map((p) => ['page', p] as const),
      ];
      const deferred: MerchantBatch = { shops: [], pages: [] };
      if (deferOnce && ids.length > 1) {
        deferOnce = false;
        const [kind, last] = ids.pop()!;
        (kind === 'shop' ? deferred.shops : deferred.pages).push(last);
      }
      return {
        done: true,
        success: true,
        result: { results: ids.map(([kind, id]) => ({ kind, id, status: 'success' })), deferred },
      };
    },
  };
  const deps = {
    settings: loadPollSettings({
      POLL_BATCH_SIZE: '10',
      POLL_MAX_PER_MINUTE: '50',
      POLL_MAX_CONCURRENCY: '8',
      ...options.env,
    }),
    clock,
    log: createLogger({ sink: () => undefined }),
  } as unknown as PollDeps;
  return { deps, invoker, reader, clock, starts, peak: () => peak };
}

const merchants = (shops: number, pages: number): MerchantBatch => ({
  shops: Array.from({ length: shops }, (_, i) => `s${i}.myshopify.com`),
  pages: Array.from({ length: pages }, (_, i) => String(100 + i)),
});

describe('dispatchPoll fan-out', () => {
  it('stays within the per-minute and concurrency limits and collects every result', async () => {
    // Prepare
    const h = harness({ workerMs: 20_000, throttleFirst: 0 });

    // Act
    const summary = await dispatchPoll(h.deps, {
      deadline: h.clock.now() + 3_600_000,
      invoker: h.invoker,
      reader: h.reader,
      merchants: merchants(900, 100),
    });

    // Assess
    expect(summary.invocations).toBe(100);
    expect(summary.results.success).toBe(1000);
    expect(h.peak()).toBeLessThanOrEqual(8);
    expect(summary.peakInFlight).toBe(8);
    for (const t of h.starts) expect(h.starts.filter((s) => s > t - 60_000 && s <= t).length).toBeLessThanOrEqual(50);
    expect(summary.peakPerMinute).toBeLessThanOrEqual(50);
    expect(summary.undispatched).toBe(0);
  });

  it('backs off on 429 and re-queues what a worker deferred', async () => {
    const h = harness({ workerMs: 1000, throttleFirst: 3, deferFirst: true });
    const summary = await dispatchPoll(h.deps, {
      deadline: h.clock.now() + 3_600_000,
      invoker: h.invoker,
      reader: h.reader,
      merchants: merchants(25, 0),
    });
    expect(summary.throttled429).toBe(3);
    expect(summary.invocations).toBe(4); // 3 batches + the deferred merchant
    expect(summary.results.success).toBe(25);
  });

  it('reports what it could not start before its own deadline', async () => {
    const h = harness({ workerMs: 600_000, throttleFirst: 0, env: { POLL_MAX_CONCURRENCY: '1' } });
    const summary = await dispatchPoll(h.deps, {
      deadline: h.clock.now() + 120_000,
      invoker: h.invoker,
      reader: h.reader,
      merchants: merchants(30, 0),
    });
    expect(summary.invocations).toBe(1);
    expect(summary.undispatched).toBe(30);
  });

  it('mixes shops and pages into batches of the configured size', () => {
    expect(toBatches(merchants(3, 2), 2)).toEqual([
      { shops: ['s0.myshopify.com', 's1.myshopify.com'], pages: [] },
      { shops: ['s2.myshopify.com'], pages: ['100'] },
      { shops: [], pages: ['101'] },
    ]);
  });
});
