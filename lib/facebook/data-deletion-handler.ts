import { createHmac } from 'node:crypto';
import { json } from '../http/responses';
import { keys } from '../storage/keys';
import type { FacebookDeps } from './deps';
import { respond } from './respond';
import { DeletionStatusSchema, type DeletionStatus } from './schemas';
import { readSignedRequest } from './signed-request';
import { deleteFacebookUserData } from './user-data';

/** What the deletion and deauthorize callbacks need. */
export type CallbackDeps = Pick<FacebookDeps, 'config' | 'store' | 'vault' | 'clock' | 'log'>;

const CODE_LENGTH = 24;

/**
 * The confirmation code of a deletion request: alphanumeric, stable for one signed_request (a
 * repeated callback gets the same code), and unguessable without the app secret.
 */
export function confirmationCode(appSecret: string, payload: { user_id: string; issued_at: number }): string {
  return createHmac('sha256', appSecret).update(`facebook-data-deletion:${payload.user_id}:${payload.issued_at}`).digest('hex').slice(0, CODE_LENGTH);
}

/** The public status page Meta shows the user: `${APP_URL}/facebook/deletion-status?id=<code>`. */
export const deletionStatusUrl = (appUrl: string, code: string) => `${appUrl}/facebook/deletion-status?id=${encodeURIComponent(code)}`;

/**
 * The `facebook/data-deletion` handler (web: raw), Meta's "Data Deletion Request URL" (contract §9):
 * verifies the form-encoded `signed_request`, deletes the Facebook data of the UUID the app-scoped
 * user id maps to (Pages' data, records and tokens, the user token and the id mapping; nothing of
 * Shopify), records `private/deletions/<code>.json` and answers `{url, confirmation_code}`. An id we
 * never saw still gets a completed confirmation, as Meta expects. Malformed → 400, bad signature → 401.
 */
export function handleFacebookDataDeletion(request: Request, deps: CallbackDeps): Promise<Response> {
  return respond(deps.log, async () => {
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
    const inProgress: DeletionStatus = { confirmation_code: code, status: 'in_progress', requested_at: requestedAt, completed_at: null, pages_deleted: 0 };
    await store.putJson(key, inProgress);
    log.info(`Received a Facebook data deletion request (${code})`);
    // A failure below throws (JSON 5xx) and leaves the status in_progress; the same request resumes it.
    const outcome = await deleteFacebookUserData(deps, payload.user_id);
    if (!outcome.found) log.info(`Data deletion request ${code}: no data is stored for this Facebook user`);
    const done: DeletionStatus = { ...inProgress, status: 'completed', completed_at: new Date(clock.now()).toISOString(), pages_deleted: outcome.pagesDeleted };
    await store.putJson(key, DeletionStatusSchema.parse(done));
    return answer();
  });
}
