import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../lib/dev/host/start-host';
import { startFixtureHost } from './helpers';

// Echoed payloads are inspected ad hoc; their shape is what the assertions check.
type Json = Record<string, any>;

let host: Host;
let lines: string[];

beforeAll(async () => {
  ({ host, lines } = await startFixtureHost({
    aliases: [{ pattern: /^\/alias\/([^/]+)\/echo$/, to: (m) => `/sample/echo-raw/${m[1]}` }],
  }));
});
afterAll(async () => {
  await host?.close();
});

const web = (path: string, init?: RequestInit) =>
  fetch(`${host.url}/api/v1/web/fn-local/sample/${path}`, { redirect: 'manual', ...init });

describe('parsed web args (web: true)', () => {
  it('merges body over query over parameters and adds http, legacy keys, env and context', async () => {
    // Act
    const res = await web('echo-parsed/a/b?q=1&q=2&name=query', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Custom': 'V' },
      body: JSON.stringify({ name: 'body', n: 1 }),
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fixture')).toBe('echo-parsed');
    const { args, env, context } = (await res.json()) as Json;
    expect(args).toMatchObject({ greeting: 'hello', projectParam: 'from-project', q: '2', name: 'body', n: 1 });
    expect(args.http).toMatchObject({ method: 'POST', path: '/a/b' });
    expect(args.http.headers).toMatchObject({
      'x-custom': 'V',
      'content-type': 'application/json',
      'x-forwarded-proto': 'http',
    });
    expect(args.http.headers['x-forwarded-for']).toBeTruthy();
    expect(args.http.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(args).toMatchObject({ __ow_method: 'post', __ow_path: '/a/b' });
    expect(env).toMatchObject({
      FIXTURE_VAR: 'fixture-value',
      PACKAGE_VAR: 'package-level',
      __OW_NAMESPACE: 'fn-local',
      __OW_API_HOST: host.url,
    });
    expect(env.FUNCTION_VAR).toBeUndefined();
    expect(env.__OW_API_KEY).toBeUndefined();
    expect(env.__OW_ACTIVATION_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof env.__OW_DEADLINE).toBe('string');
    expect(context).toMatchObject({
      functionName: '/fn-local/sample/echo-parsed',
      activationId: env.__OW_ACTIVATION_ID,
      deadline: Number(env.__OW_DEADLINE),
      remaining: 'function',
    });
    expect(res.headers.get('x-openwhisk-activation-id')).toBe(env.__OW_ACTIVATION_ID);
  });

  it('merges form fields as strings and keeps text and binary bodies in __ow_body', async () => {
    const form = (await (
      await web('echo-parsed', { method: 'POST', body: new URLSearchParams({ count: '3' }) })
    ).json()) as Json;
    expect(form.args.count).toBe('3');
    const text = (await (
      await web('echo-parsed', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hi there' })
    ).json()) as Json;
    expect(text.args).toMatchObject({ __ow_body: 'hi there', __ow_method: 'put' });
    const bytes = Buffer.from([0, 1, 254, 255]);
    const bin = (await (
      await web('echo-parsed', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
    ).json()) as Json;
    expect(bin.args.__ow_isBase64Encoded).toBe(true);
    expect(Buffer.from(bin.args.__ow_body as string, 'base64')).toEqual(bytes);
  });

  it('rejects request keys that collide with parameters or reserved names (400)', async () => {
    for (const query of ['greeting=x', '__ow_method=get']) {
      const res = await web(`echo-parsed?${query}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error).toMatch(/not allowed/);
    }
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await web('echo-parsed', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(res.status).toBe(400);
  });
});

describe('raw web args (web: raw)', () => {
  it('passes the body text and undecoded query string without merging them', async () => {
    const body = '{"test":true}';
    const res = await web('echo-raw/p?x=a%20b&y=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const { args } = (await res.json()) as Json;
    expect(args.http).toMatchObject({
      body,
      isBase64Encoded: false,
      queryString: 'x=a%20b&y=1',
      method: 'POST',
      path: '/p',
    });
    expect(args).toMatchObject({ __ow_body: body, __ow_query: 'x=a%20b&y=1', greeting: 'hello' });
    expect(args.x).toBeUndefined();
    expect(args.test).toBeUndefined();
  });

  it('base64-encodes a binary body and flags isBase64Encoded', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const res = await web('echo-raw', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes });
    const { args } = (await res.json()) as Json;
    expect(args.http.isBase64Encoded).toBe(true);
    expect(Buffer.from(args.http.body as string, 'base64')).toEqual(bytes);
  });

  it('reuses a warm process: module state survives between calls', async () => {
    const first = ((await (await web('echo-raw')).json()) as Json).calls as number;
    const second = ((await (await web('echo-raw')).json()) as Json).calls as number;
    expect(second).toBe(first + 1);
  });

  it('applies path aliases before routing', async () => {
    const res = await fetch(`${host.url}/alias/my-shop/echo`);
    expect(((await res.json()) as Json).args.http.path).toBe('/my-shop');
  });
});

describe('result mapping', () => {
  it('sends several Set-Cookie headers with a redirect from a numeric-string statusCode', async () => {
    const res = await web('cookies');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/after');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']);
  });

  it('defaults a string body to text/html and answers the short URL form', async () => {
    const res = await fetch(`${host.url}/sample/cookies?plain=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(await res.text()).toBe('<p>plain</p>');
  });

  it('returns the whole result as JSON for the .json extension', async () => {
    const res = await web('cookies.json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      statusCode: '302',
      headers: {
        location: 'https://example.com/after',
        'set-cookie': ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure'],
      },
    });
  });

  it('base64-decodes a body with a binary content type', async () => {
    const res = await web('binary');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x00, 0xff]));
  });

  it('renders an application error through its own HTTP shape', async () => {
    const res = await web('app-error');
    expect(res.status).toBe(418);
    expect(await res.text()).toBe('teapot');
  });

  it('loads a single ESM file named by .include through the import() fallback', async () => {
    const res = await web('esm');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('esm ok (object)');
  });

  it('answers 502 when the function fails at module scope', async () => {
    const res = await web('bad-init');
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).error).toBe('The function did not initialize properly');
  });
});

