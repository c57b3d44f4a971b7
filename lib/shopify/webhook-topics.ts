import { BadRequestError, UnauthorizedError } from '../errors';
import { keys } from '../storage/keys';
import { fetchProduct } from './catalog';
import { getShopRecord, markShop } from './connection';
import type { ShopifyDeps } from './deps';
import { recordPending } from './pending-updates';
import { updateSnapshot } from './snapshot';
import { applyOps, type PendingOp } from './snapshot-ops';
import { hasProductGid, isIncomplete, trimProductPayload, type ProductPayload } from './webhook-payload';

/** What a delivery carries besides its body. */
export interface DeliveryContext {
  shop: string;
  /** `X-Shopify-Triggered-At`, when valid. */
  triggeredAt?: string;
  /** Epoch ms by which the work must be done, inside Shopify's 5 s. */
  deadline: number;
}

const digits = (v: unknown): string | null =>
  typeof v === 'string' && /^\d{1,20}$/.test(v) ? v : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : null;

/**
 * Applies one verified delivery and returns a short outcome: product topics become pending ops
 * merged into the snapshot, `app/uninstalled` and `shop/redact` act on the shop, `customers/*` and
 * unknown topics are acknowledged.
 */
export async function applyTopic(topic: string, payload: Record<string, unknown>, ctx: DeliveryContext, deps: ShopifyDeps): Promise<string> {
  const { log, store, clock } = deps;
  const { shop } = ctx;
  if (topic === 'customers/data_request' || topic === 'customers/redact') {
    assertSameShop(payload.shop_domain, shop);
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
      let op: PendingOp;
      if (isIncomplete(p)) {
        const node = await fetchProduct(deps.adminClient(shop, Math.max(500, ctx.deadline - clock.now() - 500)), p.admin_graphql_api_id);
        if (!node) return 'product no longer exists';
        op = { kind: 'node', id: node.id, updatedAt: node.updatedAt, node };
      } else {
        op = { kind: 'payload', id: p.admin_graphql_api_id, updatedAt: String(p.updated_at), payload: trimProductPayload(p) };
      }
      return commit(deps, record.uuid, op, ctx, topic);
    }
    case 'products/delete': {
      const id = digits(payload.id);
      if (!id) throw new BadRequestError('products/delete payload has no numeric id.', { code: 'invalid_payload' });
      // Shopify's own clock at firing time is later than any updated_at the product had before it was deleted.
      const at = ctx.triggeredAt ?? new Date(clock.now()).toISOString();
      return commit(deps, record.uuid, { kind: 'delete', id: `gid://shopify/Product/${id}`, at }, ctx, topic);
    }
    case 'inventory_levels/update': {
      const itemId = /inventory_item_id=(\d+)/.exec(String(payload.admin_graphql_api_id ?? ''))?.[1] ?? digits(payload.inventory_item_id);
      if (!itemId) throw new BadRequestError('inventory_levels/update payload has no inventory_item_id.', { code: 'invalid_payload' });
      const available = typeof payload.available === 'number' && Number.isSafeInteger(payload.available) ? payload.available : null;
      const updatedAt = typeof payload.updated_at === 'string' ? payload.updated_at : new Date(clock.now()).toISOString();
      return commit(deps, record.uuid, { kind: 'inventory', item: `gid://shopify/InventoryItem/${itemId}`, available, updatedAt }, ctx, topic);
    }
    case 'app/uninstalled': {
      assertSameShop(payload.myshopify_domain, shop);
      await deps.vault.delete(keys.shopifyToken(shop));
      await markShop(store, shop, 'disconnected', 'The app was uninstalled from the shop.', clock.now());
      log.info(`App uninstalled from ${shop}: tokens deleted, connection marked disconnected`);
      return 'disconnected';
    }
    case 'shop/redact': {
      assertSameShop(payload.shop_domain, shop);
      await store.deletePrefix(`users/${record.uuid}/shopify/`);
      await store.deletePrefix(keys.pendingShopifyPrefix(record.uuid));
      await store.deletePrefix(keys.shopifyFlushLeasePrefix(record.uuid));
      await deps.vault.delete(keys.shopifyToken(shop));
      await store.deletePrefix(`private/webhooks/shopify/${shop.replace(/\./g, '_')}/`);
      // Last, so a failed redaction can still find the user on Shopify's retry.
      await store.delete(keys.shopRecord(shop));
      log.info(`shop/redact for ${shop}: deleted its snapshot, pending updates, tokens and records`);
      return 'redacted';
    }
    default:
      log.info(`Ignored unknown topic ${topic} from ${shop}`);
      return 'ignored';
  }
}

// Only the body is signed: a genuine body replayed under another shop's domain header must not act on that shop.
function assertSameShop(bodyShop: unknown, headerShop: string): void {
  if (typeof bodyShop === 'string' && bodyShop.toLowerCase() !== headerShop) {
    throw new UnauthorizedError('The signed body names another shop than X-Shopify-Shop-Domain.', { code: 'shop_mismatch' });
  }
}

/**
 * Records the op durably, then flushes pending records into the snapshot (or hands them to the
 * invocation already flushing). Once the record is written the delivery counts as accepted: a failed
 * flush leaves it for the next writer instead of failing the delivery.
 */
async function commit(deps: ShopifyDeps, uuid: string, op: PendingOp, ctx: DeliveryContext, topic: string): Promise<string> {
  const { store, clock, log } = deps;
  if (!(await store.supportsConditionalWrites())) {
    const { changed } = await updateSnapshot(store, uuid, (s) => (s ? applyOps(s, [op], clock.now()).snapshot : null), clock, { deadline: ctx.deadline });
    return changed ? 'updated' : 'stale';
  }
  const key = await recordPending(store, uuid, op);
  try {
    // Once the record is durable, stopping a flush midway is safe (the snapshot is only written by ETag and
    // records are deleted after that write), so the answer never waits past the deadline.
    const flush = updateSnapshot(store, uuid, null, clock, { deadline: ctx.deadline });
    flush.catch(() => undefined);
    const done = await Promise.race([flush, clock.sleep(Math.max(0, ctx.deadline - clock.now())).then(() => null)]);
    const result = done?.results.get(key);
    if (result === 'applied') log.info(`Updated data in Spaces for ${ctx.shop} via ${topic}`);
    else if (result === 'stale') log.info(`Skipped ${topic} for ${ctx.shop}: the stored copy is as new or newer`);
    return result === 'applied' ? (op.kind === 'delete' ? 'deleted' : 'updated') : (result ?? 'queued');
  } catch (err) {
    log.warn(`Queued ${topic} for ${ctx.shop}; the flush failed and the next writer will apply it: ${err instanceof Error ? err.message : String(err)}`);
    return 'queued';
  }
}
