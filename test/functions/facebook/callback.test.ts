import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_ID } from '../../../lib/dev/emulators/facebook/index';
import { handleFacebookLogin } from './handlers';
import { getPageRecord } from '../../../lib/facebook/registry';
import { keys } from '../../../lib/storage/keys';
import {
  callCallback,
  connectFacebook,
  loginRedirect,
  readAll,
  sessionCookie,
  startHarness,
  type Harness,
} from './helpers';

const schema = JSON.parse(readFileSync(resolve(__dirname, '../../../lib/schemas/page_data.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validatePageData = ajv.compile(schema);

let h: Harness;
const uuids: string[] = [];
const newUuid = () => {
  const uuid = randomUUID();
  uuids.push(uuid);
  return uuid;
};
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());
beforeEach(() => {
  h.lines.length = 0;
});

const login = (cookie?: string) =>
  handleFacebookLogin(new Request(`${h.config.APP_URL}/facebook/login`, { headers: cookie ? { cookie } : {} }), h.deps);

describe('facebook/login', () => {
  it('answers 401 naming the fix when there is no session cookie', async () => {
    const res = await login();
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: 'session_missing',
      message: expect.stringMatching(/connect Shopify first at \/shopify\/<shop>\/login/),
    });
  });

  it('answers 401 "run Shopify login again" for an expired session', async () => {
    const res = await login(await sessionCookie(h, newUuid(), Date.now() - 8 * 24 * 3600 * 1000));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: 'session_expired',
      message: expect.stringMatching(/session expired: run Shopify login again/),
    });
  });

  it('answers 401 for a tampered session', async () => {
    const [name, jwt] = (await sessionCookie(h, newUuid())).split('=') as [string, string];
    const [hd, , sig] = jwt.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: randomUUID(), shop: 'evil.myshopify.com' })).toString('base64url');
    const res = await login(`${name}=${hd}.${forged}.${sig}`);
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe('session_invalid');
  });

  it('redirects a merchant with a session to the dialog with a state cookie', async () => {
    const res = await login(await sessionCookie(h, newUuid()));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(
      new RegExp(`^${h.emu.wwwOrigin}/v25\\.0/dialog/oauth\\?client_id=1234567890&`),
    );
    expect(res.headers.getSetCookie()[0]).toMatch(
      /^facebook_oauth_state=.*Path=\/facebook\/callback; .*HttpOnly; Secure; SameSite=Lax/,
    );
  });
});

describe('facebook/callback failures', () => {
  it('refuses a state parameter that does not match the cookie', async () => {
    const { callbackUrl, cookie } = await loginRedirect(h, newUuid());
    const url = new URL(callbackUrl);
    url.searchParams.set('state', 'forged-state');
    const { status, body } = await callCallback(h, url.toString(), cookie);
    expect(status).toBe(401);
    expect(body).toMatchObject({
      error: 'state_mismatch',
      message: expect.stringMatching(/Start again at \/facebook\/login/),
    });
  });

  it('explains a denied login with a 403 and how to retry', async () => {
    h.emu.setDialogMode('deny');
    try {
      const { callbackUrl, cookie } = await loginRedirect(h, newUuid());
      const { status, body } = await callCallback(h, callbackUrl, cookie);
      expect(status).toBe(403);
      expect(body).toMatchObject({
        error: 'facebook_access_denied',
        message: expect.stringMatching(/approve every permission/),
      });
    } finally {
      h.emu.setDialogMode('approve');
    }
  });

  it('answers 400 when an authorization code is replayed', async () => {
    const { callbackUrl, cookie } = await loginRedirect(h, newUuid());
    const first = await callCallback(h, callbackUrl, cookie);
    const replay = await callCallback(h, callbackUrl, cookie);
    expect(first.status).toBe(200);
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({
      error: 'oauth_code_used',
      message: expect.stringMatching(/already used.*Start again at \/facebook\/login/),
    });
  });
});

