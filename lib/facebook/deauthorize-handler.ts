import { json } from '../http/responses';
import type { CallbackDeps } from './data-deletion-handler';
import { respond } from './respond';
import { readSignedRequest } from './signed-request';
import { revokeFacebookUser } from './user-data';

/**
 * The `facebook/deauthorize` handler (web: raw), Meta's "Deauthorize Callback URL" (contract §9):
 * verifies the form-encoded `signed_request` like the deletion callback, then deletes the Page
 * tokens and user token that user's login gave us and marks their Pages `disconnected`, so polling
 * and webhooks skip them. Their page_data.json stays (removing the app only ends our access; a
 * data-deletion request deletes data). Answers 200 JSON; malformed → 400, bad signature → 401.
 */
export function handleFacebookDeauthorize(request: Request, deps: CallbackDeps): Promise<Response> {
  return respond(deps.log, async () => {
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
  });
}
