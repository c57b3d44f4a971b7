import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness/context';
import { armFaults, facebookSchedule, normalized, shopifySchedule, spacesKinds } from './harness/fault-plan';
import { callbacksUnderFaults, syncUnderFaults, type FaultRun } from './harness/faults';
import { facebookSyncUnderFaults, multipartUnderFaults } from './harness/faults-more';

// 20% fault rate, seeded schedules. Slow timeouts (a client's whole per-attempt timeout) run in `npm run harden` only.
const INTENSITY = { rate: 0.2, seed: 20260803, timeouts: false };
const violations = (runs: FaultRun[]) => runs.filter((r) => r.outcome === 'violation');
// A run that "failed cleanly" keeps the previous object; the tests claim convergence, so at least one run must converge.
const converged = (runs: FaultRun[]) => runs.filter((r) => r.outcome === 'converged').length;

describe('fault injection at a 20% rate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('draws seeded schedules covering every fault kind of the matrix', () => {
    const shopify = shopifySchedule(2000, { ...INTENSITY, timeouts: true });
    expect(shopify).toEqual(shopifySchedule(2000, { ...INTENSITY, timeouts: true }));
    const injected = shopify.filter((f) => !('delayMs' in f && f.delayMs === 0));
    expect(injected.length / shopify.length).toBeCloseTo(0.2, 1);
    expect(new Set(injected.map((f) => JSON.stringify(f))).size).toBe(10);
    expect(new Set(facebookSchedule(2000, INTENSITY).map((f) => JSON.stringify(f))).size).toBe(11);
    expect(spacesKinds({ ...INTENSITY, timeouts: true })).toEqual([
      '500',
      '503-slowdown',
      'reset',
      'multipart-part-500',
      'timeout',
    ]);
    expect(normalized(Buffer.from('{"data":1,"meta":{"syncedAt":"a","updatedAt":"b","productCount":1}}'))).toBe(
      '{"data":1,"meta":{"productCount":1}}',
    );
  });

  it('converges full syncs to the fault-free snapshot, or fails clearly with the previous object intact', async () => {
    const runs = await syncUnderFaults(h, INTENSITY, 1);
    expect(violations(runs)).toEqual([]);
    expect(converged(runs), JSON.stringify(runs)).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.faults, 0)).toBeGreaterThan(0);
  });

  it('converges OAuth callbacks to the fault-free snapshot, or fails clearly without a partial object', async () => {
    const runs = await callbacksUnderFaults(h, INTENSITY, 1);
    expect(violations(runs)).toEqual([]);
    expect(converged(runs), JSON.stringify(runs)).toBeGreaterThan(0);
  });

  it('never leaves a partial object or an open multipart upload when a part fails mid-upload', async () => {
    const runs = await multipartUnderFaults(h, INTENSITY, 2);
    expect(violations(runs)).toEqual([]);
    expect(converged(runs), JSON.stringify(runs)).toBeGreaterThan(0);
    expect(h.stack.spaces!.stats().openMultipartUploads).toBe(0);
  });

  it('converges Facebook syncs under Graph throttling codes, 5xx, resets and malformed JSON', async () => {
    // A malformed Graph answer fails a run cleanly; three runs give the seeded schedule room to converge once.
    const runs = await facebookSyncUnderFaults(h, INTENSITY, 3);
    expect(violations(runs)).toEqual([]);
    expect(converged(runs), JSON.stringify(runs)).toBeGreaterThan(0);
  });

  it('reports how many faults it injected and disarms them all', () => {
    const disarm = armFaults(h, INTENSITY, { shopify: 5, facebook: 5, spaces: true });
    expect(disarm()).toBe(0);
    expect(h.stack.shopify!.pendingFaults()).toBe(0);
    expect(h.stack.facebook!.pendingFaults()).toEqual([]);
    expect(h.stack.spaces!.stats().pendingFaults).toBe(0);
  });
});
