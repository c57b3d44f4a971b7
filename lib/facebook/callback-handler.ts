import { requireSession } from '../crypto/session';
import { BadRequestError, ForbiddenError, MethodNotAllowedError } from '../errors';
import { recordSyncOutcome, type StatusEntry } from '../account/status';
import { prefersHtml } from '../http/negotiate';
import { json } from '../http/responses';
import { pyRepr } from '../log';
import { keys } from '../storage/keys';
import type { FacebookDeps } from './deps';
import { checkFacebookState, clearFacebookStateCookie, exchangeCodeForLongLivedToken } from './oauth';
import { failureMessage, refreshPage, type StepStatus } from './page-sync';
import { forEachLimit } from '../concurrency';
import { releasePageFromPreviousOwner } from './page-move';
import { connectPage, getPageRecord, recordFacebookUser } from './registry';
import { signFacebookBody } from './webhook-signature';
import {
  AccountsResponseSchema,
  MeSchema,
  type AccountPage,
  type StoredPageToken,
  type StoredUserToken,
} from './schemas';

// DO turns web calls over 30 s into async ones: tokens and page list first, then pages, then the self-test.
const LOGIN_BUDGET_MS = 8_000;
const PAGES_BUDGET_MS = 20_000;
const PAGE_CONCURRENCY = 4;
const MAX_ACCOUNT_PAGES = 50;
const ACCOUNT_FIELDS = 'id,name,category,category_list,tasks,access_token';
const SELF_TEST_TIMEOUT_MS = 3_000;

type PageResult = { page_id: string; result: StepStatus };

/**
 * The `facebook/callback` handler (web: true): checks session and state, exchanges the code for a
 * long-lived user token, lists every Page, and for each (4 at a time) records the Page → UUID
 * mapping, seals its token in the vault, ensures the webhook subscription and writes its
 * page_data.json. Answers with the seed's JSON; tokens never appear in it.
 */
export async function handleFacebookCallback(request: Request, deps: FacebookDeps): Promise<Response> {
  if (request.method !== 'GET') throw new MethodNotAllowedError(request.method, ['GET']);
  const { config, clock, log, graph, store } = deps;
  const started = clock.now();
  const params = new URL(request.url).searchParams;
  const session = await requireSession(request, { secret: config.SESSION_SECRET, now: started });
  await checkFacebookState(request, params.get('state'), session.sub, config, started);
  if (params.get('error')) {
    const reason = params.get('error_description') ?? params.get('error_reason') ?? params.get('error');
    throw new ForbiddenError(
      `Facebook login was cancelled or permissions were declined (${reason}). The bot needs ${config.FACEBOOK_SCOPES} to read your Pages: start again at /facebook/login and approve every permission.`,
      { code: 'facebook_access_denied' },
    );
  }
  const code = params.get('code');
  if (!code)
    throw new BadRequestError('The callback has no code parameter. Start again at /facebook/login.', {
      code: 'missing_code',
    });
  const uuid = session.sub;
  const loginDeadline = started + LOGIN_BUDGET_MS;
  const user = await exchangeCodeForLongLivedToken(code, graph, config, { now: started, deadline: loginDeadline });
  const me = await graph.get('/me', user.accessToken, { fields: 'id' }, MeSchema, {
    deadline: loginDeadline,
    label: 'GET /me',
  });
  const accounts = await listAccounts(deps, user.accessToken, loginDeadline);
  const obtainedAt = new Date(clock.now()).toISOString();
  const userToken: StoredUserToken = {
    accessToken: user.accessToken,
    asid: me.id,
    expiresAt: user.expiresAt === null ? null : new Date(user.expiresAt).toISOString(),
    obtainedAt,
  };
  await deps.vault.put(keys.facebookUserToken(uuid), userToken);
  await recordFacebookUser(
    store,
    me.id,
    uuid,
    accounts.map((p) => p.id),
    clock.now(),
  );

  const deadline = started + PAGES_BUDGET_MS;
  const polling: PageResult[] = [];
  const upload: PageResult[] = [];
  const listed: Array<Record<string, unknown>> = [];
  await forEachLimit(accounts, PAGE_CONCURRENCY, async (page, i) => {
    const outcome = await connectOne(page, { uuid, asid: me.id, obtainedAt, deadline }, deps);
    polling[i] = { page_id: page.id, result: outcome.poll };
    upload[i] = { page_id: page.id, result: outcome.upload };
    listed[i] = outcome.listed;
  });
  const webhookTest = await webhookSelfTest(deps);
  await recordConnectStatus(uuid, listed, polling, upload, deps);
  const body = {
    user_uuid: uuid,
    pages: { data: listed },
    webhook_test: webhookTest,
    polling_test: polling,
    upload_status: upload,
  };
  const headers: Array<[string, string]> = [
    ['set-cookie', clearFacebookStateCookie(config.APP_URL)],
    ['vary', 'Accept'],
  ];
  if (prefersHtml(request)) {
    const { facebookConnectedPage } = await import('../pages/connected');
    return facebookConnectedPage({ appUrl: config.APP_URL, body, headers });
  }
  return json(body, 200, headers);
}

