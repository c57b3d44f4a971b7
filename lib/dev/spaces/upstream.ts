import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { INTERNAL_ERROR, sendError } from './s3-xml';

// Hop-by-hop headers (RFC 9110 §7.6.1) are per connection; `expect` is answered by the proxy itself.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * How a forwarded exchange ended: the upstream status (502 if s3rver could not be reached or the
 * answer broke off), s3rver's response headers when it answered, and, if asked for, the body.
 */
export interface ForwardResult {
  status: number;
  headers?: IncomingHttpHeaders;
  body?: Buffer;
}

/** Options for one forwarded request. */
export interface ForwardHooks {
  /** Called once s3rver's response headers arrive (or the exchange fails), before the body streams. */
  onHeaders?: () => void;
  /** Keep a copy of the response body (for small XML answers only). */
  captureBody?: boolean;
  /** Send this instead of streaming `req` (whose body the caller has already read; headers still come from `req`). */
  body?: Buffer;
}

/** A keep-alive client for the s3rver behind the proxy. */
export class Upstream {
  readonly #port: number;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(port: number) {
    this.#port = port;
  }

  /**
   * Streams `req` to s3rver unchanged (method, path, query, Host, Authorization and body) and its
   * answer back to `res`; resolves when the exchange is over, never rejects.
   */
  forward(req: IncomingMessage, res: ServerResponse, hooks: ForwardHooks = {}): Promise<ForwardResult> {
    return new Promise((resolve) => {
      let headersSeen = false;
      const sawHeaders = (): void => {
        if (headersSeen) return;
        headersSeen = true;
        hooks.onHeaders?.();
      };
      const upstream = this.#send(req);
      upstream.on('response', (answer) => {
        sawHeaders();
        const status = answer.statusCode ?? 502;
        res.writeHead(status, answer.statusMessage, endToEnd(answer.headers));
        const chunks: Buffer[] = [];
        if (hooks.captureBody) answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.pipe(res);
        const headers = answer.headers;
        answer.on('end', () =>
          resolve(hooks.captureBody ? { status, headers, body: Buffer.concat(chunks) } : { status, headers }),
        );
        answer.on('error', () => {
          res.destroy();
          resolve({ status: 502 });
        });
      });
      upstream.on('error', () => {
        sawHeaders();
        if (!res.headersSent) sendError(res, INTERNAL_ERROR, req.url);
        else res.destroy();
        resolve({ status: 502 });
      });
      // A client that goes away mid-exchange must not leave s3rver half-way through a body.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      if (hooks.body) upstream.end(hooks.body);
      else req.pipe(upstream);
    });
  }

  /**
   * Sends a bodyless read (method, path, query and headers as received) to s3rver and buffers the whole answer (end-to-end
   * headers only); status 502 if s3rver could not be reached or the answer broke off. Never rejects.
   */
  read(req: IncomingMessage): Promise<ForwardResult & { statusMessage?: string }> {
    return new Promise((resolve) => {
      const upstream = this.#send(req);
      upstream.on('response', (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 502,
            statusMessage: answer.statusMessage,
            headers: endToEnd(answer.headers),
            body: Buffer.concat(chunks),
          }),
        );
        answer.on('error', () => resolve({ status: 502 }));
      });
      upstream.on('error', () => resolve({ status: 502 }));
      upstream.end();
    });
  }

  // The same request to s3rver: method, path, query and end-to-end headers as received.
  #send(req: IncomingMessage): http.ClientRequest {
    return http.request({
      host: '127.0.0.1',
      port: this.#port,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: this.#agent,
    });
  }

  /** HEADs an object path (as sent, percent-encoded) on s3rver: its ETag, or `undefined` if there is no such object. */
  currentEtag(rawPath: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const head = http.request({
        host: '127.0.0.1',
        port: this.#port,
        method: 'HEAD',
        path: rawPath,
        agent: this.#agent,
      });
      head.on('response', (answer) => {
        answer.resume();
        const status = answer.statusCode ?? 0;
        const etag = answer.headers.etag;
        if (status === 404) resolve(undefined);
        else if (status === 200 && etag) resolve(etag);
        else reject(new Error(`s3rver answered HEAD ${rawPath} with ${status}`));
      });
      head.on('error', reject);
      head.end();
    });
  }

  /** Closes idle keep-alive connections to s3rver. */
  close(): void {
    this.#agent.destroy();
  }
}
