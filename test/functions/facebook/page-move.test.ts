import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../../lib/account/status';
import { getPageRecord } from '../../../lib/facebook/registry';
import { keys } from '../../../lib/storage/keys';
import { connectFacebook, startHarness, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe('a Page that changes owner', () => {
  it('leaves nothing stale with the previous merchant when another merchant connects the same Facebook user', async () => {
    // Prepare: merchant A connects the emulator's Facebook user and gets its Pages.
    const a = randomUUID();
    const b = randomUUID();
    const first = await connectFacebook(h, a);
    expect(first.status).toBe(200);
    const pageIds: string[] = first.body.pages.data.map((p: { id: string }) => p.id);
    expect(pageIds.length).toBeGreaterThan(0);
    for (const id of pageIds) expect(await h.store.exists(keys.pageSnapshot(a, id))).toBe(true);

    // Act: merchant B logs in with the same Facebook user.
    const before = Date.now();
    const second = await connectFacebook(h, b);

    // Assess: B has the Pages as usual; A's page_data.json is gone and A's status shows each Page as moved.
    expect(second.status).toBe(200);
    expect(second.body.upload_status.every((u: { result: { status: string } }) => u.result.status === 'success')).toBe(
      true,
    );
    const status = await readStatus(h.store, a);
    for (const id of pageIds) {
      expect(await h.store.exists(keys.pageSnapshot(b, id))).toBe(true);
      expect(await h.store.exists(keys.pageSnapshot(a, id))).toBe(false);
      expect((await getPageRecord(h.store, id))?.uuid).toBe(b);
      const entry = status?.pages[id];
      expect(entry).toMatchObject({ pageId: id, state: 'moved', message: expect.stringContaining('another account') });
      expect(Date.parse(entry!.movedAt!)).toBeGreaterThanOrEqual(before - 1000);
      expect(JSON.stringify(entry)).not.toContain(b);
    }
    expect(await h.store.list(keys.userFacebookPrefix(a))).toEqual([]);
    expect(h.lines.some((l) => l.includes('moved to another account'))).toBe(true);

    // A login by the same merchant again moves nothing.
    h.lines.length = 0;
    expect((await connectFacebook(h, b)).status).toBe(200);
    expect(h.lines.some((l) => l.includes('moved to another account'))).toBe(false);
    for (const id of pageIds) expect(await h.store.exists(keys.pageSnapshot(b, id))).toBe(true);
  });
});
