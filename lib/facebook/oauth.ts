import { ConfigError, FacebookApiError, BadRequestError } from '../errors';
import type { GraphClient } from './graph-client';
import { RESTART, facebookCallbackUrl, type FacebookOAuthConfig } from './oauth-state';
import { TokenResponseSchema } from './schemas';

export {
  STATE_COOKIE,
  beginFacebookOAuth,
  checkFacebookState,
  clearFacebookStateCookie,
  facebookCallbackUrl,
  type FacebookOAuthConfig,
} from './oauth-state';

/** Turns a token-endpoint failure into a clear error: reused, expired or mismatched codes are the merchant's 400s; a bad secret is ours. */
function codeExchangeError(err: FacebookApiError): Error {
  const sub = err.fbSubcode;
  if (err.fbCode === 100 && sub === 36009) {
    return new BadRequestError(`This Facebook login was already used: authorization codes work once. ${RESTART}`, {
      code: 'oauth_code_used',
    });
  }
  if (err.fbCode === 100 && sub === 36007) {
    return new BadRequestError(`This Facebook login expired before it reached us. ${RESTART}`, {
      code: 'oauth_code_expired',
    });
  }
  if (err.fbCode === 100 && sub === 36008) {
    return new BadRequestError(
      `Facebook says the redirect_uri differs from the login dialog's: check that APP_URL is the URL merchants use. ${RESTART}`,
      { code: 'oauth_redirect_mismatch' },
    );
  }
  if (/client secret/i.test(err.message))
    return new ConfigError(['FACEBOOK_APP_SECRET is invalid (Facebook refused it)']);
  if (/application ID|client_id/i.test(err.message))
    return new ConfigError(['FACEBOOK_APP_ID is invalid (Facebook refused it)']);
  if (err.fbCode === 100)
    return new BadRequestError(`Facebook refused the authorization code. ${RESTART}`, { code: 'oauth_code_invalid' });
  return err;
}

/** A user token and when it expires (epoch ms, or null when Meta gave no expiry). */
export interface UserToken {
  accessToken: string;
  expiresAt: number | null;
}

/**
 * Exchanges the code (with the exact dialog `redirect_uri`) for a user token, then for a long-lived
 * one with `fb_exchange_token` (contract §2.3–§2.4).
 */
export async function exchangeCodeForLongLivedToken(
  code: string,
  graph: GraphClient,
  config: FacebookOAuthConfig,
  options: { now: number; deadline: number },
): Promise<UserToken> {
  const client = { client_id: config.FACEBOOK_APP_ID, client_secret: config.FACEBOOK_APP_SECRET };
  let short;
  try {
    short = await graph.get(
      '/oauth/access_token',
      null,
      { ...client, redirect_uri: facebookCallbackUrl(config.APP_URL), code },
      TokenResponseSchema,
      {
        label: 'GET /oauth/access_token (code)',
        deadline: options.deadline,
      },
    );
  } catch (err) {
    throw err instanceof FacebookApiError ? codeExchangeError(err) : err;
  }
  const long = await graph.get(
    '/oauth/access_token',
    null,
    { ...client, grant_type: 'fb_exchange_token', fb_exchange_token: short.access_token },
    TokenResponseSchema,
    { label: 'GET /oauth/access_token (fb_exchange_token)', deadline: options.deadline },
  );
  return { accessToken: long.access_token, expiresAt: long.expires_in ? options.now + long.expires_in * 1000 : null };
}
