import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorCore } from './core';
import { signQuery } from './hmac';
import { escapeHtml, parseFields, readBody, send, sendHtml, sendJson } from './http';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const OFFLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:offline-access-token';

/** Returns `host`: base64 of `admin.shopify.com/store/<name>` without `=` padding (matches `^[0-9a-zA-Z+/]+={0,2}$`). */
export function hostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, '')}`)
    .toString('base64')
    .replace(/=+$/, '');
}

/** Normalises requested scopes as Shopify grants them: a write scope implies (and replaces) its read scope. */
export function grantedScope(requested: string): string {
  const scopes = requested
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return scopes.filter((s) => !(s.startsWith('read_') && scopes.includes(`write_${s.slice(5)}`))).join(',');
}

/** Builds the signed callback URL of contract §2.2 (`code, hmac, host, shop, state, timestamp`). */
export function signedCallbackUrl(
  core: EmulatorCore,
  shop: string,
  redirectUri: string,
  code: string,
  state: string | null,
): string {
  const params: Record<string, string> = {
    code,
    host: hostParam(shop),
    shop,
    ...(state !== null ? { state } : {}),
    timestamp: String(Math.floor(core.now() / 1000)),
  };
  const url = new URL(redirectUri);
  const signed = { ...params, hmac: signQuery(params, core.apiSecret) };
  for (const key of Object.keys(signed).sort()) url.searchParams.set(key, signed[key as keyof typeof signed] ?? '');
  return url.toString();
}

function oauthError(req: IncomingMessage, res: ServerResponse, description: string): void {
  if ((req.headers.accept ?? '').includes('application/json')) {
    sendJson(res, 400, { error: 'invalid_request', error_description: description });
  } else {
    sendHtml(
      res,
      400,
      `<!doctype html><title>Oauth error</title><h1>Oauth error invalid_request: ${escapeHtml(description)}</h1>`,
    );
  }
}

/** `GET /<shop>/admin/oauth/authorize`: checks client and redirect URI, then redirects (auto) or shows an Approve page (demo). */
export function handleAuthorize(
  core: EmulatorCore,
  shop: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const q = url.searchParams;
  if (q.get('client_id') !== core.apiKey) return oauthError(req, res, 'The client_id provided is invalid');
  const redirectUri = q.get('redirect_uri') ?? '';
  let valid = false;
  try {
    valid = ['http:', 'https:'].includes(new URL(redirectUri).protocol);
  } catch {
    /* invalid URL */
  }
  if (!valid || (core.allowedRedirectUris.length > 0 && !core.allowedRedirectUris.includes(redirectUri))) {
    return oauthError(req, res, 'The redirect_uri is not whitelisted');
  }
  const scope = grantedScope(q.get('scope') ?? '');
  const online = q.getAll('grant_options[]').includes('per-user');
  const state = q.get('state');
  if (core.demo && q.get('approved') !== '1') {
    const approve = new URL(url);
    approve.searchParams.set('approved', '1');
    return sendHtml(res, 200, approvePage(core, shop, scope, `${approve.pathname}${approve.search}`));
  }
  const code = core.tokens.issueCode(shop, scope, online);
  send(res, 302, '', { Location: signedCallbackUrl(core, shop, redirectUri, code, state) });
}

function approvePage(core: EmulatorCore, shop: string, scope: string, approveHref: string): string {
  const scopes = scope
    ? scope
        .split(',')
        .map((s) => `<li>${escapeHtml(s)}</li>`)
        .join('')
    : '<li>(scopes from the app configuration)</li>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Install ${escapeHtml(core.appName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto}a{display:inline-block;padding:.6rem 1.2rem;margin-right:.5rem;border-radius:6px;text-decoration:none}#approve{background:#008060;color:#fff}#cancel{border:1px solid #999;color:#333}</style></head>
<body><p>Shopify emulator</p><h1>Install ${escapeHtml(core.appName)} on ${escapeHtml(shop)}?</h1><p>Scopes:</p><ul>${scopes}</ul>
<p><a id="approve" href="${escapeHtml(approveHref)}">Approve</a><a id="cancel" href="/${escapeHtml(shop)}/admin/apps">Cancel</a></p></body></html>`;
}

/** `POST /<shop>/admin/oauth/access_token` (JSON or form): code exchange, refresh rotation and legacy-token migration. */
export async function handleAccessToken(
  core: EmulatorCore,
  shop: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const fields = parseFields(req, await readBody(req)) ?? {};
  if (fields.client_id !== core.apiKey || fields.client_secret !== core.apiSecret) {
    return sendJson(res, 400, {
      error: 'invalid_client',
      error_description:
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    });
  }
  if (fields.grant_type === 'refresh_token') {
    const answer = core.tokens.refresh(shop, fields.refresh_token ?? '');
    return answer
      ? sendJson(res, 200, answer)
      : sendJson(res, 400, {
          error: 'invalid_grant',
          error_description: 'The refresh token is invalid, expired or was already used',
        });
  }
  if (fields.grant_type === TOKEN_EXCHANGE && fields.subject_token_type === OFFLINE_TOKEN_TYPE) {
    const answer = core.tokens.exchangeLegacy(shop, fields.subject_token ?? '');
    return answer
      ? sendJson(res, 200, answer)
      : sendJson(res, 400, { error: 'invalid_subject_token', error_description: 'The subject token is invalid' });
  }
  const code = core.tokens.redeemCode(shop, fields.code ?? '');
  if (!code) {
    return sendJson(res, 400, {
      error: 'invalid_request',
      error_description: 'The authorization code was not found or was already used',
    });
  }
  const expiring = core.expiringTokens ?? fields.expiring === '1';
  sendJson(res, 200, core.tokens.issue(shop, code.scope, { expiring, online: code.online }));
}
