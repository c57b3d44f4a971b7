import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSyncOutcome } from '../../../lib/account/status';
import { createTokenBox } from '../../../lib/crypto/token-box';
import { signWebhookBody, toShopifyJson } from '../../../lib/dev/emulators/shopify';
import { parseJsonLossless } from '../../../lib/json-lossless';
import { recordDelivery } from '../../../lib/shopify/pending-updates';
import { trimProductPayload } from '../../../lib/shopify/webhook-payload';
import { keys } from '../../../lib/storage/keys';
import { createTokenVault } from '../../../lib/vault/token-vault';
import { validatorFor } from '../../helpers/schema';
import { connectShopify, flushed, startTestStack, type TestStack } from '../../helpers/stack';

const validate = validatorFor('shopify_data.schema.json');
const SHOP = 'hooks-shop.myshopify.com';
const OTHER = 'other-shop.myshopify.com';
const PREVIOUS_SECRET = 'previous-shopify-secret-0123456789';
const BIG_ID = '9999999999999999999';

describe('shopify/webhook through the local DO host', () => {
  let stack: TestStack;
  const uuids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({
      shopify: { clockScale: 50 },
      env: { SHOPIFY_API_SECRET_PREVIOUS: PREVIOUS_SECRET },
    });
    for (const shop of [SHOP, OTHER, 'leaving-shop.myshopify.com', 'redact-shop.myshopify.com']) {
      stack.shopify!.seedShop(shop, {
        products: 12,
        variantsPerProduct: 2,
        ...(shop === SHOP ? { bigVariantProduct: 130 } : {}),
      });
      const { body } = await connectShopify(stack, shop.replace('.myshopify.com', ''));
      uuids[shop] = body.user_uuid;
    }
  });
  afterAll(async () => stack?.shutdown());

  const send = (topic: string, payload: unknown, extra: Record<string, unknown> = {}, shop = SHOP) =>
    stack.shopify!.sendWebhook({ shop, topic, payload, url: `${stack.appUrl}/shopify/webhook`, ...extra });
  // Product topics are acknowledged once recorded; a flush job writes them, so reads wait for it.
  const snapshot = async (shop = SHOP) => {
    await flushed(stack.store, uuids[shop]!);
    return (await stack.store.getJson<any>(keys.shopifySnapshot(uuids[shop]!)))!.value;
  };
  const nodeOf = (snap: any, gid: string) => snap.data.products.edges.find((e: any) => e.node.id === gid)?.node;
  const gidAt = (i: number, shop = SHOP) => stack.shopify!.getProducts(shop)[i]!.id;
  const logged = async (text: string, times = 1) => {
    for (let i = 0; i < 200 && stack.logs.filter((l) => l.includes(text)).length < times; i++)
      await new Promise((r) => setTimeout(r, 50));
    const count = stack.logs.filter((l) => l.includes(text)).length;
    // A store that ignores conditional writes keeps records for 40 s, and a later job may report them again.
    if (stack.spaces!.conditionalWrites === 'ignore') expect(count).toBeGreaterThanOrEqual(times);
    else expect(count).toBe(times);
  };
  const outcome = (res: { status: number; body: string }) => ({ http: res.status, ...JSON.parse(res.body) });

  it('applies products/update with escaped slashes and non-ASCII text, and the snapshot stays schema-valid', async () => {
    // Prepare
    const gid = gidAt(1);
    stack.shopify!.updateProduct(SHOP, gid, {
      title: 'Ski / Board & Co <b> — Ünïcødé 雪板',
      descriptionHtml: '<p>a/b</p>',
    });
    const payload = stack.shopify!.productPayload(SHOP, gid);

    // Act
    const res = await send('products/update', payload);

    // Assess
    expect(res.rawBody.toString('utf8')).toContain('Ski \\/ Board \\u0026 Co \\u003cb\\u003e — Ünïcødé 雪板');
    expect(outcome(res)).toMatchObject({ http: 200, outcome: 'queued' });
    const snap = await snapshot();
    expect(nodeOf(snap, gid).title).toBe('Ski / Board & Co <b> — Ünïcødé 雪板');
    // The flush job logs the seed's line once its write is done.
    await logged(`shopify/flush Updated data in Spaces for ${SHOP} via products/update`);
    expect(validate(snap)).toEqual({ valid: true, errors: 'No errors' });
    // Applied records are gone (a store ignoring conditional writes keeps them until they are safe to delete, 40 s).
    if (stack.spaces!.conditionalWrites === 'honour')
      expect(await stack.store.list(keys.pendingShopifyPrefix(SHOP))).toEqual([]);
  });

  it('creates a product whose ids exceed 2^53 without rounding them, and deletes it by its big id', async () => {
    const gid = `gid://shopify/Product/${BIG_ID}`;
    const payload = {
      ...stack.shopify!.productPayload(SHOP, gidAt(2)),
      id: BigInt(BIG_ID),
      admin_graphql_api_id: gid,
      title: 'Brand new',
    };
    expect(outcome(await send('products/create', payload))).toMatchObject({ http: 200, outcome: 'queued' });
    expect(nodeOf(await snapshot(), gid)?.title).toBe('Brand new');

    expect(outcome(await send('products/delete', { id: BigInt(BIG_ID) }))).toMatchObject({
      http: 200,
      outcome: 'queued',
    });
    const snap = await snapshot();
    expect(nodeOf(snap, gid)).toBeUndefined();
    expect(snap.meta.tombstones[gid]).toBeDefined();
    // A late retry of the create (older than the deletion) must not resurrect it.
    expect(outcome(await send('products/create', payload))).toMatchObject({ http: 200, outcome: 'queued' });
    expect(nodeOf(await snapshot(), gid)).toBeUndefined();
  });

  it('drops a delivery older than the stored copy even when its offset makes the string sort later', async () => {
    // Prepare: stored 10:00Z; the late delivery says 14:30+05:00 (= 09:30Z), which sorts after "…T10" as text.
    const gid = gidAt(3);
    const base = stack.shopify!.productPayload(SHOP, gid);
    await send('products/update', { ...base, title: 'Current', updated_at: '2026-09-01T10:00:00Z' });
    expect(nodeOf(await snapshot(), gid).title).toBe('Current');
    const skipped = stack.logs.filter((l) => l.includes(`Skipped products/update for ${SHOP}`)).length;

    // Act
    const res = await send('products/update', { ...base, title: 'Older', updated_at: '2026-09-01T14:30:00+05:00' });

    // Assess
    expect(outcome(res)).toMatchObject({ http: 200, outcome: 'queued' });
    expect(nodeOf(await snapshot(), gid).title).toBe('Current');
    await logged(`Skipped products/update for ${SHOP}: the stored copy is as new or newer`, skipped + 1);
  });

  it('re-reads a product with more than 100 variants from the Admin API', async () => {
    const big = stack.shopify!.getProducts(SHOP).find((p) => stack.shopify!.getVariants(SHOP, p.id).length === 130)!;
    stack.shopify!.updateProduct(SHOP, big.id, { title: 'Many variants, renamed' });
    const payload = stack.shopify!.productPayload(SHOP, big.id) as { variants: unknown[]; variant_gids: unknown[] };
    expect([payload.variants.length, payload.variant_gids.length]).toEqual([100, 130]);

    expect(outcome(await send('products/update', payload))).toMatchObject({ http: 200, outcome: 'queued' });
    const node = nodeOf(await snapshot(), big.id);
    expect(node.title).toBe('Many variants, renamed');
    expect(node.variants.edges).toHaveLength(130);
  });

  it('applies inventory_levels/update to the variant behind the inventory item', async () => {
    const gid = gidAt(4);
    const variant = stack.shopify!.getVariants(SHOP, gid)[0]!;
    stack.shopify!.setInventory(SHOP, variant.inventoryItemId, 7);
    const res = await send(
      'inventory_levels/update',
      stack.shopify!.inventoryLevelPayload(SHOP, variant.inventoryItemId),
    );
    expect(outcome(res)).toMatchObject({ http: 200, outcome: 'queued' });
    const stored = nodeOf(await snapshot(), gid).variants.edges.find((v: any) => v.node.id === variant.id).node;
    expect(stored.inventoryQuantity).toBe(7);
  });

  it.each(['customers/data_request', 'customers/redact'] as const)(
    'acknowledges %s (no customer data is stored)',
    async (topic) => {
      const res = await send(topic, stack.shopify!.compliancePayload(SHOP, topic));
      expect(outcome(res)).toMatchObject({ http: 200, outcome: 'no customer data stored' });
    },
  );

  it('acknowledges an unknown topic and logs it', async () => {
    const res = await send('orders/create', { id: 1 });
    expect(outcome(res)).toMatchObject({ http: 200, outcome: 'ignored' });
    expect(stack.logs.some((l) => l.includes(`Ignored unknown topic orders/create from ${SHOP}`))).toBe(true);
  });

  it('records a Webhook-Id once: a concurrent copy is a duplicate, a later redelivery of an applied one is stale', async () => {
    const gid = gidAt(5);
    const payload = { ...stack.shopify!.productPayload(SHOP, gid), updated_at: '2026-09-02T00:00:00Z', title: 'Once' };
    const first = await send('products/update', payload, { webhookId: 'dup-sequential' });
    expect(outcome(first)).toMatchObject({ http: 200, outcome: 'queued' });
    const applied = await snapshot();
    expect(nodeOf(applied, gid).title).toBe('Once');
    // The claim went with the record once it was applied: the redelivery is recorded again and found as old as the stored copy.
    const skipped = stack.logs.filter((l) => l.includes(`Skipped products/update for ${SHOP}`)).length;
    const again = await send('products/update', { ...payload, title: 'Once again' }, { webhookId: 'dup-sequential' });
    expect(again.status).toBe(200);
    expect(nodeOf(await snapshot(), gid).title).toBe('Once');
    await logged(`Skipped products/update for ${SHOP}`, skipped + 1);

    const both = await Promise.all(
      [1, 2].map(() =>
        send('products/update', { ...payload, updated_at: '2026-09-03T00:00:00Z' }, { webhookId: 'dup-concurrent' }),
      ),
    );
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    // One writes the record; the other finds it (or, if a flush was that quick, records it again and it is stale).
    expect(both.map((r) => JSON.parse(r.body).status)).toContain('ok');
    for (const r of both) expect(['ok', 'duplicate']).toContain(JSON.parse(r.body).status);
  });

  it('applies the update on the retry after an invocation was killed between its claim and the flush', async () => {
    // Prepare: the state a killed first attempt leaves: its claim (the pending record) is written, no flag, no job.
    // (OTHER, whose last flush job is long over, so nothing else applies the record before the retry.)
    const gid = gidAt(8, OTHER);
    const payload = {
      ...stack.shopify!.productPayload(OTHER, gid),
      updated_at: '2026-09-04T00:00:00Z',
      title: 'After the crash',
    };
    const op = {
      kind: 'payload' as const,
      id: gid,
      updatedAt: payload.updated_at,
      payload: trimProductPayload(parseJsonLossless(toShopifyJson(payload)) as any),
      topic: 'products/update',
    };
    await flushed(stack.store, uuids[OTHER]!);
    await recordDelivery(stack.store, OTHER, 'crashed-attempt', op);

    // Act: Shopify retries with the same Webhook-Id.
    const retry = await send('products/update', payload, { webhookId: 'crashed-attempt' }, OTHER);

    // Assess: the retry is a duplicate of a recorded delivery, and it still makes sure a flush applies it.
    // (A store that ignores If-None-Match cannot tell: the retry rewrites the same record, which is as good.)
    expect(outcome(retry)).toMatchObject({
      http: 200,
      status: stack.spaces!.conditionalWrites === 'ignore' ? 'ok' : 'duplicate',
    });
    expect(nodeOf(await snapshot(OTHER), gid).title).toBe('After the crash');
  });

  it('accepts any Webhook-Id a validly signed delivery carries (hashed into the key)', async () => {
    const gid = gidAt(9);
    const payload = {
      ...stack.shopify!.productPayload(SHOP, gid),
      updated_at: '2026-09-05T00:00:00Z',
      title: 'Odd id',
    };
    const res = await send('products/update', payload, { webhookId: 'id/with spaces+and.dots:é' });
    expect(outcome(res)).toMatchObject({ http: 200, status: 'ok', outcome: 'queued' });
    expect(nodeOf(await snapshot(), gid).title).toBe('Odd id');
  });

  it('accepts the previous secret during a rotation and rejects wrong or missing signatures', async () => {
    const payload = stack.shopify!.productPayload(SHOP, gidAt(6));
    expect((await send('products/update', payload, { secret: PREVIOUS_SECRET })).status).toBe(200);

    const wrong = await send('products/update', payload, { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ error: 'invalid_hmac' });
    expect((await send('products/update', payload, { headers: { 'X-Shopify-Hmac-Sha256': null } })).status).toBe(400);
    expect((await send('products/update', undefined, { rawBody: Buffer.alloc(0) })).status).toBe(400);
  });

  it('rejects a body a proxy re-serialised (\\/ became /) with 401', async () => {
    const raw = Buffer.from(toShopifyJson(stack.shopify!.productPayload(SHOP, gidAt(7))), 'utf8');
    expect(raw.toString('utf8')).toContain('\\/');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))), 'utf8');
    const signature = signWebhookBody(raw, stack.env.SHOPIFY_API_SECRET!);
    const res = await send('products/update', undefined, {
      rawBody: reserialised,
      headers: { 'X-Shopify-Hmac-Sha256': signature },
    });
    expect(res.status).toBe(401);
    // The original bytes with the same signature pass.
    expect(
      (await send('products/update', undefined, { rawBody: raw, headers: { 'X-Shopify-Hmac-Sha256': signature } }))
        .status,
    ).toBe(200);
  });

  it('refuses a captured products/update body resent under a destructive topic, and changes nothing', async () => {
    // Only the body is signed: topic and shop headers can be swapped by anyone holding one delivery.
    const vault = createTokenVault(stack.store, createTokenBox(stack.env.TOKEN_ENCRYPTION_KEY!));
    const gid = gidAt(8);
    const captured = stack.shopify!.productPayload(SHOP, gid);
    const before = await snapshot();
    const swaps: Array<[string, string]> = [
      ['shop/redact', SHOP],
      ['app/uninstalled', SHOP],
      ['customers/redact', SHOP],
      ['products/delete', SHOP],
      ['inventory_levels/update', SHOP],
    ];
    for (const [topic, shop] of swaps) {
      const res = await send(topic, captured, {}, shop);
      expect(outcome(res)).toMatchObject({ http: 400, error: 'topic_mismatch' });
      expect(JSON.parse(res.body).message).toContain(`does not fit ${topic}`);
      await logged(`Refused ${topic} from ${shop}:`);
    }
    expect(await vault.get(keys.shopifyToken(SHOP))).not.toBeNull();
    expect((await stack.store.getJson<any>(keys.shopRecord(SHOP)))!.value.state).toBe('connected');
    const after = await snapshot();
    expect(nodeOf(after, gid)).toEqual(nodeOf(before, gid));
    expect(after.data.products.edges.length).toBe(before.data.products.edges.length);
  });

  it('app/uninstalled deletes the token and marks the shop disconnected', async () => {
    const shop = 'leaving-shop.myshopify.com';
    const deliveries = await stack.shopify!.uninstall(shop);
    expect(deliveries.map((d) => d.status)).toEqual([200]);
    const vault = createTokenVault(stack.store, createTokenBox(stack.env.TOKEN_ENCRYPTION_KEY!));
    expect(await vault.get(keys.shopifyToken(shop))).toBeNull();
    expect((await stack.store.getJson<any>(keys.shopRecord(shop)))!.value.state).toBe('disconnected');
    expect(await vault.get(keys.shopifyToken(OTHER))).not.toBeNull();
  });

  it('shop/redact deletes everything of that shop and nothing of another; a body naming another shop is refused', async () => {
    const shop = 'redact-shop.myshopify.com';
    const mine = (k: string) => k.includes(uuids[shop]!) || k.includes(shop) || k.includes(shop.replace(/\./g, '_'));
    // The daily poll's status entry for this shop (the status record is per user; a redact removes the shop's entry).
    await recordSyncOutcome(stack.store, uuids[shop]!, {
      kind: 'shop',
      value: { shop, state: 'connected', lastSyncAt: new Date().toISOString(), lastResult: 'success' },
    });
    const before = await stack.store.list('');
    // Leases and flush flags of other shops come and go with their flush jobs.
    // So do pending records (kept ≥ 40 s when conditional writes are ignored) and conditional-write probes.
    const transient = (k: string) =>
      ['private/webhooks/', 'private/leases/', 'private/flush/', 'private/pending/', 'private/probe/'].some((p) =>
        k.startsWith(p),
      );
    const othersBefore = before.filter((k) => !mine(k) && !transient(k));
    expect(before.filter(mine).length).toBeGreaterThan(2);

    // A genuine body of one shop replayed under another shop's domain header.
    const replayed = await send('shop/redact', stack.shopify!.compliancePayload(OTHER, 'shop/redact'), {}, shop);
    expect(outcome(replayed)).toMatchObject({ http: 400, error: 'topic_mismatch' });
    expect((await stack.store.list('')).filter(mine).length).toBe(before.filter(mine).length);

    expect(
      outcome(await send('shop/redact', stack.shopify!.compliancePayload(shop, 'shop/redact'), {}, shop)),
    ).toMatchObject({ http: 200, outcome: 'redacted' });
    const after = await stack.store.list('');
    expect(after.filter(mine)).toEqual([]);
    for (const key of othersBefore) expect(after).toContain(key);
    expect(validate(await snapshot(OTHER)).valid).toBe(true);
  });
});
