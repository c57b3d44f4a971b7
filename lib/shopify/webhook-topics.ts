import { BadRequestError, UnauthorizedError } from '../errors';
import { fetchProduct } from './catalog';
import { getShopRecord } from './connection';
import type { ShopifyDeps } from './deps';
import { commitDelivery } from './flush-schedule';
import { redactShop, uninstallShop } from './shop-redact';
import type { PendingOp } from './snapshot-ops';
import { notConnected, type DeliveryContext } from './webhook-context';
import { hasProductGid, isIncomplete, trimProductPayload, type ProductPayload } from './webhook-payload';

const digits = (v: unknown): string | null =>
  typeof v === 'string' && /^\d{1,20}$/.test(v)
    ? v
    : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
      ? String(v)
      : null;

/**
 * Applies one verified delivery and returns a short outcome: product topics become pending ops
 * merged into the snapshot, `app/uninstalled` and `shop/redact` act on the shop, `customers/*` and
 * unknown topics are acknowledged.
 */
export async function applyTopic(
  topic: string,
  payload: Record<string, unknown>,
  ctx: DeliveryContext,
  deps: ShopifyDeps,
): Promise<string> {
  const { log, store, clock } = deps;
  const { shop } = ctx;
  switch (topic) {
    case 'customers/data_request':
    case 'customers/redact':
      assertSameShop(payload.shop_domain, shop);
      log.info(`${topic} for ${shop}: we store no customer data, nothing to do`);
      return 'no customer data stored';
    // Catalog topics read no registry record: the delivery's record is keyed by shop, and the flush job, which
    // reads the record, drops the records of a shop that is not connected.
    case 'products/create':
    case 'products/update': {
      const p = payload as ProductPayload;
      if (!hasProductGid(p)) {
        log.info(
          `Ignored ${topic} for ${shop}: the payload names no product (admin_graphql_api_id), e.g. a connection test`,
        );
        return 'ignored';
      }
      let op: PendingOp;
      if (isIncomplete(p)) {
        if (!(await getShopRecord(store, shop))) return notConnected(deps, topic, shop);
        const node = await fetchProduct(
          deps.adminClient(shop, Math.max(500, ctx.deadline - clock.now() - 500)),
          p.admin_graphql_api_id,
        );
        if (!node) return 'product no longer exists';
        op = { kind: 'node', id: node.id, updatedAt: node.updatedAt, node };
      } else {
        op = {
          kind: 'payload',
          id: p.admin_graphql_api_id,
          updatedAt: String(p.updated_at),
          payload: trimProductPayload(p),
        };
      }
      return commitDelivery(deps, op, ctx, topic);
    }
    case 'products/delete': {
      const id = digits(payload.id);
      if (!id) throw new BadRequestError('products/delete payload has no numeric id.', { code: 'invalid_payload' });
      // Shopify's own clock at firing time is later than any updated_at the product had before it was deleted.
      const at = ctx.triggeredAt ?? new Date(clock.now()).toISOString();
      return commitDelivery(deps, { kind: 'delete', id: `gid://shopify/Product/${id}`, at }, ctx, topic);
    }
    case 'inventory_levels/update': {
      const itemId =
        /inventory_item_id=(\d+)/.exec(String(payload.admin_graphql_api_id ?? ''))?.[1] ??
        digits(payload.inventory_item_id);
      if (!itemId)
        throw new BadRequestError('inventory_levels/update payload has no inventory_item_id.', {
          code: 'invalid_payload',
        });
      const available =
        typeof payload.available === 'number' && Number.isSafeInteger(payload.available) ? payload.available : null;
      const updatedAt =
        typeof payload.updated_at === 'string' ? payload.updated_at : new Date(clock.now()).toISOString();
      const item = `gid://shopify/InventoryItem/${itemId}`;
      return commitDelivery(deps, { kind: 'inventory', item, available, updatedAt }, ctx, topic);
    }
    case 'app/uninstalled':
      assertSameShop(payload.myshopify_domain, shop);
      return uninstallShop(deps, ctx, topic);
    case 'shop/redact':
      assertSameShop(payload.shop_domain, shop);
      return redactShop(deps, ctx, topic);
    default:
      log.info(`Ignored unknown topic ${topic} from ${shop}`);
      return 'ignored';
  }
}

// Only the body is signed: a genuine body replayed under another shop's domain header must not act on that shop.
function assertSameShop(bodyShop: unknown, headerShop: string): void {
  if (typeof bodyShop === 'string' && bodyShop.toLowerCase() !== headerShop) {
    throw new UnauthorizedError('The signed body names another shop than X-Shopify-Shop-Domain.', {
      code: 'shop_mismatch',
    });
  }
}
