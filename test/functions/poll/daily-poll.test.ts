import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../lib/storage/keys';
import type { MerchantStatus } from '../../../lib/account/status';
import type { DispatchSummary } from '../../../lib/poll/dispatcher';
import { connectShopify, get, type CookieJar, startTestStack, type TestStack } from '../../helpers/stack';

const SHOPS = { paged: 'poll-paged', bulk: 'poll-bulk', hooks: 'poll-hooks', revoked: 'poll-revoked' } as const;
const domain = (name: string) => `${name}.myshopify.com`;

async function connectFacebook(stack: TestStack, jar: CookieJar): Promise<void> {
  const login = await get(`${stack.appUrl}/facebook/login`, jar);
  const dialog = await get(login.headers.get('location')!, jar);
  const callback = await get(dialog.headers.get('location')!, jar);
  if (callback.status !== 200)
    throw new Error(`facebook callback answered ${callback.status}: ${await callback.text()}`);
}

describe('daily poll through the local DO host', () => {
  let stack: TestStack;
  const uuids: Record<string, string> = {};
  let jar: CookieJar;
  let summary: DispatchSummary;
  let deletedPaged: string;
  let deletedBulk: string;
  let renamedBulk: string;

  beforeAll(async () => {
    stack = await startTestStack({
      shopify: { clockScale: 50 },
      env: { SHOPIFY_BULK_THRESHOLD: '40', POLL_BATCH_SIZE: '2' },
    });
    const emulator = stack.shopify!;
    emulator.seedShop(domain(SHOPS.paged), { products: 25, variantsPerProduct: 2 });
    emulator.seedShop(domain(SHOPS.bulk), { products: 60, variantsPerProduct: 3, bigVariantProduct: 130 });
    emulator.seedShop(domain(SHOPS.hooks), { products: 5 });
    emulator.seedShop(domain(SHOPS.revoked), { products: 5 });
    for (const name of Object.values(SHOPS)) {
      const connected = await connectShopify(stack, name);
      uuids[name] = connected.body.user_uuid;
      if (name === SHOPS.paged) jar = connected.jar;
    }
    await connectFacebook(stack, jar);

    // Prepare: what the poll must repair.
    deletedPaged = emulator.getProducts(domain(SHOPS.paged))[3]!.id;
    emulator.deleteProduct(domain(SHOPS.paged), deletedPaged);
    deletedBulk = emulator.getProducts(domain(SHOPS.bulk))[10]!.id;
    emulator.deleteProduct(domain(SHOPS.bulk), deletedBulk);
    renamedBulk = emulator.getProducts(domain(SHOPS.bulk))[20]!.id;
    emulator.updateProduct(domain(SHOPS.bulk), renamedBulk, { title: 'Renamed While Nobody Listened' });
    expect(emulator.dropSubscription(domain(SHOPS.hooks), 'products/update')).toBe(1);
    emulator.revokeToken(domain(SHOPS.revoked));

    // Act
    const record = await stack.host.fireTrigger('daily-poll');
    expect(record.response?.success).toBe(true);
    summary = record.response!.result as unknown as DispatchSummary;
  });
  afterAll(async () => stack?.shutdown());

  it('fans out through the REST endpoint to poll/merchants workers', () => {
    const workers = stack.host.activations.list().filter((a) => a.name === 'poll/merchants');
    expect(summary.mode).toBe('fan-out');
    expect(summary.shops).toBe(4);
    expect(summary.pages).toBeGreaterThanOrEqual(1);
    expect(summary.batches).toBe(Math.ceil((summary.shops + summary.pages) / 2));
    expect(workers.length).toBe(summary.invocations);
    expect(workers.every((w) => w.response?.success)).toBe(true);
    expect(summary.throttled429).toBe(0);
    expect(stack.logs.some((l) => l.includes(`Polled and uploaded data for ${domain(SHOPS.paged)}: Success`))).toBe(
      true,
    );
  });

  it('detects deletions with the paginated path', async () => {
    const snapshot = (await stack.store.getJson<any>(keys.shopifySnapshot(uuids[SHOPS.paged]!)))!.value;
    const ids = snapshot.data.products.edges.map((e: any) => e.node.id);
    expect(ids).not.toContain(deletedPaged);
    expect(new Set(ids)).toEqual(new Set(stack.shopify!.getProducts(domain(SHOPS.paged)).map((p) => p.id)));
    expect(snapshot.meta.source).toBe('poll');
  });

  it('reads what changed in a catalog over the threshold with bulk operations (incremental bulk poll)', async () => {
    const snapshot = (await stack.store.getJson<any>(keys.shopifySnapshot(uuids[SHOPS.bulk]!)))!.value;
    const nodes = snapshot.data.products.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.id)).not.toContain(deletedBulk);
    expect(nodes).toHaveLength(59);
    expect(snapshot.meta.productCount).toBe(59);
    expect(nodes.find((n: any) => n.id === renamedBulk).title).toBe('Renamed While Nobody Listened');
    expect(nodes.find((n: any) => n.variants.edges.length === 130)).toBeDefined();
    const status = (await stack.store.getJson<MerchantStatus>(keys.status(uuids[SHOPS.bulk]!)))!.value;
    // The install wrote a full bulk snapshot, so the daily poll reads only what changed (issue 16).
    expect(status.shops[domain(SHOPS.bulk)]).toMatchObject({
      lastResult: 'success',
      mode: 'incremental',
      productCount: 59,
    });
    expect(stack.logs.some((l) => l.includes(`${domain(SHOPS.bulk)}: Success (incremental bulk: `))).toBe(true);
  });

  it('re-creates a webhook subscription Shopify deleted', () => {
    const topics = stack.shopify!.webhooks(domain(SHOPS.hooks)).map((w) => w.topic);
    expect(topics).toContain('PRODUCTS_UPDATE');
    expect(topics).toHaveLength(5);
  });

  it('marks a revoked shop reauth_required and leaves the others alone', async () => {
    const record = (await stack.store.getJson<any>(keys.shopRecord(domain(SHOPS.revoked))))!.value;
    expect(record.state).toBe('reauth_required');
    const status = (await stack.store.getJson<MerchantStatus>(keys.status(uuids[SHOPS.revoked]!)))!.value;
    expect(status.reauthRequired).toBe(true);
    expect(status.shops[domain(SHOPS.revoked)]!.lastResult).toBe('reauth_required');
    expect(summary.results.reauth_required).toBe(1);
    expect(summary.results.success).toBe(summary.shops + summary.pages - 1);
  });

  it('refreshes the connected Facebook pages', async () => {
    const status = (await stack.store.getJson<MerchantStatus>(keys.status(uuids[SHOPS.paged]!)))!.value;
    const pages = Object.values(status.pages);
    expect(pages.length).toBe(summary.pages);
    expect(pages.every((p) => p.lastResult === 'success')).toBe(true);
    const page = (await stack.store.getJson<any>(keys.pageSnapshot(uuids[SHOPS.paged]!, pages[0]!.pageId)))!.value;
    expect(page.meta.source).toBe('poll');
  });

  it('shows the merchant their status with the session cookie, and a 401 with the fix without it', async () => {
    const res = await get(`${stack.appUrl}/account/status`, jar);
    const body = (await res.json()) as any;
    expect(res.status).toBe(200);
    expect(body.user_uuid).toBe(uuids[SHOPS.paged]);
    expect(body.shops[0]).toMatchObject({ shop: domain(SHOPS.paged), state: 'connected', lastResult: 'success' });
    expect(body.pages.length).toBe(summary.pages);
    expect(JSON.stringify(body)).not.toMatch(/shpat_|EAA/);

    const anonymous = await get(`${stack.appUrl}/account/status`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).message).toMatch(/\/shopify\/<shop>\/login/);
  });
});
