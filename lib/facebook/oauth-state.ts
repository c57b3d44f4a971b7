import { safeCompare } from '../crypto/safe-compare';
import { UnauthorizedError } from '../errors';
import { OAuthStateCookie, type StateConfig } from '../http/oauth-state-cookie';

// The state half of Facebook login, apart from the code exchange (./oauth.ts) so that `facebook/login` loads no zod
// schemas on its cold start (issue 14). ./oauth.ts re-exports all of it.

const FLOW = new OAuthStateCookie('facebook', 'Facebook login');
/** Cookie carrying the signed state between `facebook/login` and `facebook/callback`. */
export const STATE_COOKIE = FLOW.name;
export const RESTART = 'Start again at /facebook/login.';

/** What the OAuth steps need from the config. */
export interface FacebookOAuthConfig extends StateConfig {
  FACEBOOK_APP_ID: string;
  FACEBOOK_APP_SECRET: string;
  FACEBOOK_GRAPH_VERSION: string;
  FACEBOOK_SCOPES: string;
  FACEBOOK_WWW_ORIGIN: string;
}

/** The redirect URI registered under Valid OAuth Redirect URIs; the code exchange repeats it byte for byte. */
export const facebookCallbackUrl = (appUrl: string) => `${appUrl}/facebook/callback`;

/** The login dialog's URL for one login (contract §2), with `state` echoed back to the callback. */
function dialogUrl(config: FacebookOAuthConfig, state: string): string {
  const query = new URLSearchParams({
    client_id: config.FACEBOOK_APP_ID,
    redirect_uri: facebookCallbackUrl(config.APP_URL),
    state,
    response_type: 'code',
    scope: config.FACEBOOK_SCOPES,
  });
  return `${config.FACEBOOK_WWW_ORIGIN}/${config.FACEBOOK_GRAPH_VERSION}/dialog/oauth?${query.toString()}`;
}

/** Builds the login-dialog redirect and the state cookie: a JWT binding the session's UUID to the nonce sent as `state`. */
export const beginFacebookOAuth = (uuid: string, config: FacebookOAuthConfig, now: number) =>
  FLOW.begin({ uuid }, config, now, (state) => dialogUrl(config, state));

/** The `Set-Cookie` that deletes the state cookie once the callback has used it. */
export const clearFacebookStateCookie = (appUrl: string): string => FLOW.clear(appUrl);

/** Verifies the state cookie, its nonce against the `state` parameter, and its UUID against the session's. */
export async function checkFacebookState(
  request: Request,
  state: string | null,
  sessionUuid: string,
  config: Pick<FacebookOAuthConfig, 'SESSION_SECRET'>,
  now: number,
): Promise<void> {
  const { uuid } = await FLOW.verify(request, state, { config, now, restart: RESTART });
  if (typeof uuid !== 'string' || !safeCompare(uuid, sessionUuid)) {
    throw new UnauthorizedError(`This Facebook login was started from another session. ${RESTART}`, {
      code: 'session_mismatch',
    });
  }
}
