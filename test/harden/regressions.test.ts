import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../lib/crypto/signed-token';
import { route } from '../../lib/dev/host/router';
import { startHarness, type Harness } from './harness/context';
import { jsonOf } from './harness/http';
import { checkAnswer } from './harness/properties';
import { callbackSignedContent, freshCallback } from './harness/signed-callback';

// Defects the harness found, each kept as a regression test (see README "Reliability").
describe('regressions found by the hardening harness', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it.each(['/shopify/%', '/api/v1/web/fn-local/shopify/webhook/%2e%2e/%', '/api/v1/web/fn-local/%E0%A4%A/login', '/__host/triggers/%zz', '/api/v1/namespaces/%/actions/a'])(
    'the host answers a malformed percent escape in %s with a JSON 404, not a 500',
    async (path) => {
      // Act
      const res = await h.send({ method: 'GET', path });

      // Assess
      expect(res.status).toBe(404);
      expect(jsonOf(res)).toMatchObject({ error: expect.any(String) });
      expect(checkAnswer('host', { method: 'GET', path }, res)).toEqual([]);
    },
  );

  it('routes a malformed escape to not-found without throwing', () => {
    expect(route('/shopify/%zz', 'fn-local')).toEqual({ kind: 'not-found' });
    expect(route('/api/v1/namespaces/fn-local/actions/%E0%A4%A', 'fn-local')).toEqual({ kind: 'not-found' });
  });

  it('refuses an OAuth callback that carries a second hmac parameter after the valid one', async () => {
    // Prepare
    h.stack.shopify!.seedShop('two-hmacs.myshopify.com', { products: 2 });
    const base = await freshCallback(h, 'two-hmacs');

    // Act
    const res = await h.send({ ...base, path: `${base.path}&hmac=00` });

    // Assess
    expect(res.status).toBe(400);
    expect(jsonOf(res)).toMatchObject({ error: 'invalid_hmac', message: expect.stringContaining('more than one HMAC') });
  });

  it('treats a state cookie whose JWS signature differs only in unused base64url bits as the same signed content', () => {
    const request = (sig: string) => ({ method: 'GET', path: '/shopify/callback?code=1&hmac=ab', headers: { cookie: `shopify_oauth_state=h.p.${sig}` } });
    expect(callbackSignedContent(request('AAAAAAB'))).toBe(callbackSignedContent(request('AAAAAAA')));
    expect(callbackSignedContent(request('AAAAAAE'))).not.toBe(callbackSignedContent(request('AAAAAAA')));
  });

  it('accepts a signed token only in the spelling it was issued in (no padded or unused-bit variants)', async () => {
    // Prepare: the fuzzer got a state cookie accepted with `=` appended to its signature.
    const options = { secret: 'x'.repeat(40), purpose: 'session', now: Date.now() };
    const token = await signToken({ sub: 'a' }, { ...options, ttlSeconds: 60 });
    const sig = token.split('.')[2]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const v = alphabet.indexOf(sig.at(-1)!);
    const twin = `${token.slice(0, -1)}${alphabet[(v & ~3) | ((v + 1) & 3)]}`;

    // Act / Assess
    expect((await verifyToken(token, options)).ok).toBe(true);
    for (const variant of [`${token}=`, twin, ` ${token}`]) expect(await verifyToken(variant, options)).toEqual({ ok: false, reason: 'invalid' });
  });
});
