import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toShopifyJson } from '../../lib/dev/emulators/shopify';
import { keys } from '../../lib/storage/keys';
import { flushed } from '../helpers/stack';
import { signToken, verifyToken } from '../../lib/crypto/signed-token';
import { route } from '../../lib/dev/host/router';
import { startHarness, type Harness } from './harness/context';
import { connectShopify } from './harness/flows';
import { jsonOf } from './harness/http';
import { readObject } from './harness/objects';
import { checkAnswer } from './harness/properties';
import { callbackSignedContent, freshCallback } from './harness/signed-callback';

// Defects the harness found, each kept as a regression test (see README "Reliability").
describe('regressions found by the hardening harness', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it.each([
    '/shopify/%',
    '/api/v1/web/fn-local/shopify/webhook/%2e%2e/%',
    '/api/v1/web/fn-local/%E0%A4%A/login',
    '/__host/triggers/%zz',
    '/api/v1/namespaces/%/actions/a',
  ])('the host answers a malformed percent escape in %s with a JSON 404, not a 500', async (path) => {
    // Act
    const res = await h.send({ method: 'GET', path });

    // Assess
    expect(res.status).toBe(404);
    expect(jsonOf(res)).toMatchObject({ error: expect.any(String) });
    expect(checkAnswer('host', { method: 'GET', path }, res)).toEqual([]);
  });

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
    expect(jsonOf(res)).toMatchObject({
      error: 'invalid_hmac',
      message: expect.stringContaining('more than one HMAC'),
    });
  });

  it('treats a state cookie whose JWS signature differs only in unused base64url bits as the same signed content', () => {
    const request = (sig: string) => ({
      method: 'GET',
      path: '/shopify/callback?code=1&hmac=ab',
      headers: { cookie: `shopify_oauth_state=h.p.${sig}` },
    });
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
    for (const variant of [`${token}=`, twin, ` ${token}`])
      expect(await verifyToken(variant, options)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('never acknowledges a products/update that does not become visible: Spaces failing the snapshot write makes the flush retry, not lose it', async () => {
    // Prepare: a connected shop; the next 6 snapshot writes fail with 503 SlowDown (the SDK makes 4 attempts per write).
    const domain = 'queued-ack.myshopify.com';
    h.stack.shopify!.seedShop(domain, { products: 3 });
    const { body } = await connectShopify(h, 'queued-ack');
    await flushed(h.stack.store, body.user_uuid);
    const gid = h.stack.shopify!.getProducts(domain)[0]!.id;
    const payload = Buffer.from(
      toShopifyJson({
        ...(h.stack.shopify!.productPayload(domain, gid) as object),
        title: 'Acknowledged title',
        updated_at: '2026-09-01T00:00:00Z',
      }),
    );
    for (let i = 0; i < 6; i++)
      h.stack.spaces!.injectFault('503-slowdown', { match: { method: 'PUT', keyPrefix: 'users/' } });

    // Act
    const res = await h.send({
      method: 'POST',
      path: '/shopify/webhook',
      body: payload,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'products/update',
        'x-shopify-shop-domain': domain,
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-hmac-sha256': createHmac('sha256', h.stack.env.SHOPIFY_API_SECRET!).update(payload).digest('base64'),
      },
    });

    // Assess: a 2xx tells Shopify never to redeliver, so the flush must get the new title into the bot's file despite the faults.
    expect(res.status).toBe(200);
    await flushed(h.stack.store, body.user_uuid);
    const stored = JSON.parse(
      (await readObject(h.s3, h.bucket, keys.shopifySnapshot(body.user_uuid)))!.toString('utf8'),
    );
    expect(stored.data.products.edges.find((e: { node: { id: string } }) => e.node.id === gid).node.title).toBe(
      'Acknowledged title',
    );
    expect(h.stack.spaces!.stats().pendingFaults).toBe(0);
  });
});
