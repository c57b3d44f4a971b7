import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness/context';
import { loginStorm, quantile, runPool, webhookBurst } from './harness/load';

// npm test runs a scaled-down burst and storm; `npm run harden` runs 1,000 deliveries at 64 and 200 logins at once.
describe('load through the local host', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('runs a bounded pool in order and measures nearest-rank quantiles', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await runPool(20, 4, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return i * 2;
    });
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(4);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.99,
      ),
    ).toBe(99);
  });

  // Timing depends on the machine (a shared 2-vCPU box makes first attempts time out), so these assert correctness only:
  // every delivery lands within Shopify-style retries and the newest title of every product wins.
  it('absorbs a burst of signed webhooks with no lost update', async () => {
    const burst = await webhookBurst(h, { shop: 'burst-test', products: 6, deliveries: 24, concurrency: 8 });
    expect(burst.requests).toBe(24);
    expect(burst.failedAfterRetries).toBe(0);
    expect(burst.lostUpdates).toBe(0);
  });

  it('completes concurrent OAuth round trips, each with its own user', async () => {
    const storm = await loginStorm(h, { n: 3, concurrency: 3 });
    expect(storm.requests).toBe(3);
    expect(storm.distinctUsers).toBe(storm.requests - storm.errors);
    expect(storm.distinctUsers).toBeGreaterThan(0);
  });
});
