import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../lib/errors';
import { getPageRecord } from '../../../lib/facebook/registry';
import { runFacebookSyncJob } from '../../../lib/facebook/sync-job';
import { keys } from '../../../lib/storage/keys';
import { connectFacebook, startHarness, type Harness } from './helpers';

let h: Harness;
let pages: string[];
const uuid = randomUUID();
beforeAll(async () => {
  h = await startHarness();
  const user = h.emu.seedUser({ pages: 3 });
  pages = user.pageIds;
  expect((await connectFacebook(h, uuid, user.id)).status).toBe(200);
});
afterAll(() => h?.close());
beforeEach(() => {
  h.lines.length = 0;
});

const stored = async (pageId: string) => (await h.store.getJson<any>(keys.pageSnapshot(uuid, pageId)))!.value;

describe('facebook/sync', () => {
  it('refreshes every Page of a UUID, re-subscribing a dropped subscription', async () => {
    const [first, second] = pages as [string, string];
    h.emu.updatePage(first, { name: 'Renamed Shop', website: 'https://renamed.example/' });
    h.emu.dropPageSubscription(second);

    const result = await runFacebookSyncJob({ uuid }, h.deps);

    expect(result).toEqual({
      status: 'success',
      pages: pages.map((id) => ({ page_id: id, status: 'success', result: { status: 'success' } })),
    });
    expect((await stored(first)).data[0]).toMatchObject({ name: 'Renamed Shop', website: 'https://renamed.example/' });
    expect((await stored(first)).meta.source).toBe('poll');
    expect(h.emu.pageSubscriptions(second)).toEqual(['name', 'category']);
    expect(h.lines).toEqual(
      expect.arrayContaining([
        `Polled data for page ${first}: Success`,
        `Polled and uploaded data for page ${first}: Success`,
      ]),
    );
  });

  it('refreshes a single Page by id', async () => {
    const result = await runFacebookSyncJob({ pageId: pages[2]! }, h.deps);
    expect(result.status).toBe('success');
    expect(result.pages.map((p) => p.page_id)).toEqual([pages[2]]);
  });

  it('marks a Page whose token died (190/460) reauth_required and reports it without throwing', async () => {
    const dead = pages[1]!;
    h.emu.setPageTokenState(dead, 'password_changed');

    const single = await runFacebookSyncJob({ pageId: dead }, h.deps);
    const calls = h.emu.stats().total;
    const all = await runFacebookSyncJob({ uuid }, h.deps);

    expect(single).toMatchObject({
      status: 'failed',
      pages: [{ page_id: dead, status: 'reauth_required', result: { status: 'failed' } }],
    });
    expect(single.pages[0]!.message).toMatch(/\(#190\/460\).*log in again at \/facebook\/login/);
    expect((await getPageRecord(h.store, dead))?.state).toBe('reauth_required');
    expect(all.status).toBe('partial');
    expect(all.pages.find((p) => p.page_id === dead)).toMatchObject({
      status: 'reauth_required',
      message: expect.stringMatching(/needs re-authorisation/),
    });
    // The dead Page is not called again (2 calls per healthy Page: subscribed_apps and the fields).
    expect(h.emu.stats().total - calls).toBe(4);
  });

  it('rejects params that name neither a Page nor a UUID', async () => {
    await expect(runFacebookSyncJob({}, h.deps)).rejects.toBeInstanceOf(BadRequestError);
    await expect(runFacebookSyncJob({ pageId: '../x' }, h.deps)).rejects.toThrow(/Invalid page id/);
    await expect(runFacebookSyncJob({ pageId: '123' }, h.deps)).rejects.toThrow(/not connected/);
  });
});
