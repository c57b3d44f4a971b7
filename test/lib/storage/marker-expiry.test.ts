import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/log';
import type { PollDeps } from '../../../lib/poll/deps';
import { dispatchPoll } from '../../../lib/poll/dispatcher';
import { loadPollSettings } from '../../../lib/poll/settings';
import { keys } from '../../../lib/storage/keys';
import { MARKER_MAX_AGE_MS } from '../../../lib/storage/marker-expiry';
import type { ObjectStore } from '../../../lib/storage/store';
import { startTestSpaces, type TestSpaces } from '../../dev/spaces/helpers';

const HOUR = 3600_000;
let t: TestSpaces;
let store: ObjectStore;

beforeAll(async () => {
  t = await startTestSpaces({ port: 0, silent: true });
  store = t.appStore();
});
afterAll(async () => t?.cleanup());

// The local store takes LastModified from the object file's mtime: set it back to make a record old.
async function age(key: string, ms: number): Promise<void> {
  const parts = key.split('/');
  const file = path.join(t.dataDir, 'test-bucket', ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
  const then = new Date(Date.now() - ms);
  await utimes(file, then, then);
}

describe('webhook dedupe record expiry in the daily poll', () => {
  it('deletes records older than 48 hours and keeps fresh ones, for both platforms', async () => {
    // Prepare: Shopify retries for 4 h and Meta for 36 h; 48 h leaves a margin.
    expect(MARKER_MAX_AGE_MS).toBe(48 * HOUR);
    const oldShopify = keys.webhookSeen('shopify', 'a.myshopify.com', 'old-delivery');
    const oldMeta = keys.webhookSeen('facebook', 'page', 'old-delivery');
    const freshShopify = keys.webhookSeen('shopify', 'a.myshopify.com', 'fresh-delivery');
    const recentMeta = keys.webhookSeen('facebook', 'page', 'recent-delivery');
    const unrelated = keys.shopRecord('a.myshopify.com');
    for (const key of [oldShopify, oldMeta, freshShopify, recentMeta, unrelated])
      await store.putJson(key, { receivedAt: 'x' });
    await age(oldShopify, 49 * HOUR);
    await age(oldMeta, 30 * 24 * HOUR);
    await age(recentMeta, 36 * HOUR);
    await age(unrelated, 30 * 24 * HOUR);
    const lines: string[] = [];
    const deps = {
      store,
      clock: { now: () => Date.now(), sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) },
      log: createLogger({ sink: (line) => void lines.push(line) }),
      settings: loadPollSettings({}),
      shopify: { invoker: { available: false } },
    } as unknown as PollDeps;

    // Act: the daily run (whole registry, which is empty here).
    const summary = await dispatchPoll(deps, { deadline: Date.now() + 60_000 });

    // Assess
    expect(summary.markersExpired).toBe(2);
    expect(await store.exists(oldShopify)).toBe(false);
    expect(await store.exists(oldMeta)).toBe(false);
    expect(await store.exists(freshShopify)).toBe(true);
    expect(await store.exists(recentMeta)).toBe(true);
    expect(await store.exists(unrelated)).toBe(true);
    expect(lines.some((l) => l.includes('Expired 2 of 4 webhook dedupe records'))).toBe(true);
  });
});
