import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_ID, type FacebookEmulator } from '../../../../lib/dev/emulators/facebook/index';
import { graph, startEmulator } from './helpers';

let emu: FacebookEmulator;
let userId: string;
let pageToken: string;
beforeEach(async () => {
  emu = await startEmulator();
  userId = emu.defaultUser().id;
  pageToken = emu.issuePageToken(userId, DEFAULT_PAGE_ID);
});
afterEach(() => emu.close());

const readPage = (token = pageToken) => graph(emu, `/${DEFAULT_PAGE_ID}`, { fields: 'name' }, { token });

describe('token states', () => {
  it.each([
    ['expired', 463, /^Error validating access token: Session has expired on \w+, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d PST/],
    ['password_changed', 460, /changed their password or Facebook has changed the session for security reasons\.$/],
    ['role_lost', 492, /^User associated with the Page access token does not have an appropriate role on the Page$/],
    ['app_removed', 458, /has not authorized application/],
  ] as const)(
    'answers a page token in state %s with 190/%i, HTTP 400 and WWW-Authenticate',
    async (state, subcode, message) => {
      emu.setPageTokenState(DEFAULT_PAGE_ID, state);

      const { status, headers, body } = await readPage();

      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'OAuthException', code: 190, error_subcode: subcode });
      expect(body.error.message).toMatch(message);
      expect(headers.get('www-authenticate')).toMatch(/^OAuth "Facebook Platform" "invalid_token" "/);
    },
  );

  it('kills page tokens when the user changes password, and revives them on valid', async () => {
    emu.setUserTokenState(userId, 'password_changed');
    const dead = await readPage();
    emu.setUserTokenState(userId, 'valid');
    const alive = await readPage();

    expect(dead.body.error.error_subcode).toBe(460);
    expect(alive.status).toBe(200);
  });

  it('expires short-lived tokens by the injected clock, while long-lived page tokens live on', async () => {
    let now = Date.UTC(2026, 10, 1);
    await emu.close();
    emu = await startEmulator({ now: () => now });
    const user = emu.defaultUser().id;
    const shortToken = emu.issueUserToken(user, { expiresIn: 3600 });
    const longPageToken = emu.issuePageToken(user, DEFAULT_PAGE_ID);

    now += 2 * 3600 * 1000;

    expect((await graph(emu, '/me', {}, { token: shortToken })).body.error.error_subcode).toBe(463);
    expect((await readPage(longPageToken)).status).toBe(200);
  });

  it('rejects an unknown token with 190 and no subcode', async () => {
    const { body } = await readPage('EAAnotatoken');

    expect(body.error).toMatchObject({ code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
    expect(body.error.error_subcode).toBeUndefined();
  });
});

describe('fault injection', () => {
  it.each([4, 17, 32, 613, 80001] as const)('answers throttle code %i once, with usage headers', async (code) => {
    emu.injectFaults([{ code }]);

    const limited = await readPage();
    const after = await readPage();

    expect(limited.status).toBe(400);
    expect(limited.body.error).toMatchObject({ code, is_transient: true });
    expect(limited.body.error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
    expect(JSON.parse(limited.headers.get('x-app-usage') ?? '')).toEqual({
      call_count: expect.any(Number),
      total_cputime: expect.any(Number),
      total_time: expect.any(Number),
    });
    const buc = JSON.parse(limited.headers.get('x-business-use-case-usage') ?? '') as Record<
      string,
      Array<Record<string, unknown>>
    >;
    expect(buc[DEFAULT_PAGE_ID]?.[0]).toMatchObject({
      type: 'pages',
      estimated_time_to_regain_access: expect.any(Number),
    });
    expect(after.status).toBe(200);
  });

  it('reports the regain time on a page BUC throttle and only hits the targeted page', async () => {
    emu.injectFaults({ code: 80001, pageId: '104982736451029', regainAccessMinutes: 12 });
    const otherToken = emu.issuePageToken(userId, '104982736451029');

    const untouched = await readPage();
    const limited = await graph(emu, '/104982736451029', { fields: 'name' }, { token: otherToken });

    expect(untouched.status).toBe(200);
    expect(limited.body.error.message).toContain('There have been too many calls to this Page account');
    expect(JSON.parse(limited.headers.get('x-business-use-case-usage') ?? '')['104982736451029'][0]).toMatchObject({
      call_count: 100,
      estimated_time_to_regain_access: 12,
    });
    expect(emu.stats().errors['80001']).toBe(1);
  });

  it('serves injected 500/503 as transient errors and delays calls', async () => {
    emu.injectFaults([{ status: 500 }, { status: 503 }, { delayMs: 150 }]);

    const first = await readPage();
    const second = await readPage();
    const started = Date.now();
    const third = await readPage();

    expect([first.status, first.body.error.code]).toEqual([500, 1]);
    expect([second.status, second.body.error.code]).toEqual([503, 2]);
    expect(third.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emu.pendingFaults()).toEqual([]);
  });

  it('counts calls per path and per route', async () => {
    await readPage();
    await readPage();

    expect(emu.stats().calls[`GET /${DEFAULT_PAGE_ID}`]).toBe(2);
    expect(emu.stats().routes['GET /{page-id}']).toBe(2);
  });
});
