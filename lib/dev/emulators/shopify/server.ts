import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { bulkResolvers, createBulkRunner } from './bulk';
import { bucketOf, type EmulatorCore, statsOf } from './core';
import type { BulkRunnerHooks } from './exec-context';
import { FAULT_BODIES, MALFORMED_BODIES, type GraphqlFault } from './faults';
import { runGraphql } from './graphql';
import { readBody, send, sendHtml, sendJson } from './http';
import { handleAccessToken, handleAuthorize } from './oauth';
import { resolveVersion } from './versions';

/** Shop domains the emulator serves (contract §2.2 rule). */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
const INVALID_TOKEN = { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };
const DEPRECATION_DOCS = 'https://shopify.dev/api/usage/versioning#deprecation-practices';

/** Creates the HTTP server (not yet listening) that routes every emulator endpoint. */
export function createEmulatorServer(core: EmulatorCore): Server {
  const bulkRunner = createBulkRunner(core);
  return createServer((req, res) => {
    route(core, bulkRunner, req, res).catch((error: unknown) => {
      console.error('[shopify-emulator] request failed', error);
      if (!res.headersSent) sendJson(res, 500, { errors: 'Internal Server Error' }, { 'X-Request-ID': randomUUID() });
      else res.destroy();
    });
  });
}

async function route(
  core: EmulatorCore,
  bulkRunner: BulkRunnerHooks | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', core.origin || 'http://127.0.0.1');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  if (parts[0] === '__files' && parts.length === 2 && method === 'GET') {
    const file = core.files.get(parts[1] ?? '');
    return file
      ? send(res, 200, file, { 'Content-Type': 'application/jsonl' })
      : sendJson(res, 404, { errors: 'Not Found' });
  }
  const shop = (parts[0] ?? '').toLowerCase();
  if (!SHOP_DOMAIN.test(shop) || parts[1] !== 'admin') return sendJson(res, 404, { errors: 'Not Found' });
  const rest = parts.slice(2).join('/');
  if (rest === 'oauth/authorize' && method === 'GET') return handleAuthorize(core, shop, url, req, res);
  if (rest === 'oauth/access_token' && method === 'POST') {
    const fault = core.tokenFaults.next();
    if (fault && 'delayMs' in fault) await sleep(fault.delayMs);
    else if (fault && 'reset' in fault) return void req.socket.destroy();
    else if (fault && 'malformed' in fault)
      return send(res, 200, MALFORMED_BODIES[fault.malformed], { 'Content-Type': 'application/json' });
    else if (fault && 'status' in fault) return sendFault(res, fault, {});
    return handleAccessToken(core, shop, req, res);
  }
  if (rest === 'apps' && method === 'GET')
    return sendHtml(res, 200, '<!doctype html><title>Apps</title><h1>Installation cancelled</h1>');
  const graphql = /^api\/([^/]+)\/graphql\.json$/.exec(rest);
  if (graphql && method === 'POST') return handleGraphql(core, bulkRunner, shop, graphql[1] ?? '', req, res);
  sendJson(res, 404, { errors: 'Not Found' });
}

async function handleGraphql(
  core: EmulatorCore,
  bulkRunner: BulkRunnerHooks | undefined,
  shop: string,
  requestedVersion: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const version = resolveVersion(requestedVersion);
  if (!version) return sendJson(res, 404, { errors: 'Not Found' });
  const headers: Record<string, string> = { 'X-Shopify-API-Version': version, 'X-Request-ID': randomUUID() };
  if (version !== requestedVersion) headers['X-Shopify-API-Deprecated-Reason'] = DEPRECATION_DOCS;
  const body = await readBody(req);
  let forceThrottle = false;
  const fault = core.faults.next();
  if (fault && 'delayMs' in fault) await sleep(fault.delayMs);
  else if (fault && 'throttled' in fault) forceThrottle = true;
  else if (fault && 'reset' in fault) return void req.socket.destroy();
  else if (fault && 'malformed' in fault)
    return send(res, 200, MALFORMED_BODIES[fault.malformed], { ...headers, 'Content-Type': 'application/json' });
  else if (fault) return sendFault(res, fault, headers);
  const token = req.headers['x-shopify-access-token'];
  const scope = typeof token === 'string' ? core.tokens.authenticate(shop, token) : null;
  if (scope === null) return sendJson(res, 401, INVALID_TOKEN, headers);
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    /* answered below as a missing query */
  }
  const answer = await runGraphql({
    store: core.shops.get(shop),
    version,
    origin: core.origin,
    now: core.now,
    bucket: bucketOf(core, shop),
    stats: statsOf(core, shop),
    body: parsed,
    scope,
    forceThrottle,
    extraResolvers: bulkResolvers,
    ...(bulkRunner ? { bulkRunner } : {}),
  });
  sendJson(res, answer.status, answer.body, headers);
}

function sendFault(
  res: ServerResponse,
  fault: Extract<GraphqlFault, { status: number }>,
  headers: Record<string, string>,
): void {
  const extra: Record<string, string> =
    fault.status === 429 ? { 'Retry-After': ('retryAfter' in fault && fault.retryAfter) || '2.0' } : {};
  sendJson(res, fault.status, FAULT_BODIES[fault.status] ?? { errors: 'Error' }, { ...headers, ...extra });
}
