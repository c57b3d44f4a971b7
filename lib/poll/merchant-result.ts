import type { ShopSyncResult } from '../shopify/sync';

/** One shop's or page's outcome in a poll (a shop's count and mode as its sync reported them). */
export interface MerchantResult extends Pick<ShopSyncResult, 'productCount' | 'mode'> {
  kind: 'shop' | 'page';
  id: string;
  status: 'success' | 'failed' | 'reauth_required' | 'skipped';
  message?: string;
  /** Webhook topics re-created because Shopify had deleted them. */
  webhooksCreated?: string[];
}

/** A batch of merchants for one worker invocation. */
export interface MerchantBatch {
  shops: string[];
  pages: string[];
}

/** What `poll/merchants` returns: per-merchant results and what it left for another invocation. */
export interface BatchResult {
  results: MerchantResult[];
  deferred: MerchantBatch;
}

/** Counts results by status. */
export function tally(results: readonly MerchantResult[]): Record<MerchantResult['status'], number> {
  const out = { success: 0, failed: 0, reauth_required: 0, skipped: 0 };
  for (const r of results) out[r.status]++;
  return out;
}