describe('facebook/callback success', () => {
  it("connects the seed's merchant: JSON, log lines and page_data.json in the seed's shape", async () => {
    const uuid = newUuid();
    const { status, body } = await connectFacebook(h, uuid);

    expect(status).toBe(200);
    expect(body).toMatchObject({
      user_uuid: uuid,
      pages: {
        data: [
          { id: DEFAULT_PAGE_ID, name: 'Fast Online Store PH', category: 'Footwear store' },
          { id: '104982736451029' },
        ],
      },
      webhook_test: { status: 'success' },
      polling_test: [
        { page_id: DEFAULT_PAGE_ID, result: { status: 'success' } },
        { page_id: '104982736451029', result: { status: 'success' } },
      ],
      upload_status: [
        { page_id: DEFAULT_PAGE_ID, result: { status: 'success' } },
        { page_id: '104982736451029', result: { status: 'success' } },
      ],
    });
    expect(h.lines).toEqual(
      expect.arrayContaining([
        `Received webhook event for page test_page_id: {'id': 'test_page_id', 'changes': [{'field': 'name', 'value': 'Test Page'}]}`,
        "Webhook test result: {'status': 'success'}",
        `Polled data for page ${DEFAULT_PAGE_ID}: Success`,
        `Polling test result for page ${DEFAULT_PAGE_ID}: {'status': 'success'}`,
        `Uploaded data to Spaces for page ${DEFAULT_PAGE_ID}`,
      ]),
    );
    const stored = (await h.store.getJson<any>(keys.pageSnapshot(uuid, '104982736451029')))!.value;
    expect(validatePageData(stored)).toBe(true);
    expect(stored.data[0]).toMatchObject({
      id: '104982736451029',
      name: 'Café Ñandú Bakeshop',
      phone: '+63 2 8555 0199',
    });
    expect(stored.meta).toMatchObject({ pageId: '104982736451029', graphVersion: 'v25.0', source: 'oauth' });
    expect(stored.meta.missingFields).toEqual(
      expect.arrayContaining(['about', 'description', 'emails', 'website', 'hours', 'username']),
    );
    expect(h.emu.pageSubscriptions(DEFAULT_PAGE_ID)).toEqual(expect.arrayContaining(['name', 'category']));

    h.lines.length = 0;
    expect((await connectFacebook(h, uuid)).status).toBe(200);
    expect(h.lines).toContain(`Webhook subscription for 'name,category' already exists for page ${DEFAULT_PAGE_ID}`);
  });

  it('connects a merchant with 30 Pages across paging.next; every object validates against the committed schema', async () => {
    const user = h.emu.seedUser({ pages: 30 });
    const uuid = newUuid();
    const before = h.emu.stats().routes['GET /{user-id}/accounts'] ?? 0;

    const { status, body } = await connectFacebook(h, uuid, user.id);

    expect(status).toBe(200);
    expect(h.emu.stats().routes['GET /{user-id}/accounts']).toBe(before + 1);
    expect(body.pages.data.map((p: { id: string }) => p.id)).toEqual(user.pageIds);
    expect(body.upload_status.every((u: any) => u.result.status === 'success')).toBe(true);
    const objects = await h.store.list(keys.userFacebookPrefix(uuid));
    expect(objects.sort()).toEqual(user.pageIds.map((id) => keys.pageSnapshot(uuid, id)).sort());
    for (const key of objects) {
      const value = (await h.store.getJson(key))!.value;
      expect(validatePageData(value), `${key}: ${ajv.errorsText(validatePageData.errors)}`).toBe(true);
    }
  });

  it('reports a Page whose token was revoked (190) as needing re-authorisation while the others succeed', async () => {
    const user = h.emu.seedUser({ pages: 3 });
    const revoked = user.pageIds[1]!;
    h.emu.setPageTokenState(revoked, 'role_lost');
    const uuid = newUuid();

    const { status, body } = await connectFacebook(h, uuid, user.id);

    expect(status).toBe(200);
    const result = (id: string) => body.polling_test.find((p: any) => p.page_id === id).result;
    expect(result(revoked)).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/\(#190\/492\).*re-authorisation: log in again at \/facebook\/login/),
    });
    expect(result(user.pageIds[0]!)).toEqual({ status: 'success' });
    expect(result(user.pageIds[2]!)).toEqual({ status: 'success' });
    expect((await getPageRecord(h.store, revoked))?.state).toBe('reauth_required');
    expect(await h.store.exists(keys.pageSnapshot(uuid, revoked))).toBe(false);
  });

  it('recovers from a (#4) throttle and reports a (#80001) Page throttle clearly, leaving the other Pages intact', async () => {
    const user = h.emu.seedUser({ pages: 3 });
    const [recovers, limited, fine] = user.pageIds as [string, string, string];
    h.emu.injectFaults({ code: 4, pageId: recovers }, { code: 80001, pageId: limited, regainAccessMinutes: 5 });

    const { body } = await connectFacebook(h, newUuid(), user.id);

    const result = (id: string) => body.polling_test.find((p: any) => p.page_id === id).result;
    expect(result(recovers)).toEqual({ status: 'success' });
    expect(result(fine)).toEqual({ status: 'success' });
    expect(result(limited)).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/rate-limiting these calls \(#80001\) \(access returns in about 5 minutes\)/),
    });
    expect(h.emu.pendingFaults()).toEqual([]);
  });

  it('reports one Page whose Graph calls keep failing while the others succeed', async () => {
    const user = h.emu.seedUser({ pages: 2 });
    const broken = user.pageIds[0]!;
    h.emu.injectFaults(Array.from({ length: 6 }, () => ({ status: 503 as const, pageId: broken })));

    const { body } = await connectFacebook(h, newUuid(), user.id);

    expect(body.polling_test[0]).toMatchObject({
      page_id: broken,
      result: { status: 'failed', message: expect.stringMatching(/answered 503/) },
    });
    expect(body.upload_status[0].result.status).toBe('failed');
    expect(body.polling_test[1].result).toEqual({ status: 'success' });
  });
});

describe('secrets', () => {
  it('leaks no token the emulator issued into responses, log lines or users/ objects', async () => {
    const tokens: string[] = [];
    const prefix = keys.pageRecordPrefix();
    for (const key of await h.store.list(prefix)) {
      const page = await h.deps.vault.get<{ accessToken: string }>(
        keys.pageToken(key.slice(prefix.length, -'.json'.length)),
      );
      if (page) tokens.push(page.value.accessToken);
    }
    for (const uuid of uuids) {
      const user = await h.deps.vault.get<{ accessToken: string }>(keys.facebookUserToken(uuid));
      if (user) tokens.push(user.value.accessToken);
    }
    const objects = [
      ...(await readAll(h.store, 'users/')).values(),
      ...(await readAll(h.store, 'private/registry/')).values(),
    ];
    const haystacks = [...h.bodies, ...h.lines, ...objects];

    expect(tokens.length).toBeGreaterThan(30);
    expect(objects.length).toBeGreaterThan(30);
    for (const text of haystacks) {
      expect(text).not.toMatch(/EAA[A-Za-z0-9]{20,}/);
      for (const token of tokens) expect(text.includes(token)).toBe(false);
    }
  });
});
