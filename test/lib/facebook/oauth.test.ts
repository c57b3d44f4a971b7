import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors';
import {
  STATE_COOKIE,
  beginFacebookOAuth,
  checkFacebookState,
  clearFacebookStateCookie,
  type FacebookOAuthConfig,
} from '../../../lib/facebook/oauth';

const config: FacebookOAuthConfig = {
  APP_URL: 'https://faas.example/api/v1/web/fn-1',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-characters!',
  FACEBOOK_APP_ID: '1234567890',
  FACEBOOK_APP_SECRET: 'app-secret',
  FACEBOOK_GRAPH_VERSION: 'v25.0',
  FACEBOOK_SCOPES: 'pages_show_list,pages_read_engagement,pages_manage_metadata,pages_messaging',
  FACEBOOK_WWW_ORIGIN: 'https://www.facebook.com',
};
const uuid = '550e8400-e29b-41d4-a716-446655440000';
const now = Date.UTC(2026, 10, 26);
const cookieValue = (setCookie: string) => decodeURIComponent(setCookie.split(';')[0]!.slice(STATE_COOKIE.length + 1));
const callback = (jwt?: string) =>
  new Request('https://function.invalid/', { headers: jwt ? { cookie: `session_id=x; ${STATE_COOKIE}=${jwt}` } : {} });

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('state was accepted');
}

describe('beginFacebookOAuth', () => {
  it('redirects to the versioned dialog with the app id, exact callback URL, nonce state, code response and scopes', async () => {
    const { location } = await beginFacebookOAuth(uuid, config, now);

    const url = new URL(location);
    expect(`${url.origin}${url.pathname}`).toBe('https://www.facebook.com/v25.0/dialog/oauth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: '1234567890',
      redirect_uri: 'https://faas.example/api/v1/web/fn-1/facebook/callback',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      response_type: 'code',
      scope: config.FACEBOOK_SCOPES,
    });
  });

  it('sets an HttpOnly, Secure, SameSite=Lax state cookie scoped to the callback path for 10 minutes', async () => {
    const { cookie } = await beginFacebookOAuth(uuid, config, now);
    expect(cookie).toMatch(/^facebook_oauth_state=/);
    expect(cookie).toContain('Path=/api/v1/web/fn-1/facebook/callback');
    expect(cookie).toContain('Max-Age=600');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
    expect(clearFacebookStateCookie(config.APP_URL)).toContain('Max-Age=0');
  });
});

describe('checkFacebookState', () => {
  it('accepts the nonce and UUID it was issued for', async () => {
    const { location, cookie } = await beginFacebookOAuth(uuid, config, now);
    const state = new URL(location).searchParams.get('state');
    await expect(
      checkFacebookState(callback(cookieValue(cookie)), state, uuid, config, now + 60_000),
    ).resolves.toBeUndefined();
  });

  it('refuses a state parameter that does not match the cookie (CSRF)', async () => {
    const { cookie } = await beginFacebookOAuth(uuid, config, now);
    const err = await rejection(checkFacebookState(callback(cookieValue(cookie)), 'attacker-nonce', uuid, config, now));
    expect(err).toMatchObject({ status: 401, code: 'state_mismatch' });
  });

  it("refuses a login started from another session's UUID", async () => {
    const { location, cookie } = await beginFacebookOAuth(uuid, config, now);
    const state = new URL(location).searchParams.get('state');
    const err = await rejection(
      checkFacebookState(callback(cookieValue(cookie)), state, '00000000-0000-4000-8000-000000000000', config, now),
    );
    expect(err).toMatchObject({ status: 401, code: 'session_mismatch' });
  });

  it('reports a missing, expired or tampered cookie with a restart hint', async () => {
    const { location, cookie } = await beginFacebookOAuth(uuid, config, now);
    const state = new URL(location).searchParams.get('state');
    const jwt = cookieValue(cookie);
    const [h, , s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ uuid: 'x', nonce: state })).toString('base64url')}.${s}`;

    const missing = await rejection(checkFacebookState(callback(), state, uuid, config, now));
    const expired = await rejection(checkFacebookState(callback(jwt), state, uuid, config, now + 11 * 60_000));
    const tampered = await rejection(checkFacebookState(callback(forged), state, uuid, config, now));

    expect(missing).toMatchObject({ status: 400, code: 'state_cookie_missing' });
    expect(expired).toMatchObject({ status: 400, code: 'state_expired' });
    expect(tampered).toMatchObject({ status: 400, code: 'state_invalid' });
    expect(expired.message).toMatch(/Start again at \/facebook\/login/);
  });
});
