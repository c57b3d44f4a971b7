import http from 'node:http';

/** One request as it goes on the wire: the path is sent byte for byte (no URL normalisation of `..` or `%2F`). */
export interface RawRequest {
  method: string;
  /** Path and query, e.g. `/shopify/webhook/../x?shop=a`. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** What came back. `status` 0 means no answer in time (hung) or a dropped connection; -1 means the client refused to send it. */
export interface Observed {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
  error?: string;
}

/** Receives every exchange, for the secret scan. */
export type ExchangeSink = (request: RawRequest, observed: Observed) => void;

const agents = new Map<number, http.Agent>();

function agentFor(maxSockets: number): http.Agent {
  let agent = agents.get(maxSockets);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets });
    agents.set(maxSockets, agent);
  }
  return agent;
}

/** Destroys the pooled keep-alive sockets (call in teardown). */
export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/**
 * Sends one raw request to `origin` and resolves with whatever happened; never rejects. Node refuses
 * some header bytes client-side (status -1): those requests cannot reach a server either.
 */
export async function sendRaw(
  origin: string,
  request: RawRequest,
  options: { timeoutMs?: number; maxSockets?: number; sink?: ExchangeSink } = {},
): Promise<Observed> {
  const first = await attempt(origin, request, options);
  // A kept-alive socket the server closed while idle fails before any byte of the answer; Node's
  // documented remedy is to send again on a fresh socket. Anything else is reported as it happened.
  if (!first.staleSocket) return report(request, first, options.sink);
  return report(request, await attempt(origin, request, options), options.sink);
}

function report(request: RawRequest, attempted: Observed & { staleSocket?: boolean }, sink?: ExchangeSink): Observed {
  const { staleSocket: _stale, ...observed } = attempted;
  sink?.(request, observed);
  return observed;
}

function attempt(
  origin: string,
  request: RawRequest,
  options: { timeoutMs?: number; maxSockets?: number },
): Promise<Observed & { staleSocket?: boolean }> {
  const url = new URL(origin);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (observed: Omit<Observed, 'ms'> & { staleSocket?: boolean }) => {
      if (settled) return;
      settled = true;
      resolve({ ...observed, ms: performance.now() - started });
    };
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: { ...(request.body ? { 'content-length': String(request.body.length) } : {}), ...request.headers },
        agent: agentFor(options.maxSockets ?? 16),
      });
    } catch (err) {
      return finish({
        status: -1,
        headers: {},
        body: Buffer.alloc(0),
        error: err instanceof Error ? err.message : String(err),
      });
    }
    req.setTimeout(options.timeoutMs ?? 30_000, () => {
      req.destroy(new Error('client timeout: no answer in time'));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) =>
        finish({ status: 0, headers: res.headers, body: Buffer.concat(chunks), error: err.message }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const staleSocket = req.reusedSocket && err.code === 'ECONNRESET';
      finish({
        status: 0,
        headers: {},
        body: Buffer.alloc(0),
        error: err.message,
        ...(staleSocket ? { staleSocket } : {}),
      });
    });
    req.end(request.body);
  });
}

/** The `Set-Cookie` pairs (`name=value`) of an answer, without attributes. */
export function setCookies(observed: Observed): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of observed.headers['set-cookie'] ?? []) {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** The body parsed as JSON, or undefined. */
export function jsonOf(observed: Observed): unknown {
  try {
    return JSON.parse(observed.body.toString('utf8'));
  } catch {
    return undefined;
  }
}
