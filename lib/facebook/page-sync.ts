import { AppError, FacebookApiError } from '../errors';
import { keys } from '../storage/keys';
import type { FacebookDeps } from './deps';
import { isTokenError } from './graph-errors';
import { buildPageData, ensurePageSubscription, fetchPage, writePageData } from './page-data';
import { getPageRecord, markPage } from './registry';
import { StoredPageTokenSchema, type Page, type PageDataSource } from './schemas';

/** `{"status":"success"}` or `{"status":"failed","message":…}`, as in the seed's answers. */
export type StepStatus = { status: 'success' } | { status: 'failed'; message: string };

/** Outcome of refreshing one Page. */
export interface PageRefresh {
  pageId: string;
  poll: StepStatus;
  upload: StepStatus;
  /** Set when the subscription was (re-)ensured. */
  subscription?: StepStatus & { state?: 'existing' | 'created' };
  /** The token is dead: the Page is marked `reauth_required`. */
  reauthRequired: boolean;
  page?: Page;
}

/** Turns any error into a message safe to show (no tokens, no stack). */
export function failureMessage(err: unknown): string {
  if (err instanceof AppError) return err.message;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const isBackOffError = (err: unknown) =>
  err instanceof FacebookApiError &&
  (err.code === 'facebook_throttled' ||
    err.code === 'facebook_unreachable' ||
    Number(err.details.upstream_status ?? 0) >= 500);

const SUCCESS: StepStatus = { status: 'success' };
const failed = (message: string): StepStatus => ({ status: 'failed', message });
const NOT_UPLOADED = failed('Not uploaded: the Page data could not be polled (see polling_test).');

/**
 * Refreshes one connected Page with its stored token: optionally re-ensures the webhook
 * subscription, re-reads its fields and rewrites its page_data.json. A dead token (190) marks the
 * Page `reauth_required` and is reported, never thrown.
 */
export async function refreshPage(
  pageId: string,
  deps: FacebookDeps,
  options: { source: PageDataSource; deadline: number; ensureSubscription?: boolean },
): Promise<PageRefresh> {
  const { store, clock, log, graph, config } = deps;
  const result = (poll: StepStatus, upload: StepStatus, extra: Partial<PageRefresh> = {}): PageRefresh => ({
    pageId,
    poll,
    upload,
    reauthRequired: false,
    ...extra,
  });
  const record = await getPageRecord(store, pageId);
  if (!record) return result(failed(`Page ${pageId} is not connected: connect it at /facebook/login.`), NOT_UPLOADED);
  if (record.state !== 'connected' && options.source !== 'oauth') {
    const why = failed(
      `Page ${pageId} needs re-authorisation (${record.reason ?? record.state}): log in again at /facebook/login.`,
    );
    return result(why, NOT_UPLOADED, { reauthRequired: true });
  }
  const stored = await deps.vault.get(keys.pageToken(pageId));
  const token = StoredPageTokenSchema.safeParse(stored?.value);
  if (!token.success) {
    return result(
      failed(
        `No usable token is stored for page ${pageId}: it needs re-authorisation: log in again at /facebook/login.`,
      ),
      NOT_UPLOADED,
      {
        reauthRequired: true,
      },
    );
  }
  const accessToken = token.data.accessToken;
  const reauth = async (err: unknown) => {
    await markPage(store, pageId, 'reauth_required', failureMessage(err), clock.now(), record);
    log.warn(`Page ${pageId} needs re-authorisation: ${failureMessage(err)}`);
    return result(failed(failureMessage(err)), NOT_UPLOADED, { reauthRequired: true });
  };

  let subscription: PageRefresh['subscription'];
  if (options.ensureSubscription) {
    try {
      const state = await ensurePageSubscription(graph, {
        pageId,
        token: accessToken,
        appId: config.FACEBOOK_APP_ID,
        deadline: options.deadline,
        log,
      });
      subscription = { status: 'success', state };
    } catch (err) {
      if (isTokenError(err)) return reauth(err);
      subscription = failed(`Webhook subscription failed: ${failureMessage(err)}`);
      log.warn(`Webhook subscription for page ${pageId} failed: ${failureMessage(err)}`);
      // Calls made while throttled still count (contract §8): stop calling this Page until the next run.
      if (isBackOffError(err)) return result(failed(failureMessage(err)), NOT_UPLOADED, { subscription });
    }
  }
  const extra = subscription ? { subscription } : {};

  let fetched;
  try {
    fetched = await fetchPage(graph, pageId, accessToken, options.deadline);
  } catch (err) {
    if (isTokenError(err)) return reauth(err);
    log.error(`Polled data for page ${pageId}: Failed (${failureMessage(err)})`);
    return result(failed(failureMessage(err)), NOT_UPLOADED, extra);
  }
  if (options.source !== 'webhook') log.info(`Polled data for page ${pageId}: Success`);
  try {
    const data = buildPageData(fetched, {
      graphVersion: config.FACEBOOK_GRAPH_VERSION,
      now: clock.now(),
      source: options.source,
    });
    await writePageData(store, record.uuid, data);
    // A data deletion may have removed the Page while we were reading it: never resurrect its data.
    const after = await getPageRecord(store, pageId);
    if (!after || after.uuid !== record.uuid) {
      await store.delete(keys.pageSnapshot(record.uuid, pageId));
      log.info(`Discarded the refreshed data of page ${pageId}: it was removed from user ${record.uuid} meanwhile`);
      return result(SUCCESS, failed(`Page ${pageId} was disconnected during the refresh; its data was not kept.`), {
        ...extra,
        page: fetched.page,
      });
    }
  } catch (err) {
    log.error(`Upload to Spaces for page ${pageId} failed: ${failureMessage(err)}`);
    return result(SUCCESS, failed(`Upload to Spaces failed: ${failureMessage(err)}`), { ...extra, page: fetched.page });
  }
  return result(SUCCESS, SUCCESS, { ...extra, page: fetched.page });
}
