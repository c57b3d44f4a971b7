import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../lib/crypto/derive-key';
import { issueSessionCookie } from '../../lib/crypto/session';
import { signToken } from '../../lib/crypto/signed-token';
import { startHarness, type Harness } from './harness/context';
import { Browser, connectShopify, platformHop } from './harness/flows';
import { jsonOf, type Observed } from './harness/http';
import { diffListings, listObjects } from './harness/objects';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('session cookie abuse', () => {
  let h: Harness;
  let a: { uuid: string; browser: Browser };
  let b: { uuid: string; browser: Browser };
  const claims = (sub: string, now = Math.floor(Date.now() / 1000)) => ({
    sub,
    shop: 'victim-b.myshopify.com',
    iss: 'gpt-sales-bot',
    aud: 'session',
    iat: now,
    exp: now + 3600,
  });

  beforeAll(async () => {
    h = await startHarness();
    const first = await connectShopify(h, 'attacker-a');
    const second = await connectShopify(h, 'victim-b');
    a = { uuid: first.body.user_uuid, browser: first.browser };
    b = { uuid: second.body.user_uuid, browser: second.browser };
  });
  afterAll(async () => h?.close());

  async function withoutWrites(act: () => Promise<Observed>): Promise<Observed> {
    const before = await listObjects(h.s3, h.bucket);
    const res = await act();
    const diff = diffListings(before, await listObjects(h.s3, h.bucket));
    expect(diff).toEqual({ created: [], changed: [], deleted: [] });
    return res;
  }

  const status = (cookie: string) => h.send({ method: 'GET', path: '/account/status', headers: { cookie } });
  const fbLogin = (cookie: string) => h.send({ method: 'GET', path: '/facebook/login', headers: { cookie } });

  async function forged(): Promise<Record<string, string>> {
    const secret = h.stack.env.SESSION_SECRET!;
    const real = a.browser.cookies.get('session_id')!;
    const [header, , signature] = real.split('.');
    const now = Date.now();
    return {
      'payload swapped to B': `${header}.${b64(claims(b.uuid))}.${signature}`,
      'signature flipped': `${real.slice(0, -2)}${real.endsWith('AA') ? 'AB' : 'AA'}`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(b.uuid))}.`,
      'HS512 with the real key': await new SignJWT(claims(b.uuid))
        .setProtectedHeader({ alg: 'HS512' })
        .sign(deriveKey(secret, 'jwt/session')),
      'signed with the raw secret': await new SignJWT(claims(b.uuid))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(secret)),
      'another secret': (
        await issueSessionCookie(
          { sub: b.uuid, shop: 'victim-b.myshopify.com' },
          { secret: `${secret}-other`, appUrl: h.stack.appUrl, now },
        )
      )
        .split(';')[0]!
        .slice('session_id='.length),
      'OAuth state token as session': await signToken(
        { sub: b.uuid, shop: 'victim-b.myshopify.com' },
        { secret, purpose: 'shopify-oauth-state', ttlSeconds: 600, now },
      ),
    };
  }

  it('refuses tampered, alg:none, wrong-key and wrong-purpose cookies with a 401 and writes nothing', async () => {
    for (const [what, token] of Object.entries(await forged())) {
      for (const send of [status, fbLogin]) {
        const res = await withoutWrites(() => send(`session_id=${token}`));
        expect({ what, status: res.status, code: (jsonOf(res) as any)?.error }).toEqual({
          what,
          status: 401,
          code: 'session_invalid',
        });
        expect(res.headers.location).toBeUndefined();
      }
    }
  });

  it('refuses an expired cookie with session_expired', async () => {
    const old = await issueSessionCookie(
      { sub: a.uuid, shop: 'attacker-a.myshopify.com' },
      { secret: h.stack.env.SESSION_SECRET!, appUrl: h.stack.appUrl, now: Date.now() - 8 * 24 * 3600 * 1000 },
    );
    const res = await withoutWrites(() => status(old.split(';')[0]!));
    expect(res.status).toBe(401);
    expect(jsonOf(res)).toMatchObject({ error: 'session_expired', message: expect.stringContaining('/shopify/') });
  });

  it("shows user A only A's data, whatever else the request carries", async () => {
    const cookie = `session_id=${a.browser.cookies.get('session_id')}; session_id=${b.browser.cookies.get('session_id')}`;
    for (const path of ['/account/status', `/account/status?uuid=${b.uuid}&user_uuid=${b.uuid}&shop=victim-b`]) {
      const body = jsonOf(await h.send({ method: 'GET', path, headers: { cookie } })) as any;
      expect(body.user_uuid).toBe(a.uuid);
      expect(JSON.stringify(body)).not.toContain(b.uuid);
      expect(JSON.stringify(body)).not.toContain('victim-b');
    }
  });

  it("does not let B's session finish a Facebook login A started (state bound to A), while A still can", async () => {
    // Prepare: A starts a Facebook login and gets the callback URL back from the dialog.
    const login = await a.browser.get('/facebook/login');
    expect(login.status).toBe(302);
    const callback = await platformHop(String(login.headers.location));
    const stateA = `facebook_oauth_state=${a.browser.cookies.get('facebook_oauth_state')}`;

    // Act: B's browser replays A's callback with A's state cookie.
    const res = await withoutWrites(() =>
      h.send({
        method: 'GET',
        path: callback,
        headers: { cookie: `session_id=${b.browser.cookies.get('session_id')}; ${stateA}` },
      }),
    );

    // Assess
    expect(res.status).toBe(401);
    expect(jsonOf(res)).toMatchObject({ error: 'session_mismatch', message: expect.any(String) });
    expect(await listObjects(h.s3, h.bucket, `users/${b.uuid}/facebook_messenger/`)).toEqual(new Map());
    const own = await a.browser.get(callback);
    expect(own.status).toBe(200);
    expect((jsonOf(own) as any).user_uuid).toBe(a.uuid);
    expect(await listObjects(h.s3, h.bucket, `users/${b.uuid}/facebook_messenger/`)).toEqual(new Map());
  });
});
