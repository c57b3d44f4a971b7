import * as z from 'zod/mini';
import { BadRequestError } from '../errors';
import { assertPageId, assertUuid } from '../storage/keys';
import type { FacebookDeps } from './deps';
import { failureMessage, refreshPage, type StepStatus } from './page-sync';
import { forEachLimit } from '../concurrency';
import { getPageRecord, listPageRecords } from './registry';

/** The job may run 15 minutes; leave a margin for the answer. */
const JOB_BUDGET_MS = 840_000;
/** Each page gets its own Graph budget, so one throttled page cannot starve the rest. */
const PAGE_BUDGET_MS = 60_000;
const CONCURRENCY = 4;

const ParamsSchema = z.union([
  z.object({ pageId: z.string(), source: z.optional(z.enum(['poll', 'manual'])) }),
  z.object({ uuid: z.string(), source: z.optional(z.enum(['poll', 'manual'])) }),
]);

/** One page's outcome in a sync. */
export interface PageSyncResult {
  page_id: string;
  status: 'success' | 'failed' | 'reauth_required';
  result: StepStatus;
  message?: string;
}

/** What `facebook/sync` returns. */
export interface FacebookSyncResult {
  status: 'success' | 'partial' | 'failed';
  pages: PageSyncResult[];
}

/**
 * The `facebook/sync` job (web: false): `{pageId}` or `{uuid}` → re-ensures each Page's webhook
 * subscription, re-reads its fields and rewrites its page_data.json. A dead token marks the Page
 * `reauth_required` and is reported for that Page; the job itself does not throw.
 */
export async function runFacebookSyncJob(
  params: Record<string, unknown>,
  deps: FacebookDeps,
): Promise<FacebookSyncResult> {
  const parsed = ParamsSchema.safeParse(params);
  if (!parsed.success) {
    throw new BadRequestError('facebook/sync needs {"pageId": "<digits>"} or {"uuid": "<user uuid>"}.', {
      code: 'invalid_params',
    });
  }
  const source = parsed.data.source ?? 'poll';
  let pageIds: string[];
  if ('pageId' in parsed.data) {
    const pageId = assertPageId(parsed.data.pageId);
    pageIds = (await getPageRecord(deps.store, pageId)) ? [pageId] : [];
    if (pageIds.length === 0)
      throw new BadRequestError(`Page ${pageId} is not connected: connect it at /facebook/login.`, {
        code: 'page_not_connected',
      });
  } else {
    pageIds = (await listPageRecords(deps.store, { uuid: assertUuid(parsed.data.uuid) })).map((r) => r.pageId);
  }
  const jobDeadline = deps.clock.now() + JOB_BUDGET_MS;
  const pages: PageSyncResult[] = [];
  await forEachLimit(pageIds, CONCURRENCY, async (pageId, i) => {
    pages[i] = await syncOne(pageId, deps, source, Math.min(jobDeadline, deps.clock.now() + PAGE_BUDGET_MS));
  });
  const ok = pages.filter((p) => p.status === 'success').length;
  return { status: ok === pages.length ? 'success' : ok > 0 ? 'partial' : 'failed', pages };
}

async function syncOne(
  pageId: string,
  deps: FacebookDeps,
  source: 'poll' | 'manual',
  deadline: number,
): Promise<PageSyncResult> {
  try {
    const refresh = await refreshPage(pageId, deps, { source, deadline, ensureSubscription: true });
    if (refresh.poll.status === 'success' && refresh.upload.status === 'success') {
      deps.log.info(`Polled and uploaded data for page ${pageId}: Success`);
      return { page_id: pageId, status: 'success', result: { status: 'success' } };
    }
    const failure = refresh.poll.status === 'failed' ? refresh.poll : refresh.upload;
    const message = failure.status === 'failed' ? failure.message : 'failed';
    deps.log.warn(`Polled and uploaded data for page ${pageId}: Failed (${message})`);
    return {
      page_id: pageId,
      status: refresh.reauthRequired ? 'reauth_required' : 'failed',
      result: { status: 'failed', message },
      message,
    };
  } catch (err) {
    deps.log.error(`Polled and uploaded data for page ${pageId}: Failed (${failureMessage(err)})`);
    return {
      page_id: pageId,
      status: 'failed',
      result: { status: 'failed', message: failureMessage(err) },
      message: failureMessage(err),
    };
  }
}
