import { recordSyncOutcome, type PageStatus } from '../account/status';
import { getPageRecord } from '../facebook/registry';
import { failureMessage } from '../shopify/sync';
import type { PollDeps } from './deps';
import type { MerchantResult } from './merchant-result';

/**
 * Polls one Facebook Page through the Facebook library's sync job (re-ensures the page
 * subscription, re-reads the Page, rewrites page_data.json; a dead token marks it
 * `reauth_required`) and records the outcome in the merchant's status record. Never throws.
 */
export async function pollPage(
  pageId: string,
  deps: PollDeps,
  source: 'poll' | 'manual' = 'poll',
): Promise<MerchantResult> {
  const { store, clock, log } = deps;
  const record = await getPageRecord(store, pageId);
  if (!record) return { kind: 'page', id: pageId, status: 'skipped', message: `page ${pageId} is not in the registry` };
  let result: MerchantResult;
  const facebook = await deps.facebook();
  if ('problem' in facebook) {
    result = { kind: 'page', id: pageId, status: 'failed', message: facebook.problem };
  } else if (record.state === 'disconnected') {
    result = {
      kind: 'page',
      id: pageId,
      status: 'skipped',
      message: `page ${pageId} is disconnected: connect it again at /facebook/login.`,
    };
  } else {
    try {
      const { runFacebookSyncJob } = await import('../facebook/sync-job');
      const outcome = (await runFacebookSyncJob({ pageId, source }, facebook.deps)).pages[0];
      result = { kind: 'page', id: pageId, status: outcome?.status ?? 'failed' };
      if (outcome?.message) result.message = outcome.message;
    } catch (err) {
      result = { kind: 'page', id: pageId, status: 'failed', message: failureMessage(err) };
    }
  }
  const entry: PageStatus = {
    pageId,
    state:
      result.status === 'reauth_required'
        ? 'reauth_required'
        : result.status === 'success'
          ? 'connected'
          : record.state,
    lastSyncAt: new Date(clock.now()).toISOString(),
    lastResult: result.status,
    ...(result.message ? { message: result.message } : {}),
  };
  try {
    await recordSyncOutcome(store, record.uuid, { kind: 'page', value: entry }, clock);
  } catch (err) {
    log.warn(`Could not record the status of page ${pageId}: ${failureMessage(err)}`);
  }
  return result;
}
