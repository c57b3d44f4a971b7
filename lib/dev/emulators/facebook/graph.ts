import { authenticate, type Principal } from './auth';
import { GraphError, paramError, unsupportedRequest } from './errors';
import { nonexistingField, parseFields, selectSub, type FieldSpec } from './fields';
import type { GraphReply, GraphRequest } from './http';
import { PAGE_FIELDS, renderPage } from './pages';
import type { EmulatorState } from './state';
import type { FacebookPage, FacebookUser } from './types';

const USER_FIELDS = new Set(['id', 'name', 'email', 'first_name', 'last_name']);
const DEFAULT_ACCOUNT_FIELDS = 'access_token,category,category_list,name,id,tasks';
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;
/** Data access lapses 90 days after the user's last activity (contract §3). */
const DATA_ACCESS_SECONDS = 90 * 24 * 3600;

function fieldsOr(request: GraphRequest, fallback: string): FieldSpec[] {
  return parseFields(request.params.get('fields')) ?? parseFields(fallback) ?? [];
}

function renderUser(user: FacebookUser, specs: FieldSpec[]): Record<string, unknown> {
  const [first = '', ...rest] = user.name.split(' ');
  const values: Record<string, unknown> = {
    id: user.id,
    name: user.name,
    email: user.email,
    first_name: first,
    last_name: rest.join(' '),
  };
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    if (!USER_FIELDS.has(spec.name)) throw nonexistingField(spec.name, 'User');
    if (values[spec.name] !== undefined) out[spec.name] = selectSub(values[spec.name], spec.sub);
  }
  out.id = user.id;
  return out;
}

/** Renders a Page for a caller, adding the Page token when the caller may hold one. */
function pageFor(
  state: EmulatorState,
  principal: Principal,
  page: FacebookPage,
  specs: FieldSpec[],
): Record<string, unknown> {
  let accessToken: string | undefined;
  if (principal.kind === 'page') accessToken = principal.token;
  else if (principal.kind === 'user') accessToken = state.pageTokenFor(principal.record, page.id).token;
  const isWebhooksSubscribed = (state.pageSubscriptions.get(page.id)?.length ?? 0) > 0;
  return renderPage(page, specs, { accessToken, isWebhooksSubscribed });
}

/** `GET /me` for a user or Page token (`id`, `name` by default). */
export function me(state: EmulatorState, request: GraphRequest, principal: Principal): GraphReply {
  if (request.method !== 'GET') throw unsupportedRequest(request.method, 'me');
  if (principal.kind === 'app') {
    throw new GraphError({
      message: 'An active access token must be used to query information about the current user.',
      code: 2500,
    });
  }
  if (principal.kind === 'page')
    return { body: pageFor(state, principal, principal.page, fieldsOr(request, 'name,id')) };
  return { body: renderUser(principal.user, fieldsOr(request, 'name,id')) };
}

const encodeCursor = (pageId: string) => Buffer.from(`fbemu:${pageId}`).toString('base64');

function decodeCursor(cursor: string, ids: string[]): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const index = text.startsWith('fbemu:') ? ids.indexOf(text.slice(6)) : -1;
  if (index === -1) throw paramError('(#100) The after/before parameter is not a valid cursor');
  return index;
}

