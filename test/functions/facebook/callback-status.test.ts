import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus } from '../../../lib/account/status';
import { connectFacebook, startHarness, type Harness } from './helpers';

describe('facebook/callback records what it did in the status record', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('lists every Page it connected with its result, and a Page that failed as needing a new login', async () => {
    // Prepare: the second Page's Graph calls keep failing.
    const user = h.emu.seedUser({ pages: 3 });
    const failing = user.pageIds[1]!;
    h.emu.injectFaults(...Array.from({ length: 30 }, () => ({ code: 4 as const, pageId: failing })));
    const uuid = randomUUID();

    // Act
    const { status, body } = await connectFacebook(h, uuid, user.id);
    h.emu.clearFaults();

    // Assess
    expect(status).toBe(200);
    const failed = body.upload_status.find((u: any) => u.page_id === failing).result;
    expect(failed.status).toBe('failed');
    const record = (await readStatus(h.store, uuid))!;
    expect(Object.keys(record.pages).sort()).toEqual([...user.pageIds].sort());
    for (const id of user.pageIds) {
      const entry = record.pages[id]!;
      expect(entry.source).toBe('oauth');
      expect(entry.name).toBe(h.emu.getPage(id)!.name);
      if (id === failing) {
        expect(entry).toMatchObject({ state: 'disconnected', lastResult: 'failed', message: failed.message });
      } else expect(entry).toMatchObject({ state: 'connected', lastResult: 'success' });
    }
  });
});
