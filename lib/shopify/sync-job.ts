import * as z from 'zod/mini';
import { BadRequestError } from '../errors';
import type { ShopifyDeps } from './deps';
import { normalizeShop, SHOP_HELP } from './shop-domain';
import { syncShop, type ShopSyncResult } from './sync';

const ParamsSchema = z.object({
  shop: z.string(),
  dryRun: z.optional(z.boolean()),
  source: z.optional(z.enum(['oauth', 'poll', 'manual'])),
  /** Walk the whole catalog instead of an incremental poll. */
  full: z.optional(z.boolean()),
  /** Continue from the partial object the OAuth callback left (install). */
  resume: z.optional(z.boolean()),
});

/** The `shopify/sync` job: validates its params and syncs one shop. */
export async function runSyncJob(
  params: Record<string, unknown>,
  deps: ShopifyDeps,
  settings: { bulkThreshold?: number } = {},
): Promise<Omit<ShopSyncResult, 'firstPage' | 'shopInfo'>> {
  const parsed = ParamsSchema.safeParse(params);
  if (!parsed.success)
    throw new BadRequestError(`shopify/sync needs {"shop": "<name>.myshopify.com"}. ${SHOP_HELP}`, {
      code: 'invalid_params',
    });
  const shop = normalizeShop(parsed.data.shop);
  if (!shop)
    throw new BadRequestError(`"${parsed.data.shop.slice(0, 100)}" is not a Shopify shop. ${SHOP_HELP}`, {
      code: 'invalid_shop',
    });
  const {
    firstPage: _first,
    shopInfo: _info,
    ...result
  } = await syncShop(shop, deps, {
    source: parsed.data.source ?? 'poll',
    dryRun: parsed.data.dryRun ?? false,
    full: parsed.data.full ?? false,
    resume: parsed.data.resume ?? false,
    ...(settings.bulkThreshold !== undefined ? { bulkThreshold: settings.bulkThreshold } : {}),
  });
  return result;
}
