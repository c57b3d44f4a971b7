import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toShopifyJson } from '../../lib/dev/emulators/shopify';
import { startHarness, type Harness } from './harness/context';
import { Browser, connectFacebook, connectShopify } from './harness/flows';
import { collectSecrets, scanForSecrets, scanTexts } from './harness/secrets';
import { signedRequestPost, validSignedRequest } from './harness/signed-form';

const SHOP = 'secret-scan.myshopify.com';

describe('secret scan across an end-to-end run', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    h.recording = true;
    h.stack.shopify!.seedShop(SHOP, { products: 12 });
  });
  afterAll(async () => h?.close());

  it('finds no token, app secret, session secret or encryption key in any response, log line or users/ object', async () => {
    // Prepare: a whole merchant journey, with failures along the way.
    const browser = new Browser(h);
    const shopify = await connectShopify(h, 'secret-scan', browser);
    expect(shopify.res.status).toBe(200);
    const facebook = await connectFacebook(h, browser);
    expect(facebook.res.status).toBe(200);
    const replay = await browser.get(shopify.callbackPath);
    expect(replay.status).toBe(400);
    const product = h.stack.shopify!.getProducts(SHOP)[0]!;
    // Lossless: product ids exceed 2^53, and the door refuses a body whose id differs from its GID.
    const payload = Buffer.from(toShopifyJson(h.stack.shopify!.productPayload(SHOP, product.id)));
    const secret = h.stack.env.SHOPIFY_API_SECRET!;
    for (const sig of [createHmac('sha256', secret).update(payload).digest('base64'), 'forged']) {
      const res = await h.send({
        method: 'POST',
        path: '/shopify/webhook',
        body: payload,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'products/update',
          'x-shopify-hmac-sha256': sig,
          'x-shopify-shop-domain': SHOP,
          'x-shopify-api-version': '2026-07',
          'x-shopify-webhook-id': randomUUID(),
        },
      });
      expect([200, 401]).toContain(res.status);
    }
    const pageId = Object.keys(facebook.body.upload_status ?? {}).length
      ? facebook.body.upload_status[0].page_id
      : undefined;
    expect(pageId).toMatch(/^\d+$/);
    await h.stack.facebook!.changePage(
      pageId,
      { about: 'Now with secrets scanned' },
      { url: `${h.stack.appUrl}/facebook/webhook` },
    );
    const deletion = h.targets.find((t) => t.fn === 'facebook/data-deletion');
    if (deletion)
      await h.send(
        signedRequestPost(
          deletion.shortPath,
          validSignedRequest(h.stack.env.FACEBOOK_APP_SECRET!, '900000000000000009'),
        ),
      );
    const sync = await h.stack.host.invoke('shopify/sync', { shop: SHOP });
    expect(sync.response?.result).toMatchObject({ status: 'success' });

    // Act
    const { secrets, texts, findings } = await scanForSecrets(h);

    // Assess: the scan covered real secrets and real output, and found none of them.
    const names = (await collectSecrets(h)).map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['SHOPIFY_API_SECRET', 'FACEBOOK_APP_SECRET', 'SESSION_SECRET', 'TOKEN_ENCRYPTION_KEY']),
    );
    expect(names.filter((n) => n.startsWith('private/tokens/shopify/')).length).toBeGreaterThanOrEqual(2);
    expect(names.filter((n) => n.startsWith('private/tokens/facebook/pages/')).length).toBeGreaterThanOrEqual(1);
    expect(secrets).toBeGreaterThanOrEqual(9);
    expect(texts).toBeGreaterThan(50);
    expect(findings).toEqual([]);
  });

  it('would report a token that leaked, in any of its spellings', async () => {
    const [token] = (await collectSecrets(h)).filter((s) => s.name.endsWith('accessToken'));
    const findings = scanTexts(
      [token!],
      [
        ['plain', `x ${token!.value} y`],
        ['url', encodeURIComponent(token!.value)],
        ['b64', Buffer.from(token!.value).toString('base64')],
      ],
    );
    expect([...new Set(findings.map((f) => f.where))]).toEqual(['plain', 'url', 'b64']);
  });
});
