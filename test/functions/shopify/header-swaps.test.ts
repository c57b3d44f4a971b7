import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../lib/storage/keys';
import { adminView, storedView } from '../../helpers/catalog-view';
import { connectShopify, flushed, startTestStack, type TestStack } from '../../helpers/stack';

// Issue 12: only the body of a delivery is signed. Each attack below is a validly signed body with a swapped header or a
// future timestamp. The door may refuse it (400) or accept it (200); either way, the next full sync must leave the shop's
// catalog exactly as the Admin API returns it.
const SHOP = 'victim-shop.myshopify.com';
const OTHER = 'attacker-shop.myshopify.com';

describe('signed deliveries with swapped headers end repaired by the next full sync', () => {
  let stack: TestStack;
  const uuids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
    for (const [shop, products] of [
      [SHOP, 8],
      [OTHER, 4],
    ] as const) {
      stack.shopify!.seedShop(shop, { products, variantsPerProduct: 2 });
      const { body } = await connectShopify(stack, shop.replace('.myshopify.com', ''));
      uuids[shop] = body.user_uuid;
      await flushed(stack.store, body.user_uuid);
    }
  });
  afterAll(async () => stack?.shutdown());

  const send = (shop: string, topic: string, payload: unknown, extra: Record<string, unknown> = {}) =>
    stack.shopify!.sendWebhook({ shop, topic, payload, url: `${stack.appUrl}/shopify/webhook`, ...extra });
  const stored = async (shop = SHOP) => {
    await flushed(stack.store, uuids[shop]!);
    return (await stack.store.getJson<any>(keys.shopifySnapshot(uuids[shop]!)))!.value;
  };
  const fullSync = async (shop = SHOP) => {
    const record = await stack.host.invoke('shopify/sync', { shop });
    expect(record.response?.result).toMatchObject({ status: 'success' });
  };
  const gidAt = (i: number, shop = SHOP) => stack.shopify!.getProducts(shop)[i]!.id;
  // The door refuses (400 with a message) or accepts (200); never a 5xx.
  const expectDoorAnswer = (res: { status: number; body: string }) => {
    expect([200, 400]).toContain(res.status);
    if (res.status === 400) expect(JSON.parse(res.body).message).toBeTruthy();
  };

  it('starts from the Admin API catalog', async () => {
    expect(storedView(await stored())).toEqual(adminView(stack.shopify!, SHOP));
  });

  it('topic swap: a signed products/update body resent as products/delete with a new Webhook-Id', async () => {
    // Prepare
    const gid = gidAt(2);
    const body = stack.shopify!.productPayload(SHOP, gid);
    expect((await send(SHOP, 'products/update', body)).status).toBe(200);

    // Act
    const res = await send(SHOP, 'products/delete', body, { webhookId: `swap-${Date.now()}` });
    expectDoorAnswer(res);
    // Accepted, it did remove the product: the sync below is what repairs it.
    if (res.status === 200) expect(storedView(await stored()).some((p) => p.id === gid)).toBe(false);
    await fullSync();

    // Assess
    const after = await stored();
    expect(storedView(after)).toEqual(adminView(stack.shopify!, SHOP));
    expect(after.meta.tombstones?.[gid]).toBeUndefined();
  });

  it("shop swap: a body from one shop sent under another shop's X-Shopify-Shop-Domain, with a future updated_at", async () => {
    // Prepare: a product of the attacker's shop, dated a year ahead.
    const foreign = gidAt(1, OTHER);
    const future = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const body = { ...(stack.shopify!.productPayload(OTHER, foreign) as object), updated_at: future };

    // Act
    const res = await send(SHOP, 'products/update', body);
    expectDoorAnswer(res);
    const during = await stored();
    await fullSync();

    // Assess: if it was taken, its time was clamped, and the sync removes it all the same.
    const node = during.data.products.edges.find((e: any) => e.node.id === foreign)?.node;
    // Refused at the door (400), dropped by the flush's Admin API check, or applied: only an applied one can be present.
    if (res.status !== 200) expect(node).toBeUndefined();
    if (node) expect(Date.parse(node.updatedAt)).toBeLessThanOrEqual(Date.now());
    const after = await stored();
    expect(storedView(after)).toEqual(adminView(stack.shopify!, SHOP));
    expect(after.meta.webhookWrites?.[foreign]).toBeUndefined();
    // The attacker's own shop is untouched.
    expect(storedView(await stored(OTHER))).toEqual(adminView(stack.shopify!, OTHER));
  });

  it('future updated_at: a delivery dated ahead of the receiving clock is answered 200, clamped, and cannot outrank the sync', async () => {
    // Prepare
    const gid = gidAt(4);
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const body = {
      ...(stack.shopify!.productPayload(SHOP, gid) as object),
      title: 'Claims to be from the future',
      updated_at: future,
    };

    // Act
    const res = await send(SHOP, 'products/update', body);
    expect(res.status).toBe(200);
    const during = (await stored()).data.products.edges.find((e: any) => e.node.id === gid).node;
    await fullSync();

    // Assess
    expect(during.title).toBe('Claims to be from the future');
    expect(Date.parse(during.updatedAt)).toBeLessThanOrEqual(Date.now());
    expect(storedView(await stored())).toEqual(adminView(stack.shopify!, SHOP));
  });

  it('all three at once, with the sync starting while the deliveries are still pending', async () => {
    const body = stack.shopify!.productPayload(SHOP, gidAt(5));
    const answers = await Promise.all([
      send(SHOP, 'products/delete', body, { webhookId: `swap-all-${Date.now()}` }),
      send(SHOP, 'products/create', { ...(stack.shopify!.productPayload(OTHER, gidAt(2, OTHER)) as object) }),
      send(SHOP, 'products/update', {
        ...(body as object),
        title: 'Future again',
        updated_at: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    ]);
    answers.forEach(expectDoorAnswer);
    await fullSync();
    expect(storedView(await stored())).toEqual(adminView(stack.shopify!, SHOP));
  });
});
