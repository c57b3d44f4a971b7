import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyEmulator } from '../../../../lib/dev/emulators/shopify';
import { verifyWebhookHmac } from '../../../../lib/dev/emulators/shopify/hmac';
import { API_SECRET, gql, install, SHOP, startEmulator } from './helpers';
import { startReceiver } from './receiver';

const CREATE = `mutation Create($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id topic uri format } userErrors { field message } } }`;

describe('Shopify emulator webhooks', () => {
  let emulator: ShopifyEmulator;
  let token: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.seedShop(SHOP, { products: 3, bigVariantProduct: 150 });
    token = await install(emulator);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });

  it('creates a subscription once and answers the exact "already been taken" userError the second time', async () => {
    // Act
    const first = await gql(emulator, token, CREATE, { topic: 'PRODUCTS_UPDATE', uri: receiver.url });
    const second = await gql(emulator, token, CREATE, { topic: 'PRODUCTS_UPDATE', uri: receiver.url });

    // Assess
    expect(first.body.data.webhookSubscriptionCreate).toEqual({
      webhookSubscription: {
        id: expect.stringMatching(/^gid:\/\/shopify\/WebhookSubscription\/\d+$/),
        topic: 'PRODUCTS_UPDATE',
        uri: receiver.url,
        format: 'JSON',
      },
      userErrors: [],
    });
    expect(second.body.data.webhookSubscriptionCreate).toEqual({
      webhookSubscription: null,
      userErrors: [
        { field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' },
      ],
    });
    expect(second.body.extensions?.cost.requestedQueryCost).toBe(10);
    const list = await gql(
      emulator,
      token,
      '{ webhookSubscriptions(first: 250) { nodes { topic uri apiVersion { handle } } pageInfo { hasNextPage } } }',
    );
    expect(list.body.data.webhookSubscriptions.nodes).toEqual([
      { topic: 'PRODUCTS_UPDATE', uri: receiver.url, apiVersion: { handle: '2026-07' } },
    ]);
  });

  it('reports a blank address and unknown ids with Shopify’s messages', async () => {
    const blank = await gql(
      emulator,
      token,
      'mutation { webhookSubscriptionCreate(topic: APP_UNINSTALLED, webhookSubscription: { format: JSON }) { userErrors { field message } } }',
    );
    const missing = await gql(
      emulator,
      token,
      'mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") { deletedWebhookSubscriptionId userErrors { field message } } }',
    );
    expect(blank.body.data.webhookSubscriptionCreate.userErrors).toEqual([
      { field: ['webhookSubscription', 'callbackUrl'], message: "Address can't be blank" },
    ]);
    expect(missing.body.data.webhookSubscriptionDelete).toEqual({
      deletedWebhookSubscriptionId: null,
      userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }],
    });
  });

  it('signs the exact bytes it sends, with Shopify escaping and every header', async () => {
    // Act
    const delivery = await emulator.sendWebhook({
      shop: SHOP,
      topic: 'products/update',
      url: receiver.url,
      payload: { url: 'https://x/y', note: 'a & b <c>', name: 'Café', id: 2n ** 60n },
    });

    // Assess
    const got = receiver.received.at(-1);
    expect(delivery.status).toBe(200);
    expect(got?.raw.toString('utf8')).toBe(
      '{"url":"https:\\/\\/x\\/y","note":"a \\u0026 b \\u003cc\\u003e","name":"Café","id":1152921504606846976}',
    );
    expect(
      verifyWebhookHmac(got?.raw ?? Buffer.alloc(0), String(got?.headers['x-shopify-hmac-sha256']), API_SECRET),
    ).toBe(true);
    expect(got?.headers).toMatchObject({
      'x-shopify-topic': 'products/update',
      'x-shopify-shop-domain': SHOP,
      'x-shopify-api-version': '2026-07',
      'x-shopify-webhook-id': delivery.webhookId,
    });
    expect(got?.headers['x-shopify-triggered-at']).toBeTruthy();
    expect(got?.headers['x-shopify-event-id']).toBeTruthy();
  });

  it('keeps ids above 2^53 exact in the raw products/update payload and caps full variants at 100', async () => {
    // Prepare
    const big = emulator.getProducts(SHOP)[1];
    const payload = emulator.productPayload(SHOP, big?.id ?? '');

    // Act
    const delivery = await emulator.sendWebhook({ shop: SHOP, topic: 'products/update', url: receiver.url, payload });

    // Assess
    const raw = delivery.rawBody.toString('utf8');
    expect(raw).toContain(`"id":${big?.legacyResourceId},`);
    expect(BigInt(big?.legacyResourceId ?? '0') > 2n ** 53n).toBe(true);
    expect(raw).toContain(`"admin_graphql_api_id":"gid:\\/\\/shopify\\/Product\\/${big?.legacyResourceId}"`);
    expect((payload.variants as unknown[]).length).toBe(100);
    expect((payload.variant_gids as unknown[]).length).toBe(150);
  });

  it('fires registered subscriptions and deletes one after 8 consecutive failures', async () => {
    // Prepare
    const product = emulator.getProducts(SHOP)[0];
    emulator.updateProduct(SHOP, product?.id ?? '', { title: 'Renamed' });
    const before = receiver.received.length;

    // Act
    const ok = await emulator.fireWebhooks(SHOP, 'products/update', product?.id);
    receiver.status.value = 500;
    const failed = await emulator.fireWebhooks(SHOP, 'PRODUCTS_UPDATE', product?.id, { retries: 7, retryDelayMs: 1 });
    receiver.status.value = 200;

    // Assess
    expect(ok).toEqual([expect.objectContaining({ status: 200, attempts: 1, removed: false })]);
    expect(JSON.parse(receiver.received[before]?.raw.toString() ?? '{}').title).toBe('Renamed');
    expect(failed).toEqual([expect.objectContaining({ status: 500, attempts: 8, removed: true })]);
    const retries = receiver.received.slice(before + 1).map((r) => r.headers['x-shopify-webhook-id']);
    expect(new Set(retries).size).toBe(1); // retries keep the Webhook-Id
    expect(emulator.webhooks(SHOP)).toEqual([]);
  });

  it('builds inventory, delete, uninstall and compliance payloads', () => {
    const variant = emulator.getVariants(SHOP, emulator.getProducts(SHOP)[0]?.id ?? '')[0];
    emulator.setInventory(SHOP, variant?.inventoryItemId ?? '', 7);
    expect(emulator.inventoryLevelPayload(SHOP, variant?.inventoryItemId ?? '')).toMatchObject({
      available: 7,
      admin_graphql_api_id: expect.stringMatching(/^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=\d+$/),
    });
    expect(emulator.deletePayload(SHOP, 'gid://shopify/Product/788032119674292922')).toEqual({
      id: 788032119674292922n,
    });
    expect(emulator.appUninstalledPayload(SHOP)).toMatchObject({ myshopify_domain: SHOP, currency: 'USD' });
    expect(emulator.compliancePayload(SHOP, 'shop/redact')).toEqual({ shop_id: expect.any(BigInt), shop_domain: SHOP });
  });
});
