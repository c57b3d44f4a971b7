import { secretValues } from '../config';
import { AppError, BadRequestError, PayloadTooLargeError, toErrorResponse } from '../errors';
import { redact } from '../log';

/**
 * The one seam between DigitalOcean's web-function `args` and web-standard `Request`/`Response`.
 * Only this file knows DO's event shape (contracts/do-functions.md §6–§7).
 */

/** The `http` object DO passes to web functions (`body`, `isBase64Encoded`, `queryString` only in raw mode). */
export interface DoHttp {
  method?: string;
  headers?: Record<string, string>;
  path?: string;
  body?: string;
  isBase64Encoded?: boolean;
  queryString?: string;
}

/** The result DO turns into an HTTP response. */
export interface DoResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body?: unknown;
}

/** DO caps params and results at 1 MB. */
export const DO_PAYLOAD_LIMIT_BYTES = 1024 * 1024;
// Requests only carry a path; handlers build absolute URLs from APP_URL, never from this origin.
const PLACEHOLDER_ORIGIN = 'https://function.invalid';

/**
 * Turns DO web `args` into a `Request`. Throws `BadRequestError` when the event is not a web event, or when
 * `Headers`/`Request` refuse what it carries (a `TypeError` there, e.g. a header value outside Latin-1).
 */
export function toRequest(args: Record<string, unknown>, mode: 'raw' | 'parsed'): Request {
  try {
    return buildRequest(args, mode);
  } catch (err) {
    if (err instanceof TypeError) {
      throw new BadRequestError(`Malformed request: ${err.message}`, { code: 'malformed_request' });
    }
    throw err;
  }
}

function buildRequest(args: Record<string, unknown>, mode: 'raw' | 'parsed'): Request {
  const http = args.http as DoHttp | undefined;
  if (!http || typeof http !== 'object') {
    throw new BadRequestError('This function must be called over HTTP (its web URL).', { code: 'not_a_web_request' });
  }
  const method = String(http.method ?? 'GET').toUpperCase();
  const headers = new Headers();
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const path = typeof http.path === 'string' && http.path.startsWith('/') ? http.path : '';
  let query: string;
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (mode === 'raw') {
    query = typeof http.queryString === 'string' ? http.queryString : '';
    const raw = typeof http.body === 'string' ? http.body : '';
    const bytes = http.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.length > DO_PAYLOAD_LIMIT_BYTES) throw new PayloadTooLargeError('Request body is larger than 1 MB.');
    body = bytes.length > 0 && method !== 'GET' && method !== 'HEAD' ? new Uint8Array(bytes) : undefined;
  } else {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(args)) {
      if (key === 'http' || key.startsWith('__ow_')) continue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        params.set(key, String(value));
    }
    query = params.toString();
  }
  const url = `${PLACEHOLDER_ORIGIN}${path || '/'}${query ? `?${query}` : ''}`;
  return new Request(url, { method, headers, ...(body ? { body } : {}) });
}

const TEXT_TYPE = /^(text\/|application\/(json|[a-z.+-]*\+json|xml|javascript|x-www-form-urlencoded))/i;

/** Turns a `Response` into DO's result: repeated `Set-Cookie` as an array, JSON as an object, binary as base64. */
export async function toResult(response: Response): Promise<DoResult> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const type = response.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length === 0) return { statusCode: response.status, headers };
  if (/json/i.test(type)) {
    try {
      return { statusCode: response.status, headers, body: JSON.parse(bytes.toString('utf8')) };
    } catch {
      // Not valid JSON after all: send the text as-is.
    }
  }
  if (TEXT_TYPE.test(type) || type === '')
    return { statusCode: response.status, headers, body: bytes.toString('utf8') };
  return { statusCode: response.status, headers, body: bytes.toString('base64') };
}

/** A web handler: `Request` in, `Response` out. */
export type WebHandler = (request: Request) => Promise<Response>;

/**
 * Builds a DO `main` for a web function. `setup` runs inside `main` (memoised per warm container) so
 * a configuration error becomes a clear JSON 500 instead of a platform init failure.
 */
export function webMain(
  mode: 'raw' | 'parsed',
  setup: (env: Record<string, string | undefined>) => WebHandler | Promise<WebHandler>,
): (args: Record<string, unknown>) => Promise<DoResult> {
  let handler: WebHandler | undefined;
  const logError = (message: string) => console.error(redact(message, secretValues(process.env)));
  return async (args) => {
    let response: Response;
    try {
      handler ??= await setup(process.env);
      // Only building the Request maps a TypeError to 400; one thrown by setup or the handler is a bug (500).
      response = await handler(toRequest(args ?? {}, mode));
    } catch (err) {
      response = toErrorResponse(err, logError);
    }
    try {
      return await toResult(response);
    } catch (err) {
      return toResult(toErrorResponse(err));
    }
  };
}

/**
 * Builds a DO `main` for a non-web function (trigger, REST invocation). Errors come back as
 * `{error: {code, message}}`, which DO records as an application error.
 */
export function jobMain<T extends object>(
  setup: (
    env: Record<string, string | undefined>,
  ) => ((params: Record<string, unknown>) => Promise<T>) | Promise<(params: Record<string, unknown>) => Promise<T>>,
): (args: Record<string, unknown>) => Promise<T | { error: { code: string; message: string } }> {
  let job: ((params: Record<string, unknown>) => Promise<T>) | undefined;
  return async (args) => {
    try {
      job ??= await setup(process.env);
      return await job(args ?? {});
    } catch (err) {
      const known = err instanceof AppError;
      if (!known)
        console.error(
          redact(`Unhandled error: ${err instanceof Error ? err.message : String(err)}`, secretValues(process.env)),
        );
      return {
        error: {
          code: known ? err.code : 'internal_error',
          message: known ? err.message : 'The job failed unexpectedly; see the function logs.',
        },
      };
    }
  };
}
