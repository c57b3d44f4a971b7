import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DO_LIMITS, listFunctions, loadProject, type FunctionSpec, type Project, type WebMode } from '../do/project';
import type { TemplateVars } from '../do/templating';
import { ActivationStore, type ActivationRecord } from './activations';
import { DEFAULT_POOL_CAP } from './function-pool';
import { sendReply } from './http-util';
import { Invoker } from './invoker';
import { DEFAULT_RATE_LIMITS, RateLimiter, type HostStats, type RateLimits } from './rate-limiter';
import { checkAccess, handleActivation, handleInvoke, RUNTIMES_DOCUMENT, type RestContext } from './rest-handler';
import { applyAliases, route, type PathAlias } from './router';
import { TriggerRunner, type TriggerInfo } from './triggers';
import { handleWeb } from './web-handler';
import { jsonReply, type HttpReply } from './web-result';

/** Options of {@link startHost}. */
export interface HostOptions {
  projectDir: string;
  /** 0 = ephemeral. */
  port?: number;
  hostname?: string;
  /** Variables for `${VAR}` templating of project.yml; default `process.env` (then `<projectDir>/.env`). */
  env?: TemplateVars;
  envFile?: string;
  namespace?: string;
  /** `<uuid>:<secret>` for REST Basic auth; generated when absent. */
  apiKey?: string;
  aliases?: PathAlias[];
  limits?: Partial<RateLimits>;
  /** Run cron triggers on their schedule (UTC). */
  schedule?: boolean;
  log?: (line: string) => void;
  /** Web and blocking calls still running after this turn into `202 {activationId}`; default 30000. */
  webCutoverMs?: number;
  /** Warm processes per function. */
  poolCap?: number;
  /** Log one access line per HTTP request (default true). */
  accessLog?: boolean;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  202: 'Accepted',
  204: 'No Content',
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** An access line in the seed's (uvicorn's) words: `INFO:     127.0.0.1:32930 - "POST /shopify/webhook HTTP/1.1" 200 OK`. */
function accessLine(req: IncomingMessage, status: number): string {
  const path = (req.url ?? '/').replace(/([?&](?:code|hmac|state|signed_request|hub\.verify_token)=)[^&]*/g, '$1...');
  return `INFO:     ${req.socket.remoteAddress ?? '-'}:${req.socket.remotePort ?? 0} - "${req.method} ${path} HTTP/${req.httpVersion}" ${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd();
}

/** A function's public address on the host. */
export interface HostUrl {
  fn: string;
  web: WebMode;
  url: string;
}

/** A running local DO host. */
export interface Host {
  url: string;
  port: number;
  namespace: string;
  apiKey: string;
  project: Project;
  urls: HostUrl[];
  activations: ActivationStore;
  close(): Promise<void>;
  fireTrigger(name: string): Promise<ActivationRecord>;
  /** Declared triggers; `nextRun` is set when the host runs them on schedule. */
  triggers(): TriggerInfo[];
  invoke(pkgFn: string, params?: Record<string, unknown>, options?: { blocking?: boolean }): Promise<ActivationRecord>;
  stats(): HostStats;
  /** Crash tests: the next activation of `pkgFn` is killed right after its `n`-th Spaces request (one-shot, queued). */
  crashAfterSpacesRequests(pkgFn: string, n: number): void;
  /** Crash plans not used yet, and how many fired. */
  crashStats(): { pending: number; fired: number };
  clearCrashes(): void;
}

function listUrls(functions: FunctionSpec[], url: string, namespace: string): HostUrl[] {
  return functions.map((f) => ({
    fn: `${f.pkg}/${f.name}`,
    web: f.web,
    url:
      f.web === false
        ? `${url}/api/v1/namespaces/${namespace}/actions/${f.pkg}/${f.name}`
        : `${url}/api/v1/web/${namespace}/${f.pkg}/${f.name}`,
  }));
}

/** Starts the local DO host for a built project on 127.0.0.1: web routes, OpenWhisk REST API, warm function processes, triggers. */
export async function startHost(options: HostOptions): Promise<Host> {
  const projectDir = resolve(options.projectDir);
  const project = loadProject(projectDir, { env: options.env ?? process.env, envFile: options.envFile });
  const functionList = listFunctions(project);
  const functions = new Map(functionList.map((f) => [`${f.pkg}/${f.name}`, f]));
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  for (const f of functionList) {
    if (!existsSync(join(projectDir, 'packages', f.pkg, f.name, 'index.js')))
      log(`warning: ${f.pkg}/${f.name} is not built (run node build.mjs)`);
  }
  const namespace = options.namespace ?? 'fn-local';
  const apiKey = options.apiKey ?? `${randomUUID()}:${randomBytes(32).toString('hex')}`;
  const store = new ActivationStore();
  const limiter = new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.limits });
  const webCutoverMs = options.webCutoverMs ?? DO_LIMITS.webCutoverMs;
  let url = '';
  const invoker = new Invoker({
    projectDir,
    namespace,
    apiHost: () => url,
    apiKey,
    log,
    poolCap: options.poolCap ?? DEFAULT_POOL_CAP,
    store,
    limiter,
  });
  const triggers = new TriggerRunner(functionList, invoker, log);
  const rest: RestContext = { namespace, apiKey, functions, invoker, store, cutoverMs: webCutoverMs };

  async function dispatch(req: IncomingMessage): Promise<HttpReply> {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const target = route(applyAliases(parsed.pathname, options.aliases ?? []), namespace);
    const queryString = parsed.search.slice(1);
    switch (target.kind) {
      case 'web':
        return handleWeb({ functions, invoker, webCutoverMs }, req, target, queryString);
      case 'runtimes':
        return jsonReply(200, RUNTIMES_DOCUMENT);
      case 'invoke':
        return handleInvoke(rest, req, target, parsed.searchParams);
      case 'activation':
        return handleActivation(rest, req, target);
      case 'trigger': {
        const denied = checkAccess(rest, req);
        if (denied) return denied;
        if (!triggers.names().includes(target.name))
          return jsonReply(404, { error: `unknown trigger '${target.name}'` });
        return jsonReply(200, await triggers.fire(target.name));
      }
      case 'index':
        return jsonReply(200, {
          namespace,
          functions: listUrls(functionList, url, namespace),
          triggers: triggers.describe(),
        });
      default:
        return jsonReply(404, { error: 'The requested resource does not exist.' });
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    dispatch(req)
      .then((reply) => {
        sendReply(res, reply);
        if (options.accessLog !== false) log(accessLine(req, reply.status));
      })
      .catch((err: unknown) => {
        log(`host error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (!res.headersSent) sendReply(res, jsonReply(500, { error: 'Internal host error' }));
      });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.hostname ?? '127.0.0.1', () => ready());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
  if (options.schedule) triggers.schedule();

  return {
    url,
    port,
    namespace,
    apiKey,
    project,
    urls: listUrls(functionList, url, namespace),
    activations: store,
    stats: () => limiter.stats(),
    crashAfterSpacesRequests: (pkgFn, n) => {
      if (!functions.has(pkgFn)) throw new Error(`unknown function '${pkgFn}'`);
      invoker.crashAfterSpacesRequests(pkgFn, n);
    },
    crashStats: () => invoker.crashStats(),
    clearCrashes: () => invoker.clearCrashes(),
    fireTrigger: (name) => triggers.fire(name),
    triggers: () => triggers.describe(),
    async invoke(pkgFn, params = {}, { blocking = true } = {}) {
      const fn = functions.get(pkgFn);
      if (!fn) throw new Error(`unknown function '${pkgFn}'`);
      const started = invoker.start(fn, { ...fn.parameters, ...params }, { enforceLimits: false });
      if (!started.ok) throw new Error(started.error);
      return blocking ? (await started.done).record : started.record;
    },
    async close() {
      triggers.stop();
      invoker.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
