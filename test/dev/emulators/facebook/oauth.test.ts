import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FacebookEmulator } from '../../../../lib/dev/emulators/facebook/index';
import { APP_ID, APP_SECRET, REDIRECT_URI, graph, login, openDialog, startEmulator } from './helpers';

let emu: FacebookEmulator;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.close());

const exchange = (code: string, overrides: Record<string, string> = {}) =>
  graph(emu, '/oauth/access_token', {
    client_id: APP_ID,
    client_secret: APP_SECRET,
    redirect_uri: REDIRECT_URI,
    code,
    ...overrides,
  });

describe('login dialog', () => {
  it('redirects with code and state plus the #_=_ fragment when approved', async () => {
    const { status, location } = await openDialog(emu);

    expect(status).toBe(302);
    expect(location?.origin + (location?.pathname ?? '')).toBe('https://bot.example.test/facebook/callback');
    expect(location?.searchParams.get('x')).toBe('1');
    expect(location?.searchParams.get('state')).toBe('csrf-123');
    expect(location?.searchParams.get('code')).toMatch(/^AQ/);
    expect(location?.hash).toBe('#_=_');
  });

  it('redirects with the user_denied error parameters when denied', async () => {
    emu.setDialogMode('deny');

    const { location } = await openDialog(emu);

    expect(location?.search).toBe(
      '?x=1&error=access_denied&error_code=200&error_description=Permissions+error&error_reason=user_denied&state=csrf-123',
    );
    expect(location?.hash).toBe('#_=_');
  });

  it('shows an error page for a redirect_uri that is not allow-listed or a wrong client_id', async () => {
    const badRedirect = await openDialog(emu, { redirect_uri: 'https://evil.example/cb' });
    const badClient = await openDialog(emu, { client_id: '999' });

    expect(badRedirect.status).toBe(400);
    expect(badRedirect.location).toBeNull();
    expect(badRedirect.html).toContain(
      'Invalid redirect_uri: Given URL is not allowed by the Application configuration.',
    );
    expect(badClient.html).toContain('Invalid App ID');
  });

  it('logs in the user chosen with setNextLogin, once', async () => {
    const other = emu.seedUser({ name: 'Juan Dela Cruz', pages: 1 });

    const first = await login(emu, other.id);
    const second = await login(emu);

    expect((await graph(emu, '/me', {}, { token: first })).body).toEqual({ name: 'Juan Dela Cruz', id: other.id });
    expect((await graph(emu, '/me', {}, { token: second })).body.name).toBe('Maria Santos');
  });
});

describe('demo dialog', () => {
  it('lists scopes and pages and follows the approve and deny links', async () => {
    await emu.close();
    emu = await startEmulator({ demo: true });

    const { status, html } = await openDialog(emu);
    const href = (id: string) => new RegExp(`id="${id}" role="button" href="([^"]+)"`).exec(html)?.[1] ?? '';
    const approve = await fetch(`${emu.wwwOrigin}${href('approve')}`, { redirect: 'manual' });
    const deny = await fetch(`${emu.wwwOrigin}${href('deny')}`, { redirect: 'manual' });

    expect(status).toBe(200);
    expect(html).toContain('pages_manage_metadata');
    expect(html).toContain('Fast Online Store PH');
    expect(new URL(approve.headers.get('location') ?? '').searchParams.get('code')).toMatch(/^AQ/);
    expect(deny.status).toBe(400); // the request was already answered
  });
});

describe('code exchange', () => {
  it('returns a bearer token with the configured expires_in', async () => {
    const code = (await openDialog(emu)).location?.searchParams.get('code') ?? '';

    const { status, body } = await exchange(code);

    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.stringMatching(/^EAA/), token_type: 'bearer', expires_in: 5183944 });
  });

  it('rejects a reused code with 100/36009', async () => {
    const code = (await openDialog(emu)).location?.searchParams.get('code') ?? '';
    await exchange(code);

    const { status, body, headers } = await exchange(code);

    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      message: 'This authorization code has been used.',
      type: 'OAuthException',
      code: 100,
      error_subcode: 36009,
    });
    expect(body.error.fbtrace_id).toBe(headers.get('x-fb-trace-id'));
  });

  it('rejects a redirect_uri that differs by one byte with 100/36008', async () => {
    const code = (await openDialog(emu)).location?.searchParams.get('code') ?? '';

    const { body } = await exchange(code, { redirect_uri: `${REDIRECT_URI}/` });

    expect(body.error).toMatchObject({
      message:
        'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      code: 100,
      error_subcode: 36008,
    });
  });

  it('rejects a wrong client secret and a malformed code', async () => {
    const code = (await openDialog(emu)).location?.searchParams.get('code') ?? '';

    const secret = await exchange(code, { client_secret: 'nope' });
    const malformed = await exchange('not-a-code');

    expect(secret.body.error).toMatchObject({ message: 'Error validating client secret.', code: 1, error_subcode: 33 });
    expect(malformed.body.error).toMatchObject({ message: 'Invalid verification code format.', code: 100 });
  });

  it('exchanges FB.login/config codes without redirect_uri', async () => {
    const code = emu.createAuthCode({ redirectUri: null });

    const { status } = await graph(emu, '/oauth/access_token', { client_id: APP_ID, client_secret: APP_SECRET, code });

    expect(status).toBe(200);
  });

  it('issues a short-lived token that fb_exchange_token turns into a long-lived one', async () => {
    await emu.close();
    emu = await startEmulator({ userTokenExpiresIn: 3600 });
    const short = await login(emu);

    const { body } = await graph(emu, '/oauth/access_token', {
      grant_type: 'fb_exchange_token',
      client_id: APP_ID,
      client_secret: APP_SECRET,
      fb_exchange_token: short,
    });
    const debug = await graph(emu, '/debug_token', {
      input_token: body.access_token,
      access_token: `${APP_ID}|${APP_SECRET}`,
    });

    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 5183944 });
    expect(body.access_token).not.toBe(short);
    expect(debug.body.data).toMatchObject({ type: 'USER', is_valid: true, app_id: APP_ID });
  });

  it('issues an app token for client_credentials', async () => {
    const { body } = await graph(emu, '/oauth/access_token', {
      grant_type: 'client_credentials',
      client_id: APP_ID,
      client_secret: APP_SECRET,
    });

    expect(body).toEqual({ access_token: `${APP_ID}|${APP_SECRET}`, token_type: 'bearer' });
  });
});
