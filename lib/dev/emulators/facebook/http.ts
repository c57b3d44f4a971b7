import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Largest request body the emulator reads (Graph POSTs are small). */
/** Outgoing deliveries give up after this long (Messenger's own timeout is 20 s). */
export const DELIVERY_TIMEOUT_MS = 20_000;

/** A parsed incoming Graph request; `params` merges the query string with a form or JSON body. */
export interface GraphRequest {
  method: string;
  /** The `vNN.N` prefix, or the default version for unversioned calls. */
  version: string;
  /** Path without the version prefix, e.g. `/me/accounts`. */
  path: string;
  segments: string[];
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
}

/** A successful Graph reply before headers common to every response are added. */
export interface GraphReply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export { readBody } from '../common/read-body';

/** Merges query parameters with a form-encoded or JSON body (body values win), as Graph accepts both for POST. */
export function mergeParams(query: URLSearchParams, body: Buffer, contentType: string | undefined): URLSearchParams {
  const params = new URLSearchParams(query);
  if (body.length === 0) return params;
  const text = body.toString('utf8');
  let fromBody: Array<[string, string]> = [];
  if (contentType?.includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        fromBody = Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
      }
    } catch {
      // Graph ignores a body it cannot parse; the missing parameters then produce their own errors.
    }
  } else {
    fromBody = [...new URLSearchParams(text)];
  }
  for (const [key, value] of fromBody) params.set(key, value);
  return params;
}

/** The access token of a request: `access_token` parameter, or an `Authorization: Bearer|OAuth` header. */
export function accessTokenOf(request: GraphRequest): string | undefined {
  const fromParam = request.params.get('access_token');
  if (fromParam) return fromParam;
  const auth = request.headers.authorization;
  const match = auth === undefined ? null : /^(?:Bearer|OAuth)\s+(.+)$/i.exec(auth);
  return match?.[1]?.trim();
}

/** Result of an outgoing delivery. */
export interface DeliveryResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Options for {@link sendHttp}. */
export interface SendHttpOptions {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Sends one HTTP(S) request without connection pooling, so nothing lingers after the emulator closes. */
export function sendHttp(options: SendHttpOptions): Promise<DeliveryResult> {
  const url = new URL(options.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { 'user-agent': 'facebookexternalua', ...options.headers };
  if (options.body) headers['content-length'] = String(options.body.length);
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: options.method,
      headers,
      agent: false,
      timeout: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.on('timeout', () => req.destroy(new Error(`delivery to ${url.origin}${url.pathname} timed out`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.end(options.body);
  });
}
