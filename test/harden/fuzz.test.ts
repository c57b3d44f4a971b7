import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness/context';
import {
  callbackSource,
  genericSource,
  runFuzz,
  signedRequestSource,
  webhookSource,
  type FuzzResult,
} from './harness/fuzz';
import { facebookWebhookKind, shopifyWebhookKind } from './harness/signed-webhooks';

// npm test runs a modest, seeded number of cases; `npm run fuzz` runs ≥ 10,000 per function.
const SEED = 20260801;
const MALFORMED_CASES = 30;
const SIGNED_CASES = 80;

const summary = (r: FuzzResult) => ({ fn: r.fn, violations: r.violations });

describe('fuzzing every web function through the local host', () => {
  let h: Harness;
  let session: string;

  beforeAll(async () => {
    h = await startHarness();
    session = await h.sessionCookie('0b9f6c1e-2d3a-4b5c-8d7e-9f0a1b2c3d4e');
  });
  afterAll(async () => h?.close());

  it('lists the web functions of project.yml', () => {
    expect(h.targets.map((t) => t.fn)).toEqual(
      expect.arrayContaining([
        'shopify/login',
        'shopify/callback',
        'shopify/webhook',
        'facebook/login',
        'facebook/callback',
        'facebook/webhook',
      ]),
    );
    expect(h.targets.some((t) => t.fn.endsWith('/sync'))).toBe(false);
  });

  it('answers malformed requests without a 5xx, a crash, a non-JSON 4xx or a write', async () => {
    for (const [i, target] of h.targets.entries()) {
      // Act
      const result = await runFuzz(h, genericSource(target, SEED + i, MALFORMED_CASES, session), MALFORMED_CASES);

      // Assess
      expect(summary(result)).toEqual({ fn: target.fn, violations: [] });
      expect(result.cases).toBe(MALFORMED_CASES);
    }
  });

  it('never accepts a mutated Shopify webhook delivery, and accepts the untouched ones', async () => {
    const secret = h.stack.env.SHOPIFY_API_SECRET!;
    const result = await runFuzz(
      h,
      webhookSource(shopifyWebhookKind(secret), secret, SEED, SIGNED_CASES),
      SIGNED_CASES,
    );
    expect(summary(result)).toEqual({ fn: 'shopify/webhook', violations: [] });
    expect(result.forgedTried).toBeGreaterThan(SIGNED_CASES / 2);
    expect(result.forgedAccepted).toBe(0);
    expect(result.controlsTried).toBeGreaterThan(0);
    expect(result.controlsAccepted).toBe(result.controlsTried);
  });

  it('never accepts a mutated Facebook webhook delivery, and accepts the untouched ones', async () => {
    const secret = h.stack.env.FACEBOOK_APP_SECRET!;
    const result = await runFuzz(
      h,
      webhookSource(facebookWebhookKind(secret), secret, SEED, SIGNED_CASES),
      SIGNED_CASES,
    );
    expect(summary(result)).toEqual({ fn: 'facebook/webhook', violations: [] });
    expect(result.forgedTried).toBeGreaterThan(SIGNED_CASES / 2);
    expect(result.controlsAccepted).toBe(result.controlsTried);
  });

  it('never accepts a mutated OAuth callback (query, HMAC or state cookie)', async () => {
    h.stack.shopify!.seedShop('fuzz-callback.myshopify.com', { products: 5 });
    const result = await runFuzz(h, callbackSource(h, 'fuzz-callback', SEED, SIGNED_CASES), SIGNED_CASES);
    expect(summary(result)).toEqual({ fn: 'shopify/callback', violations: [] });
    expect(result.forgedTried).toBeGreaterThan(SIGNED_CASES / 2);
    expect(result.forgedAccepted).toBe(0);
  });

  it('never accepts a mutated signed_request on the data-deletion and deauthorize callbacks', async () => {
    const secret = h.stack.env.FACEBOOK_APP_SECRET!;
    const targets = h.targets.filter((t) => /data-deletion|deauthorize/.test(t.fn));
    for (const target of targets) {
      const result = await runFuzz(h, signedRequestSource(target, secret, SEED, SIGNED_CASES / 2), SIGNED_CASES / 2);
      expect(summary(result)).toEqual({ fn: target.fn, violations: [] });
      expect(result.forgedAccepted).toBe(0);
      expect(result.controlsAccepted).toBe(result.controlsTried);
    }
  });
});
