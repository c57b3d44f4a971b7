import * as z from 'zod/mini';
import { forEachLimit } from '../concurrency';
import { BadRequestError } from '../errors';
import { assertPageId, assertShop } from '../storage/keys';
import { failureMessage } from '../shopify/sync';
import type { PollDeps } from './deps';
import type { BatchResult, MerchantBatch, MerchantResult } from './merchant-result';
import { pollPage } from './page-merchant';
import { pollShop } from './shop-merchant';

/** Merchants are only started while this much of the invocation's time is left; the rest is deferred. */
export const DEFER_RESERVE_MS = 180_000;

const BatchSchema = z.object({
  shops: z._default(z.array(z.string()).check(z.maxLength(500)), []),
  pages: z._default(z.array(z.string()).check(z.maxLength(500)), []),
  source: z.optional(z.enum(['poll', 'manual'])),
  /** Walk whole catalogs even where an incremental poll would do (as `npm run sync -- --full`). */
  full: z.optional(z.boolean()),
});

/**
 * The `poll/merchants` job: syncs a batch `{shops, pages}` with bounded concurrency and returns
 * each merchant's result. Merchants it could not start before `deadline − DEFER_RESERVE_MS` come
 * back in `deferred` for the dispatcher to hand to another invocation.
 */
export async function runMerchantBatch(
  params: Record<string, unknown>,
  deps: PollDeps,
  deadline: number,
): Promise<BatchResult> {
  const parsed = BatchSchema.safeParse(params);
  if (!parsed.success) {
    throw new BadRequestError(
      'poll/merchants needs {"shops": ["<name>.myshopify.com", …], "pages": ["<page id>", …]}.',
      { code: 'invalid_params' },
    );
  }
  const { shops, pages } = parsed.data;
  const source = parsed.data.source ?? 'poll';
  const full = parsed.data.full === true;
  for (const shop of shops) assertShop(shop);
  for (const page of pages) assertPageId(page);
  const work: Array<{ kind: 'shop' | 'page'; id: string }> = [
    ...shops.map((id) => ({ kind: 'shop' as const, id })),
    ...pages.map((id) => ({ kind: 'page' as const, id })),
  ];
  const results: MerchantResult[] = [];
  const deferred: MerchantBatch = { shops: [], pages: [] };
  await forEachLimit(work, deps.settings.POLL_WORKER_CONCURRENCY, async (item) => {
    if (deps.clock.now() > deadline - DEFER_RESERVE_MS) {
      (item.kind === 'shop' ? deferred.shops : deferred.pages).push(item.id);
      return;
    }
    try {
      results.push(
        item.kind === 'shop'
          ? await pollShop(item.id, deps, source, undefined, full)
          : await pollPage(item.id, deps, source),
      );
    } catch (err) {
      // pollShop/pollPage report per-merchant failures; this catches storage outages and bugs.
      deps.log.error(`Poll of ${item.kind} ${item.id} failed: ${failureMessage(err)}`);
      results.push({ kind: item.kind, id: item.id, status: 'failed', message: failureMessage(err) });
    }
  });
  return { results, deferred };
}