/** Records every Page this login connected (one status write), so `account/status` lists them right away. */
async function recordConnectStatus(
  uuid: string,
  listed: ReadonlyArray<Record<string, unknown>>,
  polling: readonly PageResult[],
  upload: readonly PageResult[],
  deps: FacebookDeps,
): Promise<void> {
  const at = new Date(deps.clock.now()).toISOString();
  const entries: StatusEntry[] = upload.map(({ page_id, result }, i) => {
    const poll = polling[i]?.result;
    const failed = result.status === 'failed' ? result : poll?.status === 'failed' ? poll : null;
    const name = listed[i]?.name;
    return {
      kind: 'page',
      value: {
        pageId: page_id,
        // A Page that failed here may not even be registered (no Page token): show it as needing a new login,
        // with the reason; the daily poll sets a registered one back to connected once it syncs.
        state: failed ? 'disconnected' : 'connected',
        lastSyncAt: at,
        lastResult: failed ? 'failed' : 'success',
        source: 'oauth',
        ...(failed && 'message' in failed ? { message: failed.message } : {}),
        ...(typeof name === 'string' ? { name } : {}),
      },
    };
  });
  if (entries.length === 0) return;
  try {
    await recordSyncOutcome(deps.store, uuid, entries, deps.clock);
  } catch (err) {
    deps.log.warn(`Could not record the status of the Pages of ${uuid}: ${failureMessage(err)}`);
  }
}

/** Every Page of `/me/accounts`, following `paging.next` to the end. */
async function listAccounts(deps: FacebookDeps, token: string, deadline: number): Promise<AccountPage[]> {
  const pages: AccountPage[] = [];
  let res = await deps.graph.get(
    '/me/accounts',
    token,
    { fields: ACCOUNT_FIELDS, limit: '25' },
    AccountsResponseSchema,
    {
      deadline,
      label: 'GET /me/accounts',
    },
  );
  for (let n = 0; ; n++) {
    pages.push(...res.data);
    const next = res.paging?.next;
    if (!next || n >= MAX_ACCOUNT_PAGES) break;
    res = await deps.graph.getNext(next, token, AccountsResponseSchema, { deadline, label: 'GET /me/accounts (next)' });
  }
  const seen = new Set<string>();
  return pages.filter((p) => !seen.has(p.id) && seen.add(p.id));
}

