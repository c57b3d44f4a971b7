import { randomAlnum, DEFAULT_SCOPES, type EmulatorState } from './state';

/** A rendered www response (HTML page or redirect). */
export interface WwwReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface PendingDialog {
  userId: string;
  redirectUri: string;
  state: string | null;
  scopes: string[];
}

/** Pending demo-mode dialogs awaiting an Approve/Deny click, keyed by request id. */
export type PendingDialogs = Map<string, PendingDialog>;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, inner: string): WwwReply {
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1>${inner}</body></html>`;
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body };
}

function errorPage(message: string): WwwReply {
  return page(400, 'Facebook Login error', `<p id="error">${escapeHtml(message)}</p>`);
}

/** Appends callback parameters to a redirect URI, keeping its own query bytes and adding Facebook's `#_=_` fragment. */
function callbackUrl(redirectUri: string, params: Record<string, string | null>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null) query.append(key, value);
  const base = redirectUri.split('#')[0] ?? redirectUri;
  return `${base}${base.includes('?') ? '&' : '?'}${query.toString()}#_=_`;
}

function redirect(location: string): WwwReply {
  return {
    status: 302,
    headers: { location, 'cache-control': 'no-store', 'content-type': 'text/html; charset=utf-8' },
    body: '',
  };
}

function decide(state: EmulatorState, pending: PendingDialog, approve: boolean): WwwReply {
  if (!approve) {
    return redirect(
      callbackUrl(pending.redirectUri, {
        error: 'access_denied',
        error_code: '200',
        error_description: 'Permissions error',
        error_reason: 'user_denied',
        state: pending.state,
      }),
    );
  }
  const code = state.createCode(pending.userId, pending.scopes, pending.redirectUri);
  return redirect(callbackUrl(pending.redirectUri, { code: code.code, state: pending.state }));
}

function redirectAllowed(state: EmulatorState, redirectUri: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(redirectUri);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const allowed = state.options.allowedRedirectUris;
  // Strict Mode: an allow-listed URI must match exactly.
  return allowed.length === 0 || allowed.includes(redirectUri);
}

function demoPage(state: EmulatorState, id: string, pending: PendingDialog, version: string): WwwReply {
  const user = state.users.get(pending.userId);
  const pages = state.userPages(pending.userId);
  const decideUrl = (decision: string) => `/${version}/dialog/oauth/decide?request=${id}&decision=${decision}`;
  const inner =
    `<p>Log in as <strong id="user">${escapeHtml(user?.name ?? pending.userId)}</strong> to <strong>${escapeHtml(state.options.appName)}</strong>.</p>` +
    `<h2>Permissions</h2><ul id="scopes">${pending.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` +
    `<h2>Pages to connect</h2><ul id="pages">${pages.map((p) => `<li data-page-id="${p.id}">${escapeHtml(p.name)}</li>`).join('')}</ul>` +
    `<p><a id="approve" role="button" href="${decideUrl('approve')}">Approve</a> &nbsp; <a id="deny" role="button" href="${decideUrl('deny')}">Deny</a></p>`;
  return page(200, `${state.options.appName} wants to connect your Pages`, inner);
}

/** `GET /{GV}/dialog/oauth` (and the demo page's `/decide` step): validates client and redirect, then approves, denies or asks. */
export function handleDialog(
  state: EmulatorState,
  pendings: PendingDialogs,
  path: string,
  query: URLSearchParams,
  version: string,
): WwwReply {
  if (path === '/dialog/oauth/decide') {
    const id = query.get('request') ?? '';
    const pending = pendings.get(id);
    if (!pending) return errorPage('This login request has expired or was already answered. Please start again.');
    pendings.delete(id);
    return decide(state, pending, query.get('decision') === 'approve');
  }
  const clientId = query.get('client_id');
  if (clientId !== state.options.appId)
    return errorPage('Invalid App ID: The provided app ID does not look like a valid app ID.');
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri) return errorPage('Missing redirect_uri parameter.');
  if (!redirectAllowed(state, redirectUri))
    return errorPage('Invalid redirect_uri: Given URL is not allowed by the Application configuration.');
  const scopeParam = query.get('scope');
  const scopes = scopeParam
    ? scopeParam.split(/[\s,]+/).filter(Boolean)
    : query.get('config_id')
      ? [...DEFAULT_SCOPES]
      : ['public_profile'];
  const user = state.takeLoginUser();
  const pending: PendingDialog = { userId: user.id, redirectUri, state: query.get('state'), scopes };
  if (state.options.demo) {
    const id = randomAlnum(16);
    pendings.set(id, pending);
    return demoPage(state, id, pending, version);
  }
  return decide(state, pending, state.dialogMode === 'approve');
}
