import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleFacebookDataDeletion, handleFacebookDeauthorize } from './handlers';
import { getPageRecord } from '../../../lib/facebook/registry';
import { runFacebookSyncJob } from '../../../lib/facebook/sync-job';
import { handleFacebookWebhook } from './handlers';
import { keys } from '../../../lib/storage/keys';
import { connectFacebook, readAll, serveHandler, startHarness, type Harness } from './helpers';

let h: Harness;
let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness();
  server = await serveHandler((request) => {
    const path = new URL(request.url).pathname;
    if (path === '/facebook/webhook') return handleFacebookWebhook(request, h.deps);
    return path === '/facebook/data-deletion'
      ? handleFacebookDataDeletion(request, h.deps)
      : handleFacebookDeauthorize(request, h.deps);
  });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});
beforeEach(() => {
  h.lines.length = 0;
});

const deauthorize = async (signedRequest: string) => {
  const res = await h.emu.postSignedRequest(`${server.url}/facebook/deauthorize`, signedRequest);
  return { status: res.status, body: JSON.parse(res.body) };
};
const nowSec = () => Math.floor(Date.now() / 1000);
async function connected(pages = 2) {
  const uuid = randomUUID();
  const user = h.emu.seedUser({ pages });
  expect((await connectFacebook(h, uuid, user.id)).status).toBe(200);
  return { uuid, asid: user.id, pageIds: user.pageIds };
}

describe('facebook/deauthorize', () => {
  it("revokes the user's Page tokens and user token and marks the Pages disconnected, keeping their data and id mapping", async () => {
    // Prepare
    const { uuid, asid, pageIds } = await connected();
    const bystander = await connected(1);

    // Act
    const res = await deauthorize(h.emu.signedRequest({ userId: asid }));

    // Assess
    expect(res).toEqual({
      status: 200,
      body: { status: 'ok', pages_disconnected: [...pageIds].sort(), user_token_deleted: true },
    });
    for (const pageId of pageIds) {
      expect(await h.store.exists(keys.pageToken(pageId))).toBe(false);
      expect(await getPageRecord(h.store, pageId)).toMatchObject({
        uuid,
        state: 'disconnected',
        reason: expect.stringMatching(/deauthorized/),
      });
      expect(await h.store.exists(keys.pageSnapshot(uuid, pageId))).toBe(true);
    }
    expect(await h.store.exists(keys.facebookUserToken(uuid))).toBe(false);
    expect(await h.store.exists(keys.facebookUserRecord(asid))).toBe(true);
    expect(await h.store.exists(keys.pageToken(bystander.pageIds[0]!))).toBe(true);
    expect(await h.store.exists(keys.facebookUserToken(bystander.uuid))).toBe(true);
  });

  it('stops polling and webhook refreshes of disconnected Pages; a later data deletion still finds and deletes their data', async () => {
    const { uuid, asid, pageIds } = await connected(1);
    await deauthorize(h.emu.signedRequest({ userId: asid }));
    const reads = h.emu.stats().calls[`GET /${pageIds[0]}`];

    const sync = await runFacebookSyncJob({ uuid }, h.deps);
    const webhook = await h.emu.sendPageWebhook({
      url: `${server.url}/facebook/webhook`,
      entries: [{ pageId: pageIds[0]!, changedFields: ['name'] }],
    });

    expect(sync.pages).toEqual([expect.objectContaining({ page_id: pageIds[0], status: 'reauth_required' })]);
    expect(webhook.status).toBe(200);
    expect(h.lines).toContain(`Ignored webhook event for page ${pageIds[0]}: it needs re-authorisation`);
    expect(h.emu.stats().calls[`GET /${pageIds[0]}`]).toBe(reads);

    const deletion = await h.emu.postSignedRequest(
      `${server.url}/facebook/data-deletion`,
      h.emu.signedRequest({ userId: asid }),
    );
    expect(deletion.status).toBe(200);
    expect(await h.store.list(keys.userFacebookPrefix(uuid))).toEqual([]);
    expect(await h.store.exists(keys.facebookUserRecord(asid))).toBe(false);
  });

  it('keeps a connection made again after the request was issued (a late or replayed deauthorize)', async () => {
    const { uuid, asid, pageIds } = await connected(1);
    const issuedBeforeLogin = h.emu.signedRequest({ userId: asid, issuedAt: nowSec() - 60 });
    await deauthorize(h.emu.signedRequest({ userId: asid, issuedAt: nowSec() - 120 }));
    expect((await connectFacebook(h, uuid, asid)).status).toBe(200);

    const res = await deauthorize(issuedBeforeLogin);

    expect(res.body).toEqual({ status: 'ok', pages_disconnected: [], pages_kept: pageIds, user_token_deleted: false });
    expect(await getPageRecord(h.store, pageIds[0]!)).toMatchObject({ state: 'connected' });
    expect(await h.store.exists(keys.pageToken(pageIds[0]!))).toBe(true);
  });

  it('answers 200 for a user it holds nothing for', async () => {
    expect(await deauthorize(h.emu.signedRequest({ userId: '777000111222333' }))).toEqual({
      status: 200,
      body: { status: 'ok', pages_disconnected: [], user_token_deleted: false },
    });
  });

  it.each([
    ['signed with another secret', { secret: 'not-the-app-secret' }, 401, 'invalid_signature'],
    ['declaring another algorithm', { algorithm: 'HMAC-MD5' }, 400, 'signed_request_algorithm'],
    ['issued in the future', { issuedAt: nowSec() + 3600 }, 400, 'signed_request_future'],
  ])('answers a request %s with a JSON error and revokes nothing', async (_name, options, status, error) => {
    const { asid, pageIds } = await connected(1);
    const before = await readAll(h.store, 'private/');
    const res = await deauthorize(h.emu.signedRequest({ userId: asid, ...options }));
    expect(res).toEqual({ status, body: expect.objectContaining({ error }) });
    expect(await readAll(h.store, 'private/')).toEqual(before);
    expect(await getPageRecord(h.store, pageIds[0]!)).toMatchObject({ state: 'connected' });
  });

  it('answers a malformed request with 400 JSON', async () => {
    const res = await deauthorize('only.one.too-many.dots');
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ error: 'signed_request_malformed' }) });
  });
});
