import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAYLOAD_LIMIT_BYTES } from './invoker';
import type { HttpReply } from './web-result';

/** Body of a request, or `tooLarge` once it passed the 1 MB parameter limit (the rest is drained, not kept). */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; size: number };

/** Reads a request body, keeping at most {@link PAYLOAD_LIMIT_BYTES} bytes. */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= PAYLOAD_LIMIT_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > PAYLOAD_LIMIT_BYTES ? { ok: false, size } : { ok: true, body: Buffer.concat(chunks) }),
    );
    req.on('error', reject);
  });
}

/** Writes a reply; repeated header names become repeated header lines. */
export function sendReply(res: ServerResponse, reply: HttpReply): void {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of reply.headers) {
    const key = name.toLowerCase();
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  res.setHeader('content-length', String(reply.body.length));
  res.writeHead(reply.status);
  res.end(reply.body);
}

/** Lower-cased request headers with repeats comma-joined, minus hop-by-hop headers a CDN would not forward. */
export function normalizeHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (
      value === undefined ||
      ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'].includes(name)
    )
      continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** True when the request carries `Authorization: Basic base64(apiKey)`. */
export function hasBasicAuth(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return false;
  const given = Buffer.from(Buffer.from(match[1] as string, 'base64').toString('utf8'));
  const expected = Buffer.from(apiKey);
  // timingSafeEqual needs equal lengths; the length itself is not secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
