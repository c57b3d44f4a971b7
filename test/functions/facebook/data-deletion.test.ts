import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_ID } from '../../../lib/dev/emulators/facebook/index';
import { handleFacebookDataDeletion, handleFacebookDeletionStatus } from './handlers';
import { runFacebookSyncJob } from '../../../lib/facebook/sync-job';
import { keys } from '../../../lib/storage/keys';
import { connectFacebook, readAll, serveHandler, startHarness, type Harness } from './helpers';

let h: Harness;
let server: { url: string; close(): Promise<void> };
const merchant = randomUUID();
const other = randomUUID();
let merchantUser: { id: string; pageIds: string[] };
const SHOP = 'acme-7cu19ngr.myshopify.com';

beforeAll(async () => {
  h = await startHarness();
  server = await serveHandler((request) =>
    new URL(request.url).pathname === '/facebook/deletion-status'
      ? handleFacebookDeletionStatus(request, h.deps)
      : handleFacebookDataDeletion(request, h.deps),
  );
  merchantUser = h.emu.seedUser({ pages: 2 });
  expect((await connectFacebook(h, merchant, merchantUser.id)).status).toBe(200);
  expect((await connectFacebook(h, other, h.emu.defaultUser().id)).status).toBe(200);
  // The same UUID's Shopify side, which a Facebook deletion must leave alone.
  await h.store.putJson(keys.shopifySnapshot(merchant), { data: { shop: { name: 'Acme' }, products: { edges: [] } } });
  await h.store.putJson(keys.shopRecord(SHOP), { shop: SHOP, uuid: merchant });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

const deletion = (signedRequest: string) =>
  h.emu.postSignedRequest(`${server.url}/facebook/data-deletion`, signedRequest);
const status = async (id: string) => {
  const res = await fetch(`${server.url}/facebook/deletion-status?id=${encodeURIComponent(id)}`);
  return { status: res.status, body: (await res.json()) as any };
};

describe('facebook/data-deletion', () => {
  it("deletes the user's Page data, Page tokens and records, user token and id mapping, and nothing else", async () => {
    // Prepare
    const before = await readAll(h.store, '');
    const facebookKeys = [
      ...merchantUser.pageIds.flatMap((id) => [
        keys.pageSnapshot(merchant, id),
        keys.pageToken(id),
        keys.pageRecord(id),
      ]),
      keys.facebookUserToken(merchant),
      keys.facebookUserRecord(merchantUser.id),
    ];
    expect(facebookKeys.every((key) => before.has(key))).toBe(true);

    // Act
    const res = await deletion(
      h.emu.signedRequest({ userId: merchantUser.id, expires: Math.floor(Date.now() / 1000) + 3600 }),
    );

    // Assess
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.confirmation_code).toMatch(/^[A-Za-z0-9]+$/);
    expect(body).toEqual({
      url: `${h.config.APP_URL}/facebook/deletion-status?id=${body.confirmation_code}`,
      confirmation_code: body.confirmation_code,
    });
    const after = await readAll(h.store, '');
    const expected = new Map(before);
    for (const key of facebookKeys) expected.delete(key);
    expected.set(keys.deletion(body.confirmation_code), after.get(keys.deletion(body.confirmation_code))!);
    expect(after).toEqual(expected);
    expect(after.has(keys.shopifySnapshot(merchant))).toBe(true);
    expect(after.has(keys.pageSnapshot(other, DEFAULT_PAGE_ID))).toBe(true);
    expect(await runFacebookSyncJob({ uuid: merchant }, h.deps)).toEqual({ status: 'success', pages: [] });
  });

  it('reports the deletion on the status URL and answers a repeated request with the same code', async () => {
    const signedRequest = h.emu.signedRequest({ userId: merchantUser.id, issuedAt: Math.floor(Date.now() / 1000) - 5 });
    const first = JSON.parse((await deletion(signedRequest)).body);
    const again = JSON.parse((await deletion(signedRequest)).body);

    const res = await status(first.confirmation_code);

    expect(again).toEqual(first);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      confirmation_code: first.confirmation_code,
      status: 'completed',
      requested_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      completed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      pages_deleted: 0,
    });
  });

  it('confirms a request for a user it holds nothing for, as Meta expects', async () => {
    const res = await deletion(h.emu.signedRequest({ userId: '555000111222333' }));
    const body = JSON.parse(res.body);
    expect(res.status).toBe(200);
    expect((await status(body.confirmation_code)).body).toMatchObject({ status: 'completed', pages_deleted: 0 });
  });

  it('counts the Pages it deleted', async () => {
    const uuid = randomUUID();
    const user = h.emu.seedUser({ pages: 3 });
    expect((await connectFacebook(h, uuid, user.id)).status).toBe(200);
    const body = JSON.parse((await deletion(h.emu.signedRequest({ userId: user.id }))).body);
    expect((await status(body.confirmation_code)).body).toMatchObject({ status: 'completed', pages_deleted: 3 });
    expect(await h.store.list(keys.userFacebookPrefix(uuid))).toEqual([]);
  });

  it.each([
    [
      'signed with another secret',
      () => h.emu.signedRequest({ userId: h.emu.defaultUser().id, secret: 'not-the-app-secret' }),
      401,
      'invalid_signature',
    ],
    [
      'declaring another algorithm',
      () => h.emu.signedRequest({ userId: h.emu.defaultUser().id, algorithm: 'HMAC-SHA1' }),
      400,
      'signed_request_algorithm',
    ],
    [
      'issued two hours ago',
      () => h.emu.signedRequest({ userId: h.emu.defaultUser().id, issuedAt: Math.floor(Date.now() / 1000) - 7200 }),
      400,
      'signed_request_expired',
    ],
    ['without a dot', () => 'not-a-signed-request', 400, 'signed_request_malformed'],
    ['empty', () => '', 400, 'signed_request_missing'],
  ])('answers a request %s with a JSON error and deletes nothing', async (_name, make, code, error) => {
    const before = await readAll(h.store, 'users/');
    const res = await deletion(make());
    expect(res.status).toBe(code);
    expect(JSON.parse(res.body)).toMatchObject({ error, message: expect.any(String) });
    expect(await readAll(h.store, 'users/')).toEqual(before);
  });
});

describe('facebook/deletion-status', () => {
  it('answers 404 for an unknown code and 400 for a malformed one', async () => {
    expect(await status('abc123')).toEqual({
      status: 404,
      body: expect.objectContaining({ error: 'unknown_confirmation_code' }),
    });
    expect(await status('../../users')).toEqual({
      status: 400,
      body: expect.objectContaining({ error: 'invalid_confirmation_code' }),
    });
    expect(await status('')).toEqual({
      status: 400,
      body: expect.objectContaining({ error: 'invalid_confirmation_code' }),
    });
  });
});
