import type { IncomingMessage } from 'node:http';
import type { FunctionSpec } from '../do/project';
import type { ActivationStore } from './activations';
import { hasBasicAuth, readBody } from './http-util';
import { PAYLOAD_LIMIT_BYTES, type Completed, type Invoker } from './invoker';
import { jsonReply, type HttpReply } from './web-result';

/** The runtimes document DO serves at `GET /api/v1`, which also lets the deployer validate newer kinds offline (contract §3). */
export const RUNTIMES_DOCUMENT = {
  description: 'Local DigitalOcean Functions host',
  api_paths: ['/api/v1'],
  runtimes: { nodejs: [{ kind: 'nodejs:18' }, { kind: 'nodejs:22', default: true }] },
} as const;

/** What the REST handlers need from their host. */
export interface RestContext {
  namespace: string;
  apiKey: string;
  functions: ReadonlyMap<string, FunctionSpec>;
  invoker: Invoker;
  store: ActivationStore;
  cutoverMs: number;
}

const UNAUTHORIZED = jsonReply(401, { error: 'The supplied authentication is invalid' });

/** Checks Basic auth and the namespace (`_` means "mine"); returns an error reply or undefined. */
export function checkAccess(ctx: RestContext, req: IncomingMessage, namespace?: string): HttpReply | undefined {
  if (!hasBasicAuth(req, ctx.apiKey)) return UNAUTHORIZED;
  if (namespace !== undefined && namespace !== ctx.namespace && namespace !== '_') {
    return jsonReply(403, { error: `The supplied authentication is not authorized to access '${namespace}'.` });
  }
  return undefined;
}

type ParamsResult = { ok: true; params: Record<string, unknown> } | { ok: false; reply: HttpReply };

async function readJsonParams(req: IncomingMessage): Promise<ParamsResult> {
  const body = await readBody(req);
  if (!body.ok)
    return {
      ok: false,
      reply: jsonReply(413, {
        error: `The request content was too large (${body.size} > ${PAYLOAD_LIMIT_BYTES} bytes).`,
      }),
    };
  if (body.body.length === 0) return { ok: true, params: {} };
  try {
    const value: unknown = JSON.parse(body.body.toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { ok: true, params: value as Record<string, unknown> };
  } catch {
    // fall through to the 400 below
  }
  return { ok: false, reply: jsonReply(400, { error: 'The request content was malformed: expected a JSON object.' }) };
}

/** Replies for a finished blocking activation, as OpenWhisk does: 200 on success, 502 with the record otherwise. */
export function blockingReply(completed: Completed, resultOnly: boolean): HttpReply {
  const { record } = completed;
  const ok = record.response?.success === true;
  const payload = resultOnly ? (record.response?.result ?? {}) : record;
  return jsonReply(ok ? 200 : 502, payload);
}

/** `POST /api/v1/namespaces/<ns>/actions/<pkg>/<fn>?blocking=&result=`: a non-web invocation (works for `web: false`). */
export async function handleInvoke(
  ctx: RestContext,
  req: IncomingMessage,
  route: { namespace: string; pkg: string; fn: string },
  query: URLSearchParams,
): Promise<HttpReply> {
  const denied = checkAccess(ctx, req, route.namespace);
  if (denied) return denied;
  if (req.method !== 'POST') return jsonReply(405, { error: 'Use POST to invoke a function.' });
  const fn = ctx.functions.get(`${route.pkg}/${route.fn}`);
  if (!fn) return jsonReply(404, { error: 'The requested resource does not exist.' });
  const body = await readJsonParams(req);
  if (!body.ok) return body.reply;
  const started = ctx.invoker.start(fn, { ...fn.parameters, ...body.params }, { enforceLimits: true });
  if (!started.ok) return jsonReply(started.status, { error: started.error });
  if (query.get('blocking') !== 'true') return jsonReply(202, { activationId: started.activationId });
  let timer: NodeJS.Timeout | undefined;
  const cutover = new Promise<'cutover'>((resolve) => {
    timer = setTimeout(() => resolve('cutover'), ctx.cutoverMs);
  });
  const outcome = await Promise.race([started.done, cutover]).finally(() => clearTimeout(timer));
  if (outcome === 'cutover') return jsonReply(202, { activationId: started.activationId });
  return blockingReply(outcome, query.get('result') === 'true');
}

/** `GET /api/v1/namespaces/<ns>/activations/<id>[/result|/logs]`. */
export function handleActivation(
  ctx: RestContext,
  req: IncomingMessage,
  route: { namespace: string; id: string; part: 'record' | 'result' | 'logs' },
): HttpReply {
  const denied = checkAccess(ctx, req, route.namespace);
  if (denied) return denied;
  const record = ctx.store.get(route.id);
  // Like OpenWhisk, a running activation has no record yet.
  if (!record || record.response === undefined)
    return jsonReply(404, { error: 'The requested resource does not exist.' });
  if (route.part === 'result') return jsonReply(200, record.response);
  if (route.part === 'logs') return jsonReply(200, { logs: record.logs });
  return jsonReply(200, record);
}
