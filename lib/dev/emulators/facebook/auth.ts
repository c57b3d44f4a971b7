import { createHmac, timingSafeEqual } from 'node:crypto';
import { GraphError, missingToken, unparsableToken } from './errors';
import { accessTokenOf, type GraphRequest } from './http';
import type { EmulatorState } from './state';
import type { FacebookPage, FacebookUser, TokenRecord } from './types';

/** Who is calling: the app itself, a user, or a Page. */
export type Principal =
  | { kind: 'app'; token: string }
  | { kind: 'user'; token: string; record: TokenRecord; user: FacebookUser }
  | { kind: 'page'; token: string; record: TokenRecord; user: FacebookUser; page: FacebookPage };

/** Lower-case hex HMAC-SHA256 of the access token keyed by the app secret ("Secure Graph API Calls"). */
export function appsecretProof(appSecret: string, accessToken: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/** Constant-time string comparison; unequal lengths are rejected first because timingSafeEqual requires equal sizes. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the token is this app's `{app-id}|{app-secret}` app token. */
export function isAppToken(state: EmulatorState, token: string): boolean {
  return safeEqual(token, `${state.options.appId}|${state.options.appSecret}`);
}

function checkProof(state: EmulatorState, request: GraphRequest, token: string, required: boolean): void {
  const proof = request.params.get('appsecret_proof');
  if (proof === null || proof === '') {
    if (!required) return;
    throw new GraphError({
      message: 'API calls from the server require an appsecret_proof argument',
      type: 'GraphMethodException',
      code: 100,
    });
  }
  if (!safeEqual(proof.toLowerCase(), appsecretProof(state.options.appSecret, token))) {
    throw new GraphError({
      message: 'Invalid appsecret_proof provided in the API argument',
      type: 'GraphMethodException',
      code: 100,
    });
  }
}

/** Resolves the caller of a Graph request, enforcing `appsecret_proof` and the token's state (190 with subcodes). */
export function authenticate(state: EmulatorState, request: GraphRequest): Principal {
  const token = accessTokenOf(request);
  if (!token) throw missingToken();
  if (token.includes('|')) {
    if (!isAppToken(state, token))
      throw new GraphError({ message: 'Invalid OAuth access token signature.', code: 190 });
    // App tokens embed the secret, so the proof is optional for them; a wrong one is still rejected.
    checkProof(state, request, token, false);
    return { kind: 'app', token };
  }
  const record = state.tokens.get(token);
  if (!record) throw unparsableToken();
  checkProof(state, request, token, state.options.requireAppsecretProof);
  const dead = state.tokenError(record);
  if (dead) throw dead;
  const user = state.users.get(record.userId);
  if (!user) throw unparsableToken();
  if (record.kind === 'user') return { kind: 'user', token, record, user };
  const page = record.pageId === undefined ? undefined : state.pages.get(record.pageId);
  if (!page) throw unparsableToken();
  return { kind: 'page', token, record, user, page };
}

/** Requires an app token, as `/{app-id}/subscriptions` does. */
export function requireApp(principal: Principal): void {
  if (principal.kind !== 'app')
    throw new GraphError({ message: '(#15) This method must be called with an app access_token.', code: 15 });
}

/** Requires the Page token of `pageId`, as `/{page-id}/subscribed_apps` does. */
export function requirePageToken(
  principal: Principal,
  pageId: string,
): asserts principal is Extract<Principal, { kind: 'page' }> {
  if (principal.kind !== 'page')
    throw new GraphError({ message: '(#210) A page access token is required to request this resource.', code: 210 });
  if (principal.page.id !== pageId) {
    throw new GraphError({ message: '(#200) The Page access token does not belong to this Page.', code: 200 });
  }
}
