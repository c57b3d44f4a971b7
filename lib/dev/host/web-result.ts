import type { Completed } from './invoker';
import { isJsonType, isTextType } from './web-args';

/** An HTTP answer; headers as ordered pairs so a name may repeat (several `Set-Cookie`). */
export interface HttpReply {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** Web URL extensions that select a response projection (contract §8). */
export type WebExtension = 'http' | 'json' | 'html' | 'svg' | 'text';

const INVALID = 'The action did not produce a valid response.';
const CONTENT_TYPES: Record<'html' | 'svg' | 'text', string> = {
  html: 'text/html; charset=UTF-8',
  svg: 'image/svg+xml',
  text: 'text/plain; charset=UTF-8',
};
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A JSON reply with the given status. */
export function jsonReply(status: number, value: unknown, headers: Array<[string, string]> = []): HttpReply {
  return {
    status,
    headers: [['content-type', 'application/json'], ...headers],
    body: Buffer.from(JSON.stringify(value)),
  };
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  return compact.length % 4 === 0 && BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}

function headerPairs(headers: unknown): Array<[string, string]> | undefined {
  if (headers === undefined || headers === null) return [];
  if (!isDict(headers)) return undefined;
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return undefined;
      pairs.push([name, String(item)]);
    }
  }
  return pairs;
}

/** Maps an `.http` result `{statusCode, headers, body}` to a reply (contract §7). */
export function httpProjection(value: unknown): HttpReply {
  if (!isDict(value)) return jsonReply(400, { error: INVALID });
  const headers = headerPairs(value.headers);
  if (!headers) return jsonReply(400, { error: INVALID });
  const { body } = value;
  const empty = body === undefined || body === null || body === '';
  let status = empty ? 204 : 200;
  if (value.statusCode !== undefined) {
    status =
      typeof value.statusCode === 'string' && /^\d+$/.test(value.statusCode) ? Number(value.statusCode) : Number.NaN;
    if (typeof value.statusCode === 'number') status = value.statusCode;
    if (!Number.isInteger(status) || status < 100 || status > 599)
      return jsonReply(400, { error: `Invalid HTTP status code: ${String(value.statusCode)}` });
  }
  if (empty) return { status, headers, body: Buffer.alloc(0) };
  const ctIndex = headers.findIndex(([n]) => n.toLowerCase() === 'content-type');
  const contentType = ctIndex >= 0 ? headers[ctIndex]?.[1] : undefined;
  if (typeof body === 'string') {
    const type = contentType ?? 'text/html';
    if (ctIndex < 0) headers.push(['content-type', type]);
    if (!isTextType(type)) {
      const bytes = decodeBase64(body);
      return bytes ? { status, headers, body: bytes } : jsonReply(400, { error: INVALID });
    }
    // Legacy OpenWhisk quirk: a base64-looking string under a JSON type is decoded too.
    const bytes = isJsonType(type) ? decodeBase64(body) : undefined;
    return { status, headers, body: bytes ?? Buffer.from(body, 'utf8') };
  }
  if (contentType !== undefined && !isJsonType(contentType)) {
    return jsonReply(400, { error: 'Response type in header did not match generated content type.' });
  }
  if (ctIndex < 0) headers.push(['content-type', 'application/json']);
  return { status, headers, body: Buffer.from(JSON.stringify(body)) };
}

function textProjection(value: unknown, ext: 'html' | 'svg' | 'text'): HttpReply {
  const field = isDict(value) ? (value[ext] ?? value.body) : undefined;
  if (typeof field !== 'string') return jsonReply(400, { error: INVALID });
  return { status: 200, headers: [['content-type', CONTENT_TYPES[ext]]], body: Buffer.from(field) };
}

const DEVELOPER_STATUS = 502;

/** Maps a finished activation to the web caller's reply, including developer and application errors (contract §7). */
export function webReply(completed: Completed, ext: WebExtension): HttpReply {
  const { record, developerReason } = completed;
  const response = record.response;
  const code = record.activationId;
  if (!response || developerReason) {
    const error = developerReason === 'init' ? 'The function did not initialize properly' : response?.result.error;
    return jsonReply(DEVELOPER_STATUS, { error: error ?? 'The action did not produce a valid response.', code });
  }
  const value = response.status === 'application error' ? response.result.error : response.result;
  if (response.status === 'application error') {
    // The error is rendered in place of the result; a non-HTTP-shaped error becomes a 400 JSON error.
    const httpShaped = isDict(value) && ('statusCode' in value || 'body' in value || 'headers' in value);
    if (ext !== 'http' || !httpShaped) return jsonReply(400, { error: value, code });
  }
  if (ext === 'json') return jsonReply(200, value);
  if (ext === 'http') return httpProjection(value);
  return textProjection(value, ext);
}
