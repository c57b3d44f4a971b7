import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toShopifyJson } from '../../lib/dev/emulators/shopify';
import { startHarness, type Harness } from './harness/context';
import { connectShopify } from './harness/flows';
import { jsonOf } from './harness/http';
import { checkAnswer } from './harness/properties';
import { shopifyWebhookKind } from './harness/signed-webhooks';

// Spaces faults the fault matrix found; each stays as a regression test (README "Reliability").
describe('webhooks when Spaces misbehaves', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    // The webhook's first delivery below must be the first conditional write of a fresh container.
    h.stack.shopify!.seedShop('store-faults.myshopify.com', { products: 3 });
  });
  afterAll(async () => h?.close());

  it('recovers once Spaces does: a failed conditional-write probe is not remembered by the warm container', async () => {
    // Prepare: every attempt of the probe's first PUT fails (the SDK makes 4).
    const kind = shopifyWebhookKind(h.stack.env.SHOPIFY_API_SECRET!);
    for (let i = 0; i < 4; i++)
      h.stack.spaces!.injectFault('500', { match: { method: 'PUT', keyPrefix: 'private/probe/' } });

    // Act
    const failed = await h.send(kind.valid());
    const next = await h.send(kind.valid());

    // Assess: the failure is a clear JSON error; the next delivery, with Spaces healthy again, succeeds.
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(jsonOf(failed)).toMatchObject({ message: expect.stringContaining('Spaces') });
    expect(h.stack.spaces!.stats().pendingFaults).toBe(0);
    expect({ status: next.status, body: jsonOf(next) }).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('answers within its time limit with JSON when a Spaces request hangs, instead of being killed by the platform', async () => {
    // Prepare: a connected shop; the snapshot read of the next delivery hangs for longer than the function may run.
    const { body } = await connectShopify(h, 'store-faults');
    expect(body.upload_status).toEqual({ status: 'success' });
    const product = h.stack.shopify!.getProducts('store-faults.myshopify.com')[0]!;
    const kind = shopifyWebhookKind(h.stack.env.SHOPIFY_API_SECRET!, 'store-faults.myshopify.com');
    const delivery = kind.valid();
    // Lossless: product ids exceed 2^53, and the door refuses a body whose id differs from its GID.
    const payload = {
      ...JSON.parse(delivery.body!.toString()),
      admin_graphql_api_id: product.id,
      id: BigInt(product.id.split('/').pop()!),
    };
    const { createHmac } = await import('node:crypto');
    const bytes = Buffer.from(toShopifyJson(payload));
    const request = {
      ...delivery,
      body: bytes,
      headers: {
        ...delivery.headers,
        'x-shopify-hmac-sha256': createHmac('sha256', h.stack.env.SHOPIFY_API_SECRET!).update(bytes).digest('base64'),
      },
    };
    h.stack.spaces!.setFaults({ rate: 0, kinds: ['timeout'], timeoutMs: 25_000 });
    h.stack.spaces!.injectFault('timeout', { match: { method: 'GET', keyPrefix: 'users/' } });

    // Act
    const res = await h.send(request, { timeoutMs: 30_000 });
    h.stack.spaces!.clearFaults();

    // Assess: no platform time-out (a crash); either the retry succeeded or the answer says what failed.
    const crashes = h.crashes.poll().filter((c) => c.name === 'shopify/webhook');
    expect(crashes).toEqual([]);
    expect(checkAnswer('shopify/webhook', request, res)).toEqual(
      res.status >= 500 ? [expect.objectContaining({ property: 'no-5xx' })] : [],
    );
    expect({ status: res.status, body: jsonOf(res) }).toMatchObject({ status: 200 });
  });
});
