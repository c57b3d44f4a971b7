import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FacebookApiError } from '../../../lib/errors';
import { appsecretProof, createGraphClient } from '../../../lib/facebook/graph-client';
import { scrubGraphText } from '../../../lib/facebook/graph-errors';

const SECRET = 'app-secret';
const TOKEN = 'EAAtoken123';
type Reply = { status: number; body: unknown; headers?: Record<string, string> };

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A Graph stand-in on loopback answering queued replies in order and recording each request. */
async function graphServer(replies: Reply[]) {
  const seen: IncomingMessage[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req);
    const reply = replies.shift() ?? { status: 500, body: { error: { message: 'no reply queued', code: 1 } } };
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'x-fb-trace-id': 'TraceAbc123',
      ...reply.headers,
    });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let t = 1_000_000;
  const waits: number[] = [];
  const clock = { now: () => t, sleep: async (ms: number) => void (waits.push(ms), (t += ms)) };
  const client = createGraphClient({
    graphOrigin: origin,
    version: 'v25.0',
    appSecret: SECRET,
    clock,
    random: () => 0.5,
  });
  return { client, seen, waits, origin, left: () => replies.length };
}

const Ok = z.object({ id: z.string() });
const graphError = (code: number, extra: Record<string, unknown> = {}) => ({
  status: 400,
  body: { error: { message: `(#${code}) failure`, type: 'OAuthException', code, ...extra } },
});

async function failure(promise: Promise<unknown>): Promise<FacebookApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FacebookApiError) return err;
    throw err;
  }
  throw new Error('call succeeded');
}

describe('appsecretProof', () => {
  it('is the lower-case hex HMAC-SHA256 of the token keyed by the app secret (openssl vector)', () => {
    expect(appsecretProof(SECRET, TOKEN)).toBe('d983f3e685816babf41844f26684935595cd534c63c02f6167d31fec4ca34f1a');
  });
});

describe('createGraphClient', () => {
  it('sends appsecret_proof on every call and keeps the token out of the URL', async () => {
    const { client, seen } = await graphServer([{ status: 200, body: { id: '1' } }]);

    await client.get('/me', TOKEN, { fields: 'id' }, Ok);

    const url = new URL(seen[0]!.url!, 'http://x');
    expect(url.pathname).toBe('/v25.0/me');
    expect(url.searchParams.get('appsecret_proof')).toBe(appsecretProof(SECRET, TOKEN));
    expect(url.searchParams.has('access_token')).toBe(false);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('keeps code, subcode and trace id of a 190 and never retries it, even when marked transient', async () => {
    const { client, seen } = await graphServer([
      graphError(190, { error_subcode: 460, is_transient: true, message: `Error validating access token ${TOKEN}` }),
    ]);

    const err = await failure(client.get('/me', TOKEN, {}, Ok));

    expect(seen).toHaveLength(1);
    expect(err).toMatchObject({ fbCode: 190, fbSubcode: 460, code: 'facebook_token_invalid', status: 401 });
    expect(err.details.request_id).toBe('TraceAbc123');
    expect(err.message).toMatch(/log in again at \/facebook\/login/);
    expect(err.message).not.toContain(TOKEN);
  });

  it.each([10, 100, 200, 299])('never retries code %i', async (code) => {
    const { client, seen } = await graphServer([graphError(code, { is_transient: true })]);
    await failure(client.get('/1', TOKEN, {}, Ok));
    expect(seen).toHaveLength(1);
  });

  it('retries a code 2 service error with backoff, then succeeds', async () => {
    const { client, seen, waits } = await graphServer([
      { status: 503, body: { error: { message: 'retry later', code: 2, is_transient: true } } },
      { status: 200, body: { id: '1' } },
    ]);

    await expect(client.get('/1', TOKEN, {}, Ok)).resolves.toEqual({ id: '1' });
    expect(seen).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it('backs off a (#4) throttle without a regain estimate and recovers', async () => {
    const { client, waits } = await graphServer([graphError(4), { status: 200, body: { id: '1' } }]);
    await expect(client.get('/1', TOKEN, {}, Ok)).resolves.toEqual({ id: '1' });
    expect(waits[0]).toBeGreaterThanOrEqual(500);
  });

  it('gives up at once when estimated_time_to_regain_access exceeds the budget, saying when access returns', async () => {
    const buc = JSON.stringify({ '101': [{ type: 'pages', call_count: 100, estimated_time_to_regain_access: 5 }] });
    const { client, seen, waits } = await graphServer([
      { ...graphError(80001), headers: { 'x-business-use-case-usage': buc } },
    ]);

    const err = await failure(client.get('/101', TOKEN, {}, Ok, { budgetMs: 15_000, label: 'GET /101' }));

    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(err).toMatchObject({ fbCode: 80001, code: 'facebook_throttled', status: 503 });
    expect(err.message).toMatch(
      /^GET \/101: Meta is rate-limiting these calls \(#80001\) \(access returns in about 5 minutes\); .*time budget/,
    );
  });

  it('waits out a short regain estimate inside the budget', async () => {
    const buc = JSON.stringify({ '101': [{ type: 'pages', estimated_time_to_regain_access: 1 }] });
    const { client, waits } = await graphServer([
      { ...graphError(32), headers: { 'x-business-use-case-usage': buc } },
      { status: 200, body: { id: '1' } },
    ]);
    await client.get('/101', TOKEN, {}, Ok, { budgetMs: 120_000 });
    expect(waits).toEqual([60_000]);
  });

  it('reports a reply of an unexpected shape as facebook_bad_shape', async () => {
    const { client } = await graphServer([{ status: 200, body: { name: 'no id' } }]);
    expect((await failure(client.get('/1', TOKEN, {}, Ok))).code).toBe('facebook_bad_shape');
  });

  it('follows paging.next on the Graph origin with our own token and proof, and refuses other origins', async () => {
    const { client, seen, origin } = await graphServer([{ status: 200, body: { id: '1' } }]);
    await client.getNext(`${origin}/v25.0/9/accounts?access_token=EAAother&limit=25&after=QQ`, TOKEN, Ok);
    const url = new URL(seen[0]!.url!, 'http://x');
    expect(url.pathname).toBe('/v25.0/9/accounts');
    expect(url.searchParams.get('after')).toBe('QQ');
    expect(url.searchParams.has('access_token')).toBe(false);
    expect(url.searchParams.get('appsecret_proof')).toBe(appsecretProof(SECRET, TOKEN));

    await expect(client.getNext('https://evil.example/v25.0/9/accounts?after=QQ', TOKEN, Ok)).rejects.toThrow(
      /outside the Graph API origin/,
    );
  });
});

describe('scrubGraphText', () => {
  it('removes token-shaped text and secret query parameters', () => {
    const out = scrubGraphText('bad EAAabcdefghijklmnop at https://g/x?access_token=abc&client_secret=s3&code=AQxyz');
    expect(out).toBe('bad [redacted] at https://g/x?access_token=[redacted]&client_secret=[redacted]&code=[redacted]');
  });
});
