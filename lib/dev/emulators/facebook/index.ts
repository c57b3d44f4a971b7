import { resolveRegistration } from '../common/app-options';
import { appsecretProof } from './auth';
import { applyPagePatch } from './pages';
import { startServer } from './server';
import { DEFAULT_SCOPES, EmulatorState, LONG_LIVED_EXPIRES_IN, type SeedUserInput } from './state';
import type * as types from './types';
import { postSignedRequest, signedRequestFor, type SignedRequestOptions } from './signed-request';
import {
  changePage,
  sendMessagingWebhook,
  sendPageWebhook,
  type ChangePageResult,
  type SendMessagingWebhookOptions,
  type SendPageWebhookOptions,
  type WebhookDeliveryResult,
} from './webhooks';

export type * from './types';
export type { SeedUserInput } from './state';
export type {
  ChangePageResult,
  PageWebhookEntry,
  SendMessagingWebhookOptions,
  SendPageWebhookOptions,
  WebhookDeliveryResult,
} from './webhooks';
export type { SignedRequestOptions } from './signed-request';
export { appsecretProof } from './auth';
export { signWebhookBody } from './webhooks';
export { makeSignedRequest } from './signed-request';
export { metaJsonStringify } from './meta-json';
export { DEFAULT_PAGE_ID } from './pages';

