import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonFlushFlag, lowerFlushFlags, raiseFlushFlag } from '../../../lib/shopify/pending-updates';
import { keys } from '../../../lib/storage/keys';
import type { ObjectStore } from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

// The flush flags a burst's deliveries raise, against the strict local Spaces in both conditional-write modes: a
// burst of 64 simultaneous first deliveries starts at least one job and only a few, a cold process pays no probe when
// its shard is up, and lowering (or abandoning) leaves no flag up that no job would lower.
const BURST = 64;

for (const mode of ['honour', 'ignore'] as const) {
  describe(`flush flags with conditional writes ${mode === 'honour' ? 'honoured' : 'ignored'}`, () => {
    let t: TestSpaces;
    let store: ObjectStore;
    let n = 0;
    const shop = () => `flags-${mode}-${++n}.myshopify.com`;
    const raiseBurst = (name: string, now: number) =>
      Promise.all(Array.from({ length: BURST }, () => raiseFlushFlag(store, name, now, randomUUID())));
    const flagsUp = (name: string) => store.list(keys.shopifyFlushFlagPrefix(name));

    beforeAll(async () => {
      t = await startTestSpaces({ conditionalWrites: mode });
      store = t.appStore();
    });
    afterAll(async () => t?.cleanup());

    it('starts at least one job and only a few for 64 simultaneous first deliveries, within 10 PUTs per object', async () => {
      // Prepare
      const name = shop();
      t.spaces.resetStats();
      // Act
      const raised = (await raiseBurst(name, Date.now())).filter((key): key is string => key !== null);
      // Assess
      expect(raised.length).toBeGreaterThanOrEqual(1);
      // Honoured: at most one per shard (8). Ignored: a process that has not probed PUTs one of the 8 shards as if the
      // store honoured conditions, and after its probe the raisers of the shard listed first start jobs: about 64/8.
      expect(raised.length).toBeLessThanOrEqual(mode === 'honour' ? 8 : 32);
      // Every raiser PUTs one of 8 shards, so 64 in the same instant can put 11 on one; Spaces answers SlowDown past
      // 10 and the client's retry completes it (every raise above completed). Deliveries that arrive over a few
      // milliseconds stay within 10 (webhook-burst suite).
      for (const key of raised) expect(key.startsWith(keys.shopifyFlushFlagPrefix(name))).toBe(true);
    });

    it('costs a process that has not probed the store one PUT when its shard is up, and learns from the 412', async () => {
      // Prepare: every shard of this window up (honoured), or one flag (ignored: a raiser that lists first stops there)
      const name = shop();
      const now = Date.now();
      do await raiseFlushFlag(store, name, now, randomUUID());
      while (mode === 'honour' && (await flagsUp(name)).length < 8);
      const cold = t.appStore();
      t.spaces.resetStats();
      // Act
      const raised = await raiseFlushFlag(cold, name, now, randomUUID());
      // Assess
      const ops = Object.entries(t.spaces.stats().requestsByOperation).filter(([, count]) => count > 0);
      if (mode === 'honour') {
        expect(raised).toBeNull();
        expect(cold.conditionalWritesKnown()).toBe(true);
        expect(ops).toEqual([['PutObject', 1]]);
      } else {
        // The PUT went through: the probe finds the condition ignored, and the list decides (ours may sort first).
        expect(cold.conditionalWritesKnown()).toBe(false);
        expect(raised === null || raised === (await flagsUp(name)).sort()[0]).toBe(true);
        expect(ops).toEqual([
          ['PutObject', 2],
          ['DeleteObject', 1],
          ['ListObjects', 1],
        ]);
      }
    });

    it('a process that knows the store ignores conditions lists first and PUTs nothing when a flag is up', async () => {
      // Prepare
      const name = shop();
      const now = Date.now();
      expect(await raiseFlushFlag(store, name, now, randomUUID())).not.toBeNull();
      const warm = t.appStore();
      await warm.supportsConditionalWrites();
      t.spaces.resetStats();
      // Act
      const raised = await raiseFlushFlag(warm, name, now, randomUUID());
      // Assess
      const ops = Object.entries(t.spaces.stats().requestsByOperation).filter(([, count]) => count > 0);
      if (mode === 'honour') expect(ops).toEqual([['PutObject', 1]]);
      else {
        expect(raised).toBeNull();
        expect(ops).toEqual([['ListObjects', 1]]);
      }
    });

    it('leaves no flag up once a job lowers them, so the next delivery starts a job', async () => {
      // Prepare
      const name = shop();
      const now = Date.now();
      await raiseBurst(name, now);
      expect((await flagsUp(name)).length).toBeGreaterThan(0);
      // Act
      await lowerFlushFlags(store, name, now);
      // Assess
      expect(await flagsUp(name)).toEqual([]);
      expect(await raiseFlushFlag(store, name, now, randomUUID())).not.toBeNull();
    });

    it('a raiser that could not start a job leaves no flag up that other deliveries would count on', async () => {
      // Prepare
      const name = shop();
      const now = Date.now();
      const mine = (await raiseBurst(name, now)).find((key) => key !== null)!;
      // Act
      await abandonFlushFlag(store, name, now, mine);
      // Assess: honoured, every other shard up belongs to a raiser that started its own job; ignored, to a raiser
      // that counted on ours, so all of them go, and the next delivery starts a job.
      const left = await flagsUp(name);
      expect(left).not.toContain(mine);
      if (mode === 'ignore') {
        expect(left).toEqual([]);
        expect(await raiseFlushFlag(store, name, now, randomUUID())).not.toBeNull();
      }
    });
  });
}