async function connectOne(
  page: AccountPage,
  ctx: { uuid: string; asid: string; obtainedAt: string; deadline: number },
  deps: FacebookDeps,
): Promise<{ poll: StepStatus; upload: StepStatus; listed: Record<string, unknown> }> {
  const { log, clock, store } = deps;
  const listed: Record<string, unknown> = {
    id: page.id,
    name: page.name,
    category: page.category,
    category_list: page.category_list,
    tasks: page.tasks,
  };
  const fail = (message: string) => ({
    poll: { status: 'failed', message } as StepStatus,
    upload: { status: 'failed', message } as StepStatus,
    listed,
  });
  if (!page.access_token) {
    return fail(
      `Facebook gave no Page token for page ${page.id}: you need a Page role with full control (not Live Contributor), and two-factor authentication if the business requires it.`,
    );
  }
  if (clock.now() >= ctx.deadline) {
    return fail(
      `Page ${page.id} was not processed within the 30 s limit of this login; run the facebook/sync function with {"uuid": "${ctx.uuid}"}.`,
    );
  }
  try {
    // A Page another merchant connected before moves to this one: nothing of it stays behind with the previous owner.
    const owner = await getPageRecord(store, page.id);
    if (owner && owner.uuid !== ctx.uuid) await releasePageFromPreviousOwner(deps, page.id, owner.uuid);
    await connectPage(store, { pageId: page.id, uuid: ctx.uuid, asid: ctx.asid, name: page.name }, clock.now());
    const token: StoredPageToken = {
      accessToken: page.access_token,
      asid: ctx.asid,
      uuid: ctx.uuid,
      obtainedAt: ctx.obtainedAt,
    };
    await deps.vault.put(keys.pageToken(page.id), token);
    const refresh = await refreshPage(page.id, deps, {
      source: 'oauth',
      deadline: ctx.deadline,
      ensureSubscription: true,
    });
    log.info(`Polling test result for page ${page.id}: ${pyRepr(refresh.poll)}`);
    if (refresh.upload.status === 'success') log.info(`Uploaded data to Spaces for page ${page.id}`);
    if (refresh.page)
      Object.assign(listed, {
        name: refresh.page.name,
        category: refresh.page.category,
        category_list: refresh.page.category_list,
      });
    if (refresh.subscription) listed.webhook_subscription = refresh.subscription;
    return { poll: refresh.poll, upload: refresh.upload, listed };
  } catch (err) {
    log.error(`Connecting page ${page.id} failed: ${failureMessage(err)}`);
    return fail(failureMessage(err));
  }
}

/** A Page id no Page can have (ids are digits), so the test delivery never changes stored data. */
export const TEST_PAGE_ID = 'test_page_id';

/** The public webhook URL Meta is configured to call. */
export const facebookWebhookUrl = (appUrl: string) => `${appUrl}/facebook/webhook`;

/**
 * Sends the seed's test notification to our own public webhook URL twice: correctly signed (must
 * get 200) and signed with a wrong secret (must get 401 or 403). Logs and returns the result.
 */
async function webhookSelfTest(deps: FacebookDeps): Promise<StepStatus> {
  const url = facebookWebhookUrl(deps.config.APP_URL);
  const body = JSON.stringify({
    object: 'page',
    entry: [
      { id: TEST_PAGE_ID, time: Math.floor(deps.clock.now() / 1000), changes: [{ field: 'name', value: 'Test Page' }] },
    ],
  });
  const send = async (signature: string) => {
    const res = await deps.fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      signal: AbortSignal.timeout(SELF_TEST_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status;
  };
  let result: StepStatus;
  try {
    const good = await send(signFacebookBody(body, deps.config.FACEBOOK_APP_SECRET));
    const forged =
      good === 200 ? await send(signFacebookBody(body, `not-${deps.config.FACEBOOK_APP_SECRET}`)) : undefined;
    if (good !== 200) {
      result = {
        status: 'failed',
        message: `${url} answered ${good} to a correctly signed delivery: check FACEBOOK_APP_SECRET and APP_URL.`,
      };
    } else if (forged !== 401 && forged !== 403) {
      result = {
        status: 'failed',
        message: `${url} answered ${forged} to a wrongly signed delivery instead of 401: it does not verify signatures.`,
      };
    } else {
      result = { status: 'success' };
      // The webhook cannot tell this forgery from a real one (and must not trust the request to say so): it warned.
      deps.log.info(
        "The rejected Facebook webhook above was this self-test's wrongly signed delivery, as expected: " +
          'the webhook self-test passed.',
      );
    }
  } catch (err) {
    result = { status: 'failed', message: `${url} is not reachable (${failureMessage(err)}): check APP_URL.` };
  }
  deps.log.info(`Webhook test result: ${pyRepr(result)}`);
  return result;
}
