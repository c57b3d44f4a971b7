import { createHmac } from 'node:crypto';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors';
import { json } from '../http/responses';
import type { Logger } from '../log';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import type { FacebookDeps } from './deps';
import { DeletionStatusSchema, type DeletionStatus } from './schemas';
import { readSignedRequest } from './signed-request';
import { deleteFacebookUserData, revokeFacebookUser } from './user-data';

// Meta's data deletion and deauthorize callbacks (contract §9) and the deletion status page.

/** What the deletion and deauthorize callbacks need. */
export type CallbackDeps = Pick<FacebookDeps, 'config' | 'store' | 'vault' | 'clock' | 'log'>;

const CODE_LENGTH = 24;
const CODE_RE = /^[A-Za-z0-9]{1,64}$/;

/**
 * The confirmation code of a deletion request: alphanumeric, stable for one signed_request (a
 * repeated callback gets the same code), and unguessable without the app secret.
 */
export function confirmationCode(appSecret: string, payload: { user_id: string; issued_at: number }): string {
  return createHmac('sha256', appSecret)
    .update(`facebook-data-deletion:${payload.user_id}:${payload.issued_at}`)
    .digest('hex')
    .slice(0, CODE_LENGTH);
}

/** The public status page Meta shows the user: `${APP_URL}/facebook/deletion-status?id=<code>`. */
export const deletionStatusUrl = (appUrl: string, code: string) =>
  `${appUrl}/facebook/deletion-status?id=${encodeURIComponent(code)}`;

/**
 * The `facebook/data-deletion` handler (web: raw), Meta's "Data Deletion Request URL" (contract §9):
 * verifies the form-encoded `signed_request`, deletes the Facebook data of the UUID the app-scoped
 * user id maps to (Pages' data, records and tokens, the user token and the id mapping; nothing of
 * Shopify), records `private/deletions/<code>.json` and answers `{url, confirmation_code}`. An id we
 * never saw still gets a completed confirmation, as Meta expects. Malformed → 400, bad signature → 401.
 */
export async function handleFacebookDataDeletion(request: Request, deps: CallbackDeps): Promise<Response> {
  const { config, store, clock, log } = deps;
  const payload = await readSignedRequest(request, { appSecret: config.FACEBOOK_APP_SECRET, now: clock.now() });
  const code = confirmationCode(config.FACEBOOK_APP_SECRET, payload);
  const key = keys.deletion(code);
  const answer = () => json({ url: deletionStatusUrl(config.APP_URL, code), confirmation_code: code });
  const existing = DeletionStatusSchema.safeParse((await store.getJson<unknown>(key))?.value);
  if (existing.success && existing.data.status === 'completed') {
    log.info(`Data deletion request ${code} was already completed`);
    return answer();
  }
  const requestedAt = existing.success ? existing.data.requested_at : new Date(clock.now()).toISOString();
  const inProgress: DeletionStatus = {
    confirmation_code: code,
    status: 'in_progress',
    requested_at: requestedAt,
    completed_at: null,
    pages_deleted: 0,
  };
  await store.putJson(key, inProgress);
  log.info(`Received a Facebook data deletion request (${code})`);
  // A failure below throws (JSON 5xx) and leaves the status in_progress; the same request resumes it.
  const outcome = await deleteFacebookUserData(deps, payload.user_id);
  if (!outcome.found) log.info(`Data deletion request ${code}: no data is stored for this Facebook user`);
  const done: DeletionStatus = {
    ...inProgress,
    status: 'completed',
    completed_at: new Date(clock.now()).toISOString(),
    pages_deleted: outcome.pagesDeleted,
  };
  await store.putJson(key, DeletionStatusSchema.parse(done));
  return answer();
}

/**
 * The `facebook/deletion-status` handler (web: true): `?id=<confirmation code>` → the stored
 * `{confirmation_code, status, requested_at, completed_at, pages_deleted}`. A malformed id is a 400,
 * an unknown one a 404; the record holds no personal data, so the code alone may read it.
 */
export async function handleFacebookDeletionStatus(
  request: Request,
  deps: { store: ObjectStore; log: Logger },
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new MethodNotAllowedError(request.method, ['GET']);
  const id = new URL(request.url).searchParams.get('id') ?? '';
  if (!CODE_RE.test(id)) {
    throw new BadRequestError('id must be the alphanumeric confirmation_code the data deletion request returned.', {
      code: 'invalid_confirmation_code',
    });
  }
  const stored = DeletionStatusSchema.safeParse((await deps.store.getJson<unknown>(keys.deletion(id)))?.value);
  if (!stored.success) {
    throw new NotFoundError(`No data deletion request has confirmation code ${id}.`, {
      code: 'unknown_confirmation_code',
    });
  }
  return json(stored.data);
}

/**
 * The `facebook/deauthorize` handler (web: raw), Meta's "Deauthorize Callback URL" (contract §9):
 * verifies the form-encoded `signed_request` like the deletion callback, then deletes the Page
 * tokens and user token that user's login gave us and marks their Pages `disconnected`, so polling
 * and webhooks skip them. Their page_data.json stays (removing the app only ends our access; a
 * data-deletion request deletes data). Answers 200 JSON; malformed → 400, bad signature → 401.
 */
export async function handleFacebookDeauthorize(request: Request, deps: CallbackDeps): Promise<Response> {
  const { config, clock, log } = deps;
  const now = clock.now();
  const payload = await readSignedRequest(request, { appSecret: config.FACEBOOK_APP_SECRET, now });
  const outcome = await revokeFacebookUser(deps, payload.user_id, payload.issued_at * 1000, now);
  if (!outcome.found) log.info('Deauthorize callback for a Facebook user we hold nothing for: nothing to revoke');
  return json({
    status: 'ok',
    pages_disconnected: outcome.pagesDisconnected,
    ...(outcome.pagesReconnected.length > 0 ? { pages_kept: outcome.pagesReconnected } : {}),
    user_token_deleted: outcome.userTokenDeleted,
  });
}
