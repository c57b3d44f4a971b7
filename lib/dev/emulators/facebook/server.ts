import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate } from './auth';
import { handleDialog, type PendingDialogs } from './dialog';
import { GraphError, newTraceId, unsupportedRequest } from './errors';
import { applyFault, isTransportFault, MALFORMED_BODIES, requestPageId, takeFault } from './faults';
import { accounts, debugToken, me, multiNode, pageNode } from './graph';
import { mergeParams, readBody, type GraphReply, type GraphRequest } from './http';
import { metaJsonBytes } from './meta-json';
import { accessTokenEndpoint } from './oauth';
import type { EmulatorState } from './state';
import { appSubscriptions, subscribedApps } from './subscriptions';

const VERSION_PREFIX = /^\/(v\d+\.\d+)(\/.*)?$/;

/** A listening emulator server. */
export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

/** The route template used by `stats().routes`, e.g. `/{page-id}/subscribed_apps`. */
function routeOf(state: EmulatorState, segments: string[]): string {
  return `/${segments
    .map((segment, i) => {
      if (i > 0 || segment === 'me' || segment === 'oauth' || segment === 'debug_token') return segment;
      if (state.pages.has(segment)) return '{page-id}';
      if (segment === state.options.appId) return '{app-id}';
      return state.users.has(segment) ? '{user-id}' : '{id}';
    })
    .join('/')}`;
}

async function dispatch(state: EmulatorState, request: GraphRequest): Promise<GraphReply> {
  const { path, segments } = request;
  if (path === '/oauth/access_token') return accessTokenEndpoint(state, request);
  if (path === '/debug_token') return debugToken(state, request);
  const principal = authenticate(state, request);
  const [id, edge, ...rest] = segments;
  if (id === undefined) {
    if (request.params.has('ids')) return multiNode(state, request, principal);
    throw unsupportedRequest(request.method, '');
  }
  if (rest.length > 0)
    throw new GraphError({ message: `Unknown path components: /${edge}/${rest.join('/')}`, code: 2500 });
  if (edge === undefined) {
    if (id === 'me' || (principal.kind === 'user' && id === principal.user.id)) return me(state, request, principal);
    return pageNode(state, request, principal, id);
  }
  switch (edge) {
    case 'accounts':
      return accounts(state, request, principal, id);
    case 'subscribed_apps':
      return subscribedApps(
        state,
        request,
        principal,
        id === 'me' && principal.kind === 'page' ? principal.page.id : id,
      );
    case 'subscriptions':
      return appSubscriptions(state, request, principal, id);
    default:
      throw new GraphError({ message: `Unknown path components: /${edge}`, code: 2500 });
  }
}

function graphHeaders(version: string, traceId: string): Record<string, string> {
  return {
    'content-type': 'application/json; charset=UTF-8',
    'facebook-api-version': version,
    'x-fb-trace-id': traceId,
    'x-fb-rev': '1029384756',
    'x-fb-debug': randomBytes(48).toString('base64'),
    'access-control-allow-origin': '*',
    'cache-control': 'private, no-cache, no-store, must-revalidate',
    pragma: 'no-cache',
    expires: 'Sat, 01 Jan 2000 00:00:00 GMT',
  };
}

async function handleGraph(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  version: string,
  path: string,
): Promise<void> {
  const traceId = newTraceId();
  const segments = path.split('/').filter(Boolean);
  const body = await readBody(req);
  const params = mergeParams(url.searchParams, body, req.headers['content-type']);
  let method = (req.method ?? 'GET').toUpperCase();
  // Graph lets clients that can only GET tunnel other verbs through `?method=`.
  const override = params.get('method')?.toUpperCase();
  if (method === 'GET' && (override === 'POST' || override === 'DELETE')) method = override;
  const request: GraphRequest = { method, version, path, segments, params, headers: req.headers, origin: url.origin };
  state.countCall(method, path, routeOf(state, segments));
  let status = 200;
  let payload: unknown;
  let extra: Record<string, string> = {};
  try {
    const pageId = requestPageId(state, request);
    const fault = takeFault(state, pageId);
    if (fault && isTransportFault(fault)) {
      if ('reset' in fault) return void req.socket.destroy();
      res.writeHead(200, graphHeaders(version, traceId));
      return void res.end(MALFORMED_BODIES[fault.malformed]);
    }
    if (fault) await applyFault(fault, pageId, state.lifetime.signal);
    const reply = await dispatch(state, request);
    status = reply.status ?? 200;
    payload = reply.body;
    extra = reply.headers ?? {};
  } catch (err) {
    const error =
      err instanceof GraphError
        ? err
        : new GraphError({ message: 'An unknown error has occurred.', code: 1, status: 500, isTransient: true });
    state.countError(error.statsKey);
    status = error.status;
    payload = error.toBody(traceId);
    extra = error.headers;
  }
  res.writeHead(status, { ...graphHeaders(version, traceId), ...extra });
  res.end(metaJsonBytes(payload));
}

/** Starts the HTTP server on 127.0.0.1: `/{GV}/dialog/oauth*` is the www host, everything else is Graph. */
export async function startServer(state: EmulatorState, port: number): Promise<RunningServer> {
  const pendings: PendingDialogs = new Map();
  let origin = 'http://127.0.0.1';
  const server = createServer((req, res) => {
    // Resolve against our own origin, not the Host header, so `paging.next` always points back at this server.
    const url = new URL(req.url ?? '/', origin);
    const match = VERSION_PREFIX.exec(url.pathname);
    const version = match?.[1] ?? state.options.defaultVersion;
    const path = (match ? (match[2] ?? '/') : url.pathname).replace(/\/+$/, '') || '/';
    if (path === '/dialog/oauth' || path === '/dialog/oauth/decide') {
      state.countCall(req.method ?? 'GET', path, path);
      const reply = handleDialog(state, pendings, path, url.searchParams, version);
      res.writeHead(reply.status, reply.headers).end(reply.body);
      return;
    }
    handleGraph(state, req, res, url, version, path).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${bound}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        state.lifetime.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
