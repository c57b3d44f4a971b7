import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody, toShopifyJson } from '../../../lib/dev/emulators/shopify';
import { keys } from '../../../lib/storage/keys';
import { connectShopify, flushed, startTestStack, type TestStack } from '../../helpers/stack';

// Flush-time checks (lib/shopify/flush-checks.ts): the flush job reads the Admin API before it applies a deletion, or
// an update of a product its snapshot does not know, so a signed body replayed under another topic or shop changes nothing.
const SHOP = 'checks-shop.myshopify.com';
const OTHER = 'checks-other.myshopify.com';
const HOUR = 3600_000;

describe('flush-time checks through the local DO host', () => {
  let stack: TestStack;
  let uuid: string;

  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
    stack.shopify!.seedShop(SHOP, { products: 6, variantsPerProduct: 1 });
    stack.shopify!.seedShop(OTHER, { products: 3, variantsPerProduct: 1 });
    uuid = (await connectShopify(stack, 'checks-shop')).body.user_uuid;
    await connectShopify(stack, 'checks-other');
  });
  afterAll(async () => stack?.shutdown());

  // Signed with the app secret like Shopify's deliveries; a non-2xx is retried with the same Webhook-Id.
  async function deliver(payload: unknown, topic: string, shop = SHOP): Promise<{ status: string; outcome?: string }> {
    const body = Buffer.from(toShopifyJson(payload), 'utf8');
    const webhookId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${stack.appUrl}/shopify/webhook`, {
        method: 'POST',
        body,
        headers: {
          'Content-Type': 'application/json',
          'X-Shopify-Topic': topic,
          'X-Shopify-Shop-Domain': shop,
          'X-Shopify-Hmac-Sha256': signWebhookBody(body, stack.env.SHOPIFY_API_SECRET!),
          'X-Shopify-API-Version': '2026-07',
          'X-Shopify-Webhook-Id': webhookId,
          'X-Shopify-Triggered-At': new Date().toISOString(),
        },
      });
      const text = await res.text();
      if (res.status === 200) return JSON.parse(text);
      if (res.status !== 503 || attempt === 5) throw new Error(`delivery answered ${res.status}: ${text}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const stored = async () => {
    await flushed(stack.store, uuid);
    const snap = (await stack.store.getJson<any>(keys.shopifySnapshot(uuid)))!.value;
    return new Map<string, any>(snap.data.products.edges.map((e: any) => [e.node.id, e.node]));
  };
  const reads = () => stack.shopify!.stats(SHOP).requests;

  it('drops a products/delete of a product the shop still returns', async () => {
    // The door refuses an update body resent as a deletion (webhook-shape.ts); a {"id"} body of a live product gets here.
    const gid = stack.shopify!.getProducts(SHOP)[0]!.id;
    const before = reads();
    expect((await deliver(stack.shopify!.deletePayload(SHOP, gid), 'products/delete')).status).toBe('ok');
    const byId = await stored();
    expect(byId.has(gid)).toBe(true);
    expect(reads() - before).toBe(1);
    expect(stack.logs.some((l) => l.includes(`Dropped products/delete of ${gid}`))).toBe(true);
  });

  it('applies a genuine products/delete (the shop no longer returns the product) after one read', async () => {
    const gid = stack.shopify!.getProducts(SHOP)[1]!.id;
    const payload = stack.shopify!.deletePayload(SHOP, gid);
    stack.shopify!.deleteProduct(SHOP, gid);
    const before = reads();
    await deliver(payload, 'products/delete');
    expect((await stored()).has(gid)).toBe(false);
    expect(reads() - before).toBe(1);
  });

  it('drops an update of a product the shop does not have (a body replayed from another shop)', async () => {
    const foreign = stack.shopify!.getProducts(OTHER)[0]!.id;
    const payload = {
      ...(stack.shopify!.productPayload(OTHER, foreign) as object),
      updated_at: new Date(Date.now() + HOUR).toISOString(),
    };
    const before = reads();
    await deliver(payload, 'products/update');
    expect((await stored()).has(foreign)).toBe(false);
    expect(reads() - before).toBe(1);
    expect(
      stack.logs.some((l) => l.includes(`Dropped products/update of ${foreign}`) && l.includes('does not return')),
    ).toBe(true);
  });

  it('applies an update of a product the snapshot lacks as the product the shop returns, and known ones without a read', async () => {
    // Prepare: the snapshot lost product 2 (e.g. a missed products/create).
    const [, , missing, known] = stack.shopify!.getProducts(SHOP).map((p) => p.id);
    const key = keys.shopifySnapshot(uuid);
    const snap = (await stack.store.getJson<any>(key))!.value;
    snap.data.products.edges = snap.data.products.edges.filter((e: any) => e.node.id !== missing);
    snap.meta.productCount = snap.data.products.edges.length;
    await stack.store.putJson(key, snap);
    const shopTitle = stack.shopify!.getProducts(SHOP)[2]!.title;

    // Act
    const before = reads();
    const at = new Date(Date.now() + HOUR).toISOString();
    await deliver(
      { ...(stack.shopify!.productPayload(SHOP, missing!) as object), title: 'Claimed by the body', updated_at: at },
      'products/update',
    );
    await flushed(stack.store, uuid);
    const afterMissing = reads();
    await deliver(
      { ...(stack.shopify!.productPayload(SHOP, known!) as object), title: 'Known product', updated_at: at },
      'products/update',
    );

    // Assess: the unknown one was read once and stored as the shop returns it; the known one needed no read.
    const byId = await stored();
    expect(afterMissing - before).toBe(1);
    expect(byId.get(missing!).title).toBe(shopTitle);
    expect(byId.get(known!).title).toBe('Known product');
    expect(reads()).toBe(afterMissing);
  });
});