/** `GET /me/accounts` (or `/{user-id}/accounts`) with cursor paging; `paging.next` appears only while more results exist. */
export function accounts(
  state: EmulatorState,
  request: GraphRequest,
  principal: Principal,
  userRef: string,
): GraphReply {
  if (request.method !== 'GET') throw unsupportedRequest(request.method, `${userRef}/accounts`);
  if (principal.kind === 'page') throw nonexistingField('accounts', 'Page');
  if (principal.kind === 'app') throw unsupportedRequest(request.method, userRef);
  if (userRef !== 'me' && userRef !== principal.user.id) throw unsupportedRequest(request.method, userRef);
  const specs = fieldsOr(request, DEFAULT_ACCOUNT_FIELDS);
  for (const spec of specs) if (!PAGE_FIELDS.has(spec.name)) throw nonexistingField(spec.name, 'Page');
  // Without pages_show_list Graph answers an empty list rather than an error.
  const pages = principal.record.scopes.includes('pages_show_list') ? state.userPages(principal.user.id) : [];
  const ids = pages.map((p) => p.id);
  const rawLimit = Number.parseInt(request.params.get('limit') ?? '', 10);
  const limit = Number.isFinite(rawLimit) && rawLimit > 0 ? Math.min(rawLimit, MAX_LIMIT) : DEFAULT_LIMIT;
  const after = request.params.get('after');
  const before = request.params.get('before');
  let start = 0;
  let end = Math.min(ids.length, limit);
  if (after) {
    start = decodeCursor(after, ids) + 1;
    end = Math.min(ids.length, start + limit);
  } else if (before) {
    end = decodeCursor(before, ids);
    start = Math.max(0, end - limit);
  }
  const slice = pages.slice(start, end);
  const body: Record<string, unknown> = { data: slice.map((page) => pageFor(state, principal, page, specs)) };
  const first = slice[0];
  const last = slice[slice.length - 1];
  if (first && last) {
    const paging: Record<string, unknown> = {
      cursors: { before: encodeCursor(first.id), after: encodeCursor(last.id) },
    };
    const link = (key: 'after' | 'before', cursor: string) => {
      const query = new URLSearchParams(request.params);
      query.delete('after');
      query.delete('before');
      query.set('limit', String(limit));
      query.set(key, cursor);
      return `${request.origin}/${request.version}/${principal.user.id}/accounts?${query.toString()}`;
    };
    if (start > 0) paging.previous = link('before', encodeCursor(first.id));
    if (end < ids.length) paging.next = link('after', encodeCursor(last.id));
    body.paging = paging;
  }
  return { body };
}

/** `GET /{page-id}?fields=…`: requested fields plus `id`, for the Page's token or a user managing the Page. */
export function pageNode(
  state: EmulatorState,
  request: GraphRequest,
  principal: Principal,
  pageId: string,
): GraphReply {
  const page = state.pages.get(pageId);
  const visible =
    page !== undefined &&
    ((principal.kind === 'page' && principal.page.id === pageId) ||
      (principal.kind === 'user' && principal.user.pageIds.includes(pageId)));
  if (!page || !visible || request.method !== 'GET') throw unsupportedRequest(request.method, pageId);
  return { body: pageFor(state, principal, page, fieldsOr(request, 'name,id')) };
}

/** `GET /?ids=a,b&fields=…`: one object per id, keyed by id. */
export function multiNode(state: EmulatorState, request: GraphRequest, principal: Principal): GraphReply {
  const ids = (request.params.get('ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw paramError('(#100) Missing ids parameter');
  const body: Record<string, unknown> = {};
  for (const id of ids) body[id] = pageNode(state, request, principal, id).body;
  return { body };
}

/** `GET /debug_token?input_token=…`: describes any token of this app; dead tokens report `is_valid:false` with the 190 error. */
export function debugToken(state: EmulatorState, request: GraphRequest): GraphReply {
  authenticate(state, request);
  const input = request.params.get('input_token');
  if (!input) throw paramError('(#100) The parameter input_token is required');
  const { appId, appName, appSecret } = state.options;
  if (input === `${appId}|${appSecret}`)
    return { body: { data: { app_id: appId, type: 'APP', application: appName, is_valid: true, scopes: [] } } };
  const record = state.tokens.get(input);
  if (!record)
    return {
      body: { data: { error: { code: 190, message: 'Invalid OAuth access token.' }, is_valid: false, scopes: [] } },
    };
  const pageIds = state.users.get(record.userId)?.pageIds ?? [];
  const data: Record<string, unknown> = {
    app_id: appId,
    type: record.kind === 'page' ? 'PAGE' : 'USER',
    application: appName,
    data_access_expires_at: record.issuedAt + DATA_ACCESS_SECONDS,
    expires_at: record.expiresAt,
    is_valid: true,
    issued_at: record.issuedAt,
    scopes: record.scopes,
    granular_scopes: record.scopes
      .filter((s) => s !== 'public_profile')
      .map((scope) =>
        scope.startsWith('pages_') || scope === 'business_management'
          ? { scope, target_ids: record.pageId ? [record.pageId] : pageIds }
          : { scope },
      ),
    user_id: record.userId,
  };
  if (record.pageId) data.profile_id = record.pageId;
  const error = state.tokenError(record);
  if (error) {
    data.is_valid = false;
    data.error = { code: error.code, message: error.message, subcode: error.subcode };
  }
  return { body: { data } };
}
