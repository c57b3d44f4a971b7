import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FunctionSpec } from '../do/project';
import { newActivationId } from './activations';
import { normalizeHeaders, readBody } from './http-util';
import { PAYLOAD_LIMIT_BYTES, type Completed, type Invoker } from './invoker';
import { parsedWebArgs, rawWebArgs, type WebRequest } from './web-args';
import { jsonReply, webReply, type HttpReply, type WebExtension } from './web-result';

/** What the web handler needs from its host. */
export interface WebContext {
  functions: ReadonlyMap<string, FunctionSpec>;
  invoker: Invoker;
  webCutoverMs: number;
}

const WEB_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const DEFAULT_ALLOW_HEADERS = 'Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent';

/** The CORS headers the platform adds unless the function opts out with `web-custom-options` (contract §7). */
function corsHeaders(req: IncomingMessage): Array<[string, string]> {
  const requested = req.headers['access-control-request-headers'];
  return [
    ['access-control-allow-origin', '*'],
    ['access-control-allow-methods', 'OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH'],
    ['access-control-allow-headers', typeof requested === 'string' && requested ? requested : DEFAULT_ALLOW_HEADERS],
  ];
}

/** Adds headers DO's edge always sets (contract §6), keeping the caller's own values where DO would pass them on. */
function platformHeaders(req: IncomingMessage, transactionId: string): Record<string, string> {
  const headers = normalizeHeaders(req);
  const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  return {
    accept: '*/*',
    'user-agent': '',
    ...headers,
    'accept-encoding': 'gzip',
    'x-forwarded-for': headers['x-forwarded-for'] ?? ip,
    'x-forwarded-proto': headers['x-forwarded-proto'] ?? 'http',
    'x-request-id': transactionId,
    'cf-connecting-ip': ip,
    'cf-ray': `${randomBytes(8).toString('hex')}-LCL`,
    'cdn-loop': 'cloudflare',
    host: 'ccontroller',
  };
}

function withPlatformHeaders(
  reply: HttpReply,
  fn: FunctionSpec,
  req: IncomingMessage,
  ids: Array<[string, string]>,
): HttpReply {
  const present = new Set(reply.headers.map(([n]) => n.toLowerCase()));
  const extra = fn.annotations['web-custom-options'] ? [] : corsHeaders(req).filter(([n]) => !present.has(n));
  return { ...reply, headers: [...reply.headers, ...extra, ...ids] };
}

/** Serves one web invocation: auth, CORS preflight, args, the 30 s cut-over, result mapping. */
export async function handleWeb(
  ctx: WebContext,
  req: IncomingMessage,
  route: { pkg: string; fn: string; ext: WebExtension; path: string },
  queryString: string,
): Promise<HttpReply> {
  const transactionId = newActivationId();
  const fn = ctx.functions.get(`${route.pkg}/${route.fn}`);
  if (!fn || fn.web === false)
    return jsonReply(404, { error: 'The requested resource does not exist.', code: transactionId });
  const method = (req.method ?? 'GET').toUpperCase();
  if (!WEB_METHODS.has(method))
    return jsonReply(405, { error: `Method ${method} is not allowed.`, code: transactionId });
  if (method === 'OPTIONS' && !fn.annotations['web-custom-options']) {
    return { status: 200, headers: corsHeaders(req), body: Buffer.alloc(0) };
  }
  if (fn.webSecure !== false && req.headers['x-require-whisk-auth'] !== fn.webSecure) {
    return withPlatformHeaders(
      jsonReply(401, {
        error: 'The resource requires authentication, which was not supplied with the request',
        code: transactionId,
      }),
      fn,
      req,
      [],
    );
  }
  const body = await readBody(req);
  if (!body.ok) {
    return jsonReply(413, {
      error: `The request content was too large (${body.size} > ${PAYLOAD_LIMIT_BYTES} bytes).`,
      code: transactionId,
    });
  }
  const webRequest: WebRequest = {
    method,
    headers: platformHeaders(req, transactionId),
    path: route.path,
    queryString,
    body: body.body,
  };
  let args: Record<string, unknown>;
  if (fn.web === 'raw') {
    args = rawWebArgs(fn, webRequest);
  } else {
    const parsed = parsedWebArgs(fn, webRequest);
    if (!parsed.ok) return jsonReply(parsed.status, { error: parsed.error, code: transactionId });
    args = parsed.args;
  }
  // DO counts web calls against the namespace's 120 concurrent / 600 per minute too (contract §10): 429 past them.
  const started = ctx.invoker.start(fn, args, { enforceLimits: true, transactionId });
  if (!started.ok)
    return withPlatformHeaders(jsonReply(started.status, { error: started.error, code: transactionId }), fn, req, []);
  let timer: NodeJS.Timeout | undefined;
  const cutover = new Promise<'cutover'>((resolve) => {
    timer = setTimeout(() => resolve('cutover'), ctx.webCutoverMs);
  });
  const outcome: Completed | 'cutover' = await Promise.race([started.done, cutover]).finally(() => clearTimeout(timer));
  const ids: Array<[string, string]> = [
    ['x-openwhisk-activation-id', started.activationId],
    ['x-request-id', transactionId],
  ];
  if (outcome === 'cutover') return jsonReply(202, { activationId: started.activationId }, ids);
  return withPlatformHeaders(webReply(outcome, route.ext), fn, req, ids);
}
