import { safeEqual } from './auth';
import { GraphError, paramError, unparsableToken } from './errors';
import type { GraphReply, GraphRequest } from './http';
import { LONG_LIVED_EXPIRES_IN, type EmulatorState } from './state';
import type { TokenRecord } from './types';

/** Authorization codes die after ten minutes, like Meta's. */
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** Shape of the codes the emulator issues; anything else is "malformed". */
const CODE_FORMAT = /^AQ[A-Za-z0-9_-]{40,}$/;

function oauthError(message: string, code: number, subcode?: number): GraphError {
  return new GraphError({ message, code, ...(subcode === undefined ? {} : { subcode }) });
}

function checkClient(state: EmulatorState, params: URLSearchParams, needSecret: boolean): void {
  const clientId = params.get('client_id');
  if (!clientId) throw oauthError('Missing client_id parameter.', 101);
  if (clientId !== state.options.appId) throw oauthError('Error validating application. Invalid application ID.', 101);
  if (!needSecret) return;
  const secret = params.get('client_secret');
  if (!secret) throw oauthError('Missing client_secret parameter.', 101);
  if (!safeEqual(secret, state.options.appSecret)) throw oauthError('Error validating client secret.', 1, 33);
}

function tokenReply(record: TokenRecord, nowSeconds: number): GraphReply {
  return {
    body: { access_token: record.token, token_type: 'bearer', expires_in: Math.max(0, record.expiresAt - nowSeconds) },
  };
}

function exchangeCode(state: EmulatorState, params: URLSearchParams): GraphReply {
  const code = params.get('code');
  if (!code) throw oauthError('Missing authorization code', 100);
  const record = CODE_FORMAT.test(code) ? state.codes.get(code) : undefined;
  if (!record) throw oauthError('Invalid verification code format.', 100);
  if (record.used) throw oauthError('This authorization code has been used.', 100, 36009);
  const redirectUri = params.get('redirect_uri');
  // Dialog codes need the dialog's redirect_uri byte for byte; FB.login/config codes are exchanged without one.
  const redirectOk = record.redirectUri === null ? !redirectUri : redirectUri === record.redirectUri;
  if (!redirectOk) {
    throw oauthError(
      'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request',
      100,
      36008,
    );
  }
  if (state.options.now() - record.issuedAtMs > CODE_LIFETIME_MS)
    throw oauthError('This authorization code has expired.', 100, 36007);
  record.used = true;
  const token = state.issueUserToken(record.userId, record.scopes, state.options.userTokenExpiresIn);
  return tokenReply(token, state.nowSeconds());
}

function exchangeToken(state: EmulatorState, params: URLSearchParams): GraphReply {
  const input = params.get('fb_exchange_token');
  if (!input) throw paramError('Missing fb_exchange_token parameter');
  const record = state.tokens.get(input);
  if (!record) throw unparsableToken();
  if (record.kind !== 'user') throw paramError('(#100) fb_exchange_token must be a user access token');
  const dead = state.tokenError(record);
  if (dead) throw dead;
  // A token that is already long-lived may come back unchanged (contract §2.4).
  if (record.longLived) return tokenReply(record, state.nowSeconds());
  const longLived = state.issueUserToken(record.userId, record.scopes, LONG_LIVED_EXPIRES_IN, true);
  return tokenReply(longLived, state.nowSeconds());
}

/** `GET /oauth/access_token`: code exchange, `fb_exchange_token` and `client_credentials` grants (contract §2.3, §2.4, §3). */
export function accessTokenEndpoint(state: EmulatorState, request: GraphRequest): GraphReply {
  const params = request.params;
  const grantType = params.get('grant_type');
  checkClient(state, params, true);
  if (grantType === 'client_credentials') {
    return { body: { access_token: `${state.options.appId}|${state.options.appSecret}`, token_type: 'bearer' } };
  }
  if (grantType === 'fb_exchange_token') return exchangeToken(state, params);
  if (grantType !== null && grantType !== 'authorization_code')
    throw paramError(`Unsupported grant_type: ${grantType}`);
  return exchangeCode(state, params);
}
