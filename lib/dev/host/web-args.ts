import type { FunctionSpec } from '../do/project';

/** The parts of an HTTP request that become a web function's `args`. */
export interface WebRequest {
  /** Upper-case method. */
  method: string;
  /** Lower-cased header names, string values (repeats comma-joined), platform headers already added. */
  headers: Record<string, string>;
  /** What follows `/<pkg>/<fn>[.<ext>]`, or `""`. */
  path: string;
  /** Undecoded query string without `?`. */
  queryString: string;
  body: Buffer;
}

/** Either the args for the function or an HTTP error to answer instead. */
export type WebArgsResult = { ok: true; args: Record<string, unknown> } | { ok: false; status: 400; error: string };

const RESERVED_ERROR = 'Request defines parameters that are not allowed (e.g., reserved properties).';

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** True for JSON media types (`application/json`, `*+json`). */
export function isJsonType(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return type === 'application/json' || type.endsWith('+json');
}

/** True for media types the platform carries as UTF-8 text rather than base64. */
export function isTextType(contentType: string | undefined): boolean {
  const type = mediaType(contentType);
  return (
    type.startsWith('text/') ||
    isJsonType(type) ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/javascript' ||
    type === 'application/graphql' ||
    type.endsWith('/xml') ||
    type.endsWith('+xml')
  );
}

function legacy(req: WebRequest): Record<string, unknown> {
  return { __ow_method: req.method.toLowerCase(), __ow_headers: req.headers, __ow_path: req.path };
}

/** Builds `args` for a `web: 'raw'` function (contract §6): the body stays undecoded in `http.body`. */
export function rawWebArgs(fn: FunctionSpec, req: WebRequest): Record<string, unknown> {
  const contentType = req.headers['content-type'];
  const isBase64Encoded = req.body.length > 0 && !isTextType(contentType);
  const body = isBase64Encoded ? req.body.toString('base64') : req.body.toString('utf8');
  return {
    ...fn.parameters,
    http: {
      body,
      headers: req.headers,
      isBase64Encoded,
      method: req.method,
      path: req.path,
      queryString: req.queryString,
    },
    ...legacy(req),
    __ow_body: body,
    __ow_query: req.queryString,
    __ow_isBase64Encoded: isBase64Encoded,
  };
}

function parseBody(
  req: WebRequest,
): { fields: Record<string, unknown> } | { other: Record<string, unknown> } | { error: string } {
  const contentType = req.headers['content-type'];
  if (req.body.length === 0) return { fields: {} };
  if (mediaType(contentType) === 'application/x-www-form-urlencoded') {
    return { fields: Object.fromEntries(new URLSearchParams(req.body.toString('utf8'))) };
  }
  if (isJsonType(contentType)) {
    const text = req.body.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { error: `The request content was malformed:\n${err instanceof Error ? err.message : String(err)}` };
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { fields: value as Record<string, unknown> };
    return { other: { __ow_body: text } };
  }
  if (isTextType(contentType)) return { other: { __ow_body: req.body.toString('utf8') } };
  return { other: { __ow_body: req.body.toString('base64'), __ow_isBase64Encoded: true } };
}

/** Builds `args` for a `web: true` function (contract §6): query, form and JSON-object fields merged, body > query > params. */
export function parsedWebArgs(fn: FunctionSpec, req: WebRequest): WebArgsResult {
  const query = Object.fromEntries(new URLSearchParams(req.queryString));
  const parsed = parseBody(req);
  if ('error' in parsed) return { ok: false, status: 400, error: parsed.error };
  const fields = 'fields' in parsed ? parsed.fields : {};
  for (const key of [...Object.keys(query), ...Object.keys(fields)]) {
    // Deploy marks actions final, so request keys may not override parameters or platform keys.
    if (key in fn.parameters || key.startsWith('__ow_') || key === 'http')
      return { ok: false, status: 400, error: RESERVED_ERROR };
  }
  return {
    ok: true,
    args: {
      ...fn.parameters,
      ...query,
      ...fields,
      ...('other' in parsed ? parsed.other : {}),
      http: { headers: req.headers, method: req.method, path: req.path },
      ...legacy(req),
    },
  };
}