describe('platform behaviour', () => {
  it('requires X-Require-Whisk-Auth for webSecure functions', async () => {
    expect((await web('secure')).status).toBe(401);
    expect((await web('secure', { headers: { 'x-require-whisk-auth': 'wrong' } })).status).toBe(401);
    const ok = await web('secure', { headers: { 'x-require-whisk-auth': 's3cret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('secret ok');
  });

  it('answers OPTIONS with CORS defaults without running the function', async () => {
    const before = host.activations.list().length;
    const res = await web('echo-parsed', { method: 'OPTIONS', headers: { 'access-control-request-headers': 'x-a' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toBe('x-a');
    expect(host.activations.list().length).toBe(before);
  });

  it('has no web route for web: false functions', async () => {
    expect((await web('internal')).status).toBe(404);
    expect((await fetch(`${host.url}/sample/internal`)).status).toBe(404);
  });

  it('kills a function at its timeout and records a developer error with its logs', async () => {
    const res = await web('slow');
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).error).toBe('The action exceeded its time limits of 500 milliseconds.');
    const record = host.activations.get(res.headers.get('x-openwhisk-activation-id') ?? '');
    expect(record?.response).toMatchObject({ status: 'action developer error', success: false });
    expect(record?.logs.join('\n')).toMatch(/stdout: slow: started/);
    expect(lines).toContain('sample/slow slow: started');
  });

  it('refuses a request body over 1 MB with 413', async () => {
    const res = await web('echo-raw', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(1_100_000),
    });
    expect(res.status).toBe(413);
  });

  it('turns a result over 1 MB into a 502', async () => {
    const res = await web('big');
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).error).toMatch(/exceeded the allowed length: \d+ > 1048576 bytes/);
  });
});

describe('30 s cut-over (scaled down)', () => {
  it('answers 202 with an activation id while the invocation continues', async () => {
    // Prepare
    const { host: quick } = await startFixtureHost({ webCutoverMs: 200 });
    try {
      // Act
      const res = await fetch(`${quick.url}/sample/wait?ms=1500`);
      // Assess
      expect(res.status).toBe(202);
      const { activationId } = (await res.json()) as Json;
      const record = await quick.activations.wait(activationId as string);
      expect(record.response).toMatchObject({ status: 'success', result: { waited: 1500 } });
    } finally {
      await quick.close();
    }
  });
});
