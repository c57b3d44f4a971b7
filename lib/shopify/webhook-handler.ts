import { BadRequestError, MethodNotAllowedError, PayloadTooLargeError, PreconditionFailedError, UnauthorizedError } from '../errors';
import { json } from '../http/responses';
import { pyRepr } from '../log';
import { parseJsonLossless } from '../json-lossless';
import { keys } from '../storage/keys';
import { fetchProduct } from './catalog';
import { getShopRecord, markShop } from './connection';
import type { ShopifyDeps } from './deps';
import { normalizeShop } from './shop-domain';
import { readSnapshot, removeProduct, updateSnapshot, upsertProduct, type StoredSnapshot } from './snapshot';
import { hasProductGid, isIncomplete, productFromPayload, type ProductPayload } from './webhook-payload';
import { verifyShopifyWebhook } from './webhook-signature';

/** Shopify payloads are far smaller; DO caps requests at 1 MB anyway. */
const MAX_BODY_BYTES = 1024 * 1024;


/**
 * The `shopify/webhook` handler: verifies the HMAC over the raw bytes, dedupes on
 * `X-Shopify-Webhook-Id`, then applies the topic to the shop's snapshot.
 */
export async function handleShopifyWebhook(request: Request, deps: ShopifyDeps): Promise<Response> {
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['POST']);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError('Webhook body is larger than 1 MB.');
  const secrets = [deps.config.SHOPIFY_API_SECRET, deps.config.SHOPIFY_API_SECRET_PREVIOUS].filter((s): s is string => Boolean(s));
  const check = verifyShopifyWebhook(request.headers, body, secrets);
  if (!check.ok) {
    deps.log.warn(`Rejected Shopify webhook: ${check.reason}`);
    if (check.status === 401) throw new UnauthorizedError(check.reason, { code: 'invalid_hmac' });
    throw new BadRequestError(check.reason, { code: 'missing_webhook_fields' });
  }
  const topic = request.headers.get('x-shopify-topic')!;
  const shop = normalizeShop(request.headers.get('x-shopify-shop-domain'));
  if (!shop) throw new BadRequestError('X-Shopify-Shop-Domain is not a valid <name>.myshopify.com domain.', { code: 'invalid_shop' });
  const webhookId = request.headers.get('x-shopify-webhook-id')!;
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(webhookId)) throw new BadRequestError('X-Shopify-Webhook-Id is malformed.', { code: 'invalid_webhook_id' });
  let payload: unknown;
  try {
    payload = parseJsonLossless(Buffer.from(body).toString('utf8'));
  } catch {
    throw new BadRequestError('Webhook body is not valid JSON.', { code: 'invalid_json' });
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequestError('Webhook body must be a JSON object.', { code: 'invalid_json' });
  }
  deps.log.info(`Received ${topic} event from ${shop}: ${pyRepr(summary(payload as Record<string, unknown>))}`);

  const marker = keys.webhookSeen('shopify', shop, webhookId);
  if (!(await claimDelivery(deps, marker))) {
    deps.log.info(`Duplicate ${topic} delivery ${webhookId} from ${shop}: already processed`);
    return json({ status: 'duplicate', webhook_id: webhookId });
  }
  try {
    const outcome = await applyTopic(topic, shop, payload as Record<string, unknown>, deps);
    return json({ status: 'ok', topic, outcome });
  } catch (err) {
    // Let Shopify's retry reach us again.
    await deps.store.delete(marker).catch(() => undefined);
    throw err;
  }
}

function summary(payload: Record<string, unknown>): Record<string, unknown> {
  if (payload.product && typeof payload.product === 'object') return { product: payload.product };
  const out: Record<string, unknown> = {};
  for (const key of ['id', 'title', 'inventory_item_id', 'available', 'shop_domain']) if (key in payload) out[key] = payload[key];
  return out;
}

// Records the delivery id; false when it was recorded before (a redelivery).
async function claimDelivery(deps: ShopifyDeps, marker: string): Promise<boolean> {
  const record = { receivedAt: new Date(deps.clock.now()).toISOString() };
  if (await deps.store.supportsConditionalWrites()) {
    try {
      await deps.store.putJson(marker, record, { ifNoneMatch: '*' });
      return true;
    } catch (err) {
      if (err instanceof PreconditionFailedError) return false;
      throw err;
    }
  }
  if (await deps.store.exists(marker)) return false;
  await deps.store.putJson(marker, record);
  return true;
}

