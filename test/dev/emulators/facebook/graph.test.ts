import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_ID, type FacebookEmulator } from '../../../../lib/dev/emulators/facebook/index';
import { APP_ID, APP_SECRET, graph, login, startEmulator } from './helpers';

let emu: FacebookEmulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.close());

describe('/me/accounts', () => {
  it('lists the default pages with tokens, categories and tasks', async () => {
    const token = await login(emu);

    const { body } = await graph(emu, '/me/accounts', {}, { token });

    expect(body.data).toHaveLength(2);
    expect(body.data[0]).toEqual({
      access_token: expect.stringMatching(/^EAA/),
      category: 'Footwear store',
      category_list: expect.arrayContaining([{ id: '2256', name: 'Internet Company' }]),
      name: 'Fast Online Store PH',
      id: DEFAULT_PAGE_ID,
      tasks: expect.arrayContaining(['MODERATE', 'CREATE_CONTENT']),
    });
    expect(body.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
    expect(body.paging.next).toBeUndefined();
  });

  it('pages through 30 pages by following paging.next until it disappears', async () => {
    const user = emu.seedUser({ pages: 30 });
    const token = emu.issueUserToken(user.id);
    const seen: string[] = [];
    let next: string | undefined =
      `${emu.graphOrigin}/v25.0/me/accounts?${new URLSearchParams({ access_token: token, appsecret_proof: emu.appsecretProof(token), limit: '7', fields: 'id,name' })}`;
    let requests = 0;

    while (next) {
      const res = await fetch(next);
      const body = (await res.json()) as {
        data: Array<{ id: string; name: string }>;
        paging: { cursors: object; next?: string };
      };
      expect(res.status).toBe(200);
      expect(body.paging.cursors).toHaveProperty('after');
      seen.push(...body.data.map((p) => p.id));
      next = body.paging.next;
      if (next) expect(next.startsWith(`${emu.graphOrigin}/v25.0/${user.id}/accounts?`)).toBe(true);
      requests++;
    }

    expect(requests).toBe(5);
    expect(seen).toEqual(user.pageIds);
  });

  it('shows nothing without pages_show_list', async () => {
    const token = emu.issueUserToken(emu.defaultUser().id, { scopes: ['public_profile'] });

    const { body } = await graph(emu, '/me/accounts', {}, { token });

    expect(body).toEqual({ data: [] });
  });
});

describe('/{page-id}', () => {
  it('returns only the requested fields plus id, omitting fields that are not set', async () => {
    const token = emu.issuePageToken(emu.defaultUser().id, '104982736451029');

    const { body } = await graph(
      emu,
      '/104982736451029',
      { fields: 'name,phone,about,location{city},is_webhooks_subscribed' },
      { token },
    );

    expect(body).toEqual({
      name: 'Café Ñandú Bakeshop',
      phone: '+63 2 8555 0199',
      location: { city: 'Quezon City' },
      is_webhooks_subscribed: false,
      id: '104982736451029',
    });
  });

  it('escapes slashes and non-ASCII in replies like Graph does', async () => {
    const token = emu.issuePageToken(emu.defaultUser().id, '104982736451029');

    const { text } = await graph(emu, '/104982736451029', { fields: 'name,link' }, { token });

    expect(text).toBe(
      '{"name":"Caf\\u00e9 \\u00d1and\\u00fa Bakeshop","link":"https:\\/\\/www.facebook.com\\/104982736451029","id":"104982736451029"}',
    );
  });

  it('rejects an unknown field with (#100)', async () => {
    const token = emu.issuePageToken(emu.defaultUser().id, DEFAULT_PAGE_ID);

    const { status, body } = await graph(emu, `/${DEFAULT_PAGE_ID}`, { fields: 'name,bogus' }, { token });

    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^\(#100\) Tried accessing nonexisting field \(bogus\)/);
    expect(body.error.code).toBe(100);
  });

  it('returns the page token for fields=access_token with a user token', async () => {
    const token = await login(emu);

    const { body } = await graph(emu, `/${DEFAULT_PAGE_ID}`, { fields: 'access_token' }, { token });
    const me = await graph(emu, '/me', {}, { token: body.access_token });

    expect(body).toEqual({ access_token: expect.stringMatching(/^EAA/), id: DEFAULT_PAGE_ID });
    expect(me.body).toEqual({ name: 'Fast Online Store PH', id: DEFAULT_PAGE_ID });
  });
});

describe('appsecret_proof and versions', () => {
  it('requires appsecret_proof and rejects a wrong one', async () => {
    const token = await login(emu);

    const missing = await graph(emu, '/me', {}, { token, proof: false });
    const wrong = await graph(emu, '/me', {}, { token, proof: 'ab'.repeat(32) });

    expect(missing.body.error).toMatchObject({
      message: 'API calls from the server require an appsecret_proof argument',
      type: 'GraphMethodException',
      code: 100,
    });
    expect(wrong.body.error).toMatchObject({
      message: 'Invalid appsecret_proof provided in the API argument',
      type: 'GraphMethodException',
      code: 100,
    });
  });

  it('does not require the proof when the switch is off', async () => {
    await emu.close();
    emu = await startEmulator({ requireAppsecretProof: false });
    const token = await login(emu);

    expect((await graph(emu, '/me', {}, { token, proof: false })).status).toBe(200);
  });

  it('echoes the requested version and the default one for unversioned calls', async () => {
    const token = await login(emu);

    const v23 = await graph(emu, '/me', {}, { token, version: 'v23.0' });
    const bare = await graph(emu, '/me', {}, { token, version: null });

    expect(v23.headers.get('facebook-api-version')).toBe('v23.0');
    expect(bare.headers.get('facebook-api-version')).toBe('v25.0');
    expect(bare.headers.get('x-fb-trace-id')).toBeTruthy();
  });
});

describe('/debug_token', () => {
  it('describes a page token as never expiring with profile_id and granular scopes', async () => {
    const token = emu.issuePageToken(emu.defaultUser().id, DEFAULT_PAGE_ID);

    const { body } = await graph(emu, '/debug_token', { input_token: token, access_token: `${APP_ID}|${APP_SECRET}` });

    expect(body.data).toMatchObject({
      type: 'PAGE',
      is_valid: true,
      expires_at: 0,
      profile_id: DEFAULT_PAGE_ID,
      user_id: emu.defaultUser().id,
    });
    expect(body.data.granular_scopes).toContainEqual({ scope: 'pages_show_list', target_ids: [DEFAULT_PAGE_ID] });
  });

  it('reports a dead token as is_valid:false with its 190 error', async () => {
    const token = emu.issuePageToken(emu.defaultUser().id, DEFAULT_PAGE_ID);
    emu.setPageTokenState(DEFAULT_PAGE_ID, 'password_changed');

    const { body } = await graph(emu, '/debug_token', { input_token: token, access_token: `${APP_ID}|${APP_SECRET}` });

    expect(body.data).toMatchObject({ is_valid: false, error: { code: 190, subcode: 460 } });
  });
});
