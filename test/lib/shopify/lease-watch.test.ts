import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../lib/http/clock';
import { LEASE_TTL_MS, tryAcquireLease, type Lease } from '../../../lib/shopify/pending-updates';
import { updateSnapshot } from '../../../lib/shopify/snapshot';
import type { ObjectStore } from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

const UUID = '550e8400-e29b-41d4-a716-44665544aaaa';
const SHOP = 'lease-watch.myshopify.com';

// A flush job that finds another job's lease watches it with a few reads, and leaves its records to that job as soon
// as the lease shows a new acquisition (the holder released it, so it lists again); a lease unchanged for the whole
// wait belongs to a job that died, and the watcher flushes itself.
describe('a flush job watching another flush job', () => {
  let t: TestSpaces;
  let base: ObjectStore;
  beforeAll(async () => {
    t = await startTestSpaces();
    base = t.appStore();
  });
  afterAll(async () => t?.cleanup());

  /** The store, counting reads of lease objects. */
  function counting(): { store: ObjectStore; leaseReads: () => number } {
    let reads = 0;
    const store: ObjectStore = {
      ...base,
      getJson: (key) => {
        if (key.startsWith('private/leases/')) reads++;
        return base.getJson(key);
      },
    };
    return { store, leaseReads: () => reads };
  }

  /** A clock that jumps on sleep (at the start of a lease window, so the whole wait stays in it); `onSleep` runs first. */
  function fakeClock(onSleep: (now: number) => Promise<void> = async () => undefined): Clock {
    let now = Math.ceil(Date.now() / LEASE_TTL_MS) * LEASE_TTL_MS + 1;
    return {
      now: () => now,
      sleep: async (ms) => {
        await onSleep(now);
        now += Math.max(1, ms);
      },
    };
  }

  const watch = (store: ObjectStore, clock: Clock) =>
    updateSnapshot(store, UUID, null, clock, {
      deadline: clock.now() + 45_000,
      handOff: false,
      holder: 'job',
      shop: SHOP,
      yieldToJob: true,
    });

  it('leaves the records to the holder once the lease is acquired anew, even if it never saw it free', async () => {
    // Prepare: a job holds the lease; during the watcher's first wait it releases and re-acquires it.
    let holder: Lease | null = null;
    let renewed = false;
    const clock = fakeClock(async (now) => {
      if (renewed) return;
      renewed = true;
      await holder!.release();
      holder = await tryAcquireLease(base, UUID, now + 5, 'job');
    });
    holder = await tryAcquireLease(base, UUID, clock.now(), 'job');
    expect(holder).not.toBeNull();
    const { store, leaseReads } = counting();
    // Act
    const result = await watch(store, clock);
    // Assess: one read to see who holds it, one after the first wait.
    expect(result.yielded).toBe(true);
    expect(leaseReads()).toBe(2);
    await holder!.release();
  });

  it('flushes itself after the wait when the lease never changes, with a few reads', async () => {
    // Prepare: a job took the lease and died.
    const clock = fakeClock();
    const dead = await tryAcquireLease(base, UUID, clock.now(), 'job');
    expect(dead).not.toBeNull();
    const { store, leaseReads } = counting();
    // Act
    const result = await watch(store, clock);
    // Assess: not yielded (no snapshot here, so the flush itself has nothing to do); at most 8 reads over 10 s.
    expect(result.yielded).toBeUndefined();
    expect(leaseReads()).toBeGreaterThanOrEqual(2);
    expect(leaseReads()).toBeLessThanOrEqual(8);
    await dead!.release();
  });
});
