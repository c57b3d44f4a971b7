import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyEmulator } from '../../../../lib/dev/emulators/shopify';
import { verifyQueryHmac } from '../../../../lib/dev/emulators/shopify/hmac';
import { API_KEY, API_SECRET, authorize, exchange, gql, REDIRECT_URI, SHOP, startEmulator } from './helpers';

describe('Shopify emulator OAuth', () => {
  let emulator: ShopifyEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('redirects to the callback with a query HMAC that verifies', async () => {
    // Act
    const callback = await authorize(emulator);

    // Assess
    expect([...callback.keys()].sort()).toEqual(['code', 'hmac', 'host', 'shop', 'state', 'timestamp']);
    expect(callback.get('shop')).toBe(SHOP);
    expect(callback.get('state')).toBe('nonce-123');
    expect(Buffer.from(callback.get('host') ?? '', 'base64').toString()).toBe('admin.shopify.com/store/acme-store');
    expect(callback.get('host')).toMatch(/^[0-9a-zA-Z+/]+={0,2}$/);
    expect(verifyQueryHmac(callback, API_SECRET)).toEqual({ ok: true });
  });

  it('rejects a wrong client_id and a redirect_uri outside the allow-list with 400', async () => {
    const base = `${emulator.origin}/${SHOP}/admin/oauth/authorize?scope=read_products&state=x`;
    const badClient = await fetch(`${base}&client_id=nope&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {
      redirect: 'manual',
    });
    const badRedirect = await fetch(
      `${base}&client_id=${API_KEY}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
      { redirect: 'manual' },
    );
    expect(badClient.status).toBe(400);
    expect(badRedirect.status).toBe(400);
  });

  it('exchanges a code for a non-expiring token (JSON) and refuses to reuse it', async () => {
    const code = (await authorize(emulator)).get('code') ?? '';
    const first = await exchange(emulator, code);
    const again = await exchange(emulator, code);
    expect(first.status).toBe(200);
    const token = (await first.json()) as Record<string, unknown>;
    expect(token).toEqual({
      access_token: expect.stringMatching(/^shpat_[0-9a-f]{32}$/),
      scope: 'read_products,read_inventory',
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The authorization code was not found or was already used',
    });
  });

  it('accepts a form-encoded exchange with expiring=1 and rejects a wrong secret', async () => {
    const code = (await authorize(emulator)).get('code') ?? '';
    const form = (secret: string) =>
      fetch(`${emulator.origin}/${SHOP}/admin/oauth/access_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: API_KEY, client_secret: secret, code, expiring: '1' }),
      });
    const wrong = await form('bad');
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    const res = await form(API_SECRET);
    expect(await res.json()).toEqual({
      access_token: expect.stringMatching(/^shpat_/),
      scope: 'read_products,read_inventory',
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^shprt_/),
      refresh_token_expires_in: 7776000,
    });
  });

  it('rotates refresh tokens and keeps the previous one valid until the new access token is used', async () => {
    // Prepare
    const code = (await authorize(emulator)).get('code') ?? '';
    const pair = (await (await exchange(emulator, code, SHOP, { expiring: '1' })).json()) as { refresh_token: string };
    const refresh = (token: string) =>
      fetch(`${emulator.origin}/${SHOP}/admin/oauth/access_token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          client_id: API_KEY,
          client_secret: API_SECRET,
          grant_type: 'refresh_token',
          refresh_token: token,
        }),
      });

    // Act
    const second = (await (await refresh(pair.refresh_token)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    const retried = await refresh(pair.refresh_token); // response "lost": the old token still works
    const third = (await retried.json()) as { access_token: string; refresh_token: string };
    await gql(emulator, third.access_token, '{ shop { id } }');
    const afterUse = await refresh(pair.refresh_token);

    // Assess
    expect(second.refresh_token).not.toBe(pair.refresh_token);
    expect(retried.status).toBe(200);
    expect(afterUse.status).toBe(400);
    expect((await refresh(second.refresh_token)).status).toBe(400); // retired by the third pair
    expect((await refresh(third.refresh_token)).status).toBe(200);
  });

  it('shows an Approve page in demo mode whose link leads to the signed redirect', async () => {
    const demo = await startEmulator({ demo: true });
    try {
      const url = `${demo.origin}/${SHOP}/admin/oauth/authorize?client_id=${API_KEY}&scope=read_products&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=s1`;
      const page = await (await fetch(url, { redirect: 'manual' })).text();
      expect(page).toContain(`on ${SHOP}?`);
      const href = /id="approve" href="([^"]+)"/.exec(page)?.[1]?.replace(/&#38;/g, '&') ?? '';
      const approved = await fetch(new URL(href, demo.origin), { redirect: 'manual' });
      expect(approved.status).toBe(302);
      expect(verifyQueryHmac(new URL(approved.headers.get('location') ?? '').searchParams, API_SECRET)).toEqual({
        ok: true,
      });
    } finally {
      await demo.close();
    }
  });
});