/** A running Facebook (Meta) emulator: www dialog + Graph API on one loopback origin, plus controls for tests and demos. */
export interface FacebookEmulator {
  /** Origin serving `/{GV}/dialog/oauth` (stands in for https://www.facebook.com). */
  readonly wwwOrigin: string;
  /** Origin serving the Graph API (stands in for https://graph.facebook.com); same as `wwwOrigin`. */
  readonly graphOrigin: string;
  readonly appId: string;
  /** Creates a user with `pages` generated (a count) or given; returns the user record. */
  seedUser(input: SeedUserInput): types.FacebookUser;
  /** The default user (id `122104587654321098`, 2 Pages starting with `101368371725791`), created on first use. */
  defaultUser(): types.FacebookUser;
  /** Makes the next dialog approval log in this user (once). */
  setNextLogin(userId: string): void;
  /** Whether the (non-demo) dialog approves or denies from now on. */
  setDialogMode(mode: 'approve' | 'deny'): void;
  /** Test shortcut: a user token as if returned by the code exchange (long-lived unless `expiresIn` ≤ 7200). */
  issueUserToken(userId: string, options?: { scopes?: string[]; expiresIn?: number }): string;
  /** Test shortcut: the Page token the user's long-lived token derives for a Page. */
  issuePageToken(userId: string, pageId: string): string;
  /** Test shortcut: an authorization code; `redirectUri: null` makes a code exchanged without `redirect_uri` (FB.login / config codes). */
  createAuthCode(options: { userId?: string; redirectUri: string | null; scopes?: string[] }): string;
  /** Switches every token of a Page to a state (`valid` restores it). */
  setPageTokenState(pageId: string, state: types.TokenState): void;
  /** Switches a user's tokens to a state; `password_changed`, `app_removed` and `invalid` also kill their Page tokens. */
  setUserTokenState(userId: string, state: types.TokenState): void;
  /** Queues one-shot faults consumed by the next matching Graph calls, in order. */
  injectFaults(...faults: Array<types.FacebookFault | types.FacebookFault[]>): void;
  /** Faults still queued. */
  pendingFaults(): types.FacebookFault[];
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Patches a Page without sending any webhook; returns a copy of the result. */
  updatePage(pageId: string, patch: types.FacebookPagePatch): types.FacebookPage;
  /** A copy of a Page, or undefined. */
  getPage(pageId: string): types.FacebookPage | undefined;
  /** Fields our app is subscribed to at page level, or undefined when not subscribed. */
  pageSubscriptions(pageId: string): string[] | undefined;
  /** App-level subscriptions (copies). */
  appSubscriptions(): types.AppSubscription[];
  /** Removes the page-level subscription, as Meta does after lasting delivery failures. */
  dropPageSubscription(pageId: string): void;
  /** A copy of the call, error and delivery counters. */
  stats(): types.FacebookEmulatorStats;
  /** Signs (`X-Hub-Signature-256`, `X-Hub-Signature`) and POSTs a Page notification with Meta's escaping. */
  sendPageWebhook(options: SendPageWebhookOptions): Promise<WebhookDeliveryResult>;
  /** Sends a Messenger text message event for a Page. */
  sendMessagingWebhook(options: SendMessagingWebhookOptions): Promise<WebhookDeliveryResult>;
  /** Updates a Page and notifies fields subscribed at both levels to the app callback (or `url`). */
  changePage(pageId: string, patch: types.FacebookPagePatch, options?: { url?: string }): Promise<ChangePageResult>;
  /** A `signed_request` for the data-deletion or deauthorize callback. */
  signedRequest(options: SignedRequestOptions): string;
  /** POSTs `signed_request=…` form-encoded to a callback. */
  postSignedRequest(url: string, signedRequest: string): Promise<{ status: number; body: string }>;
  /** The `appsecret_proof` for a token under this app's secret. */
  appsecretProof(accessToken: string): string;
  /** Stops the server, drops connections and aborts in-flight deliveries and delays. */
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 (port 0 = any free port) and resolves once it is listening. */
export async function startFacebookEmulator(options: types.FacebookEmulatorOptions): Promise<FacebookEmulator> {
  if (!options.appId || !options.appSecret) throw new Error('Facebook emulator: appId and appSecret are required');
  const state = new EmulatorState({
    ...resolveRegistration(options, 'Sales Bot Sync (emulated)'),
    appId: options.appId,
    appSecret: options.appSecret,
    requireAppsecretProof: options.requireAppsecretProof ?? true,
    userTokenExpiresIn: options.userTokenExpiresIn ?? LONG_LIVED_EXPIRES_IN,
    defaultVersion: options.defaultVersion ?? 'v25.0',
  });
  const server = await startServer(state, options.port ?? 0);
  const requirePage = (pageId: string): types.FacebookPage => {
    const page = state.pages.get(pageId);
    if (!page) throw new Error(`Facebook emulator: unknown page ${pageId}`);
    return page;
  };
  const requireUser = (userId: string): types.FacebookUser => {
    const user = state.users.get(userId);
    if (!user) throw new Error(`Facebook emulator: unknown user ${userId}`);
    return user;
  };
  const issueUser = (userId: string, scopes = DEFAULT_SCOPES, expiresIn = LONG_LIVED_EXPIRES_IN) =>
    state.issueUserToken(requireUser(userId).id, [...scopes], expiresIn);
  return {
    wwwOrigin: server.origin,
    graphOrigin: server.origin,
    appId: options.appId,
    seedUser: (input) => structuredClone(state.seedUser(input)),
    defaultUser: () => structuredClone(state.ensureDefaultUser()),
    setNextLogin: (userId) => {
      state.nextLogin = requireUser(userId).id;
    },
    setDialogMode: (mode) => {
      state.dialogMode = mode;
    },
    issueUserToken: (userId, opts = {}) => issueUser(userId, opts.scopes, opts.expiresIn).token,
    issuePageToken: (userId, pageId) => state.pageTokenFor(issueUser(userId), requirePage(pageId).id).token,
    createAuthCode: (opts) =>
      state.createCode(
        opts.userId ?? state.ensureDefaultUser().id,
        [...(opts.scopes ?? DEFAULT_SCOPES)],
        opts.redirectUri,
      ).code,
    setPageTokenState: (pageId, tokenState) => void state.pageTokenStates.set(requirePage(pageId).id, tokenState),
    setUserTokenState: (userId, tokenState) => void state.userTokenStates.set(requireUser(userId).id, tokenState),
    injectFaults: (...faults) => void state.faults.push(...faults.flat()),
    pendingFaults: () => structuredClone(state.faults),
    clearFaults: () => void state.faults.splice(0),
    updatePage: (pageId, patch) => {
      const page = requirePage(pageId);
      applyPagePatch(page, patch);
      return structuredClone(page);
    },
    getPage: (pageId) => {
      const page = state.pages.get(pageId);
      return page && structuredClone(page);
    },
    pageSubscriptions: (pageId) => {
      const fields = state.pageSubscriptions.get(pageId);
      return fields && [...fields];
    },
    appSubscriptions: () => structuredClone([...state.appSubscriptions.values()]),
    dropPageSubscription: (pageId) => void state.pageSubscriptions.delete(pageId),
    stats: () => structuredClone(state.stats),
    sendPageWebhook: (opts) => sendPageWebhook(state, opts),
    sendMessagingWebhook: (opts) => sendMessagingWebhook(state, opts),
    changePage: (pageId, patch, opts) => changePage(state, pageId, patch, opts),
    signedRequest: (opts) => signedRequestFor(state, opts),
    postSignedRequest: (url, signedRequest) => postSignedRequest(state, url, signedRequest),
    appsecretProof: (accessToken) => appsecretProof(options.appSecret, accessToken),
    close: () => server.close(),
  };
}