async function applyTopic(topic: string, shop: string, payload: Record<string, unknown>, deps: ShopifyDeps): Promise<string> {
  const { log, store, clock } = deps;
  if (topic === 'customers/data_request' || topic === 'customers/redact') {
    log.info(`${topic} for ${shop}: we store no customer data, nothing to do`);
    return 'no customer data stored';
  }
  const record = await getShopRecord(store, shop);
  if (!record) {
    log.info(`Ignored ${topic} for ${shop}: the shop is not connected`);
    return 'shop not connected';
  }
  switch (topic) {
    case 'products/create':
    case 'products/update': {
      const p = payload as ProductPayload;
      if (!hasProductGid(p)) {
        log.info(`Ignored ${topic} for ${shop}: the payload names no product (admin_graphql_api_id), e.g. a connection test`);
        return 'ignored';
      }
      const stored = await readSnapshot(store, record.uuid);
      if (!stored) {
        log.info(`Ignored ${topic} for ${shop}: no snapshot yet; the next sync will include it`);
        return 'no snapshot yet';
      }
      const previous = stored.value.data.products.edges.find((e) => e.node.id === p.admin_graphql_api_id)?.node;
      const product = isIncomplete(p)
        ? await fetchProduct(deps.adminClient(shop, 4000), p.admin_graphql_api_id)
        : productFromPayload(p, previous, stored.value.data.shop.currencyCode ?? 'USD');
      if (!product) return 'product no longer exists';
      const { changed } = await updateSnapshot(store, record.uuid, (s) => (s ? upsertProduct(s, product, clock.now()) : null), clock);
      if (changed) log.info(`Updated data in Spaces for ${shop} via ${topic}`);
      else log.info(`Skipped ${topic} for ${shop}: the stored copy of ${product.id} is as new or newer`);
      return changed ? 'updated' : 'stale';
    }
    case 'products/delete': {
      const id = payload.id;
      if (typeof id !== 'string' && typeof id !== 'number') throw new BadRequestError('products/delete payload has no id.', { code: 'invalid_payload' });
      const gid = `gid://shopify/Product/${String(id)}`;
      const { changed } = await updateSnapshot(store, record.uuid, (s) => (s && s.data.products.edges.some((e) => e.node.id === gid) ? removeProduct(s, gid, clock.now()) : null), clock);
      if (changed) log.info(`Updated data in Spaces for ${shop} via ${topic}`);
      return changed ? 'deleted' : 'not present';
    }
    case 'inventory_levels/update': {
      const gidMatch = /inventory_item_id=(\d+)/.exec(String(payload.admin_graphql_api_id ?? ''));
      const itemId = gidMatch?.[1] ?? (payload.inventory_item_id !== undefined ? String(payload.inventory_item_id) : undefined);
      if (!itemId || !/^\d+$/.test(itemId)) throw new BadRequestError('inventory_levels/update payload has no inventory_item_id.', { code: 'invalid_payload' });
      const available = typeof payload.available === 'number' ? payload.available : null;
      const item = `gid://shopify/InventoryItem/${itemId}`;
      const { changed } = await updateSnapshot(store, record.uuid, (s) => (s ? setInventory(s, item, available, clock.now()) : null), clock);
      if (changed) log.info(`Updated data in Spaces for ${shop} via ${topic}`);
      return changed ? 'updated' : 'unknown item';
    }
    case 'app/uninstalled': {
      await deps.vault.delete(keys.shopifyToken(shop));
      await markShop(store, shop, 'disconnected', 'The app was uninstalled from the shop.', clock.now());
      log.info(`App uninstalled from ${shop}: tokens deleted, connection marked disconnected`);
      return 'disconnected';
    }
    case 'shop/redact': {
      await store.deletePrefix(`users/${record.uuid}/shopify/`);
      await deps.vault.delete(keys.shopifyToken(shop));
      await store.deletePrefix(`private/webhooks/shopify/${shop.replace(/\./g, '_')}/`);
      await store.delete(keys.shopRecord(shop));
      log.info(`shop/redact for ${shop}: deleted its snapshot, tokens and records`);
      return 'redacted';
    }
    default:
      log.info(`Ignored unknown topic ${topic} from ${shop}`);
      return 'ignored';
  }
}


function setInventory(s: StoredSnapshot, item: string, available: number | null, now: number): StoredSnapshot | null {
  let hit = false;
  const edges = s.data.products.edges.map((e) => {
    if (!e.node.variants.edges.some((v) => v.node.inventoryItemId === item)) return e;
    hit = true;
    const variants = e.node.variants.edges.map((v) => (v.node.inventoryItemId === item ? { node: { ...v.node, inventoryQuantity: available } } : v));
    const totals = variants.map((v) => v.node.inventoryQuantity).filter((q): q is number => q !== null);
    return { node: { ...e.node, variants: { edges: variants }, totalInventory: totals.reduce((a, b) => a + b, 0) } };
  });
  if (!hit) return null;
  return { data: { ...s.data, products: { edges } }, meta: { ...s.meta, updatedAt: new Date(now).toISOString(), source: 'webhook' } };
}
