import { describe, expect, it } from 'vitest';
import { jobMain, toRequest, toResult, webMain } from '../../../lib/http/do-adapter';
import { BadRequestError } from '../../../lib/errors';

describe('DO adapter', () => {
  it('builds a Request from raw args, decoding base64 bodies byte for byte', async () => {
    const bytes = Buffer.from([0, 255, 10, 13, 128]);
    const req = toRequest(
      {
        http: {
          method: 'post',
          headers: { 'content-type': 'application/octet-stream', cookie: 'a=1' },
          path: '/x',
          queryString: 'a=1&a=2&b=%2F',
          body: bytes.toString('base64'),
          isBase64Encoded: true,
        },
      },
      'raw',
    );
    expect(req.method).toBe('POST');
    expect(new URL(req.url).pathname).toBe('/x');
    expect(new URL(req.url).search).toBe('?a=1&a=2&b=%2F');
    expect(Buffer.from(await req.arrayBuffer())).toEqual(bytes);
    expect(req.headers.get('cookie')).toBe('a=1');
  });

  it('keeps text bodies exactly (escaped slashes, non-ASCII)', async () => {
    const body = '{"a":"x\\/y","b":"äö"}';
    const req = toRequest({ http: { method: 'POST', headers: {}, body, isBase64Encoded: false } }, 'raw');
    expect(await req.text()).toBe(body);
  });

  it('puts parsed args into the query string and ignores __ow_ keys', () => {
    const req = toRequest(
      { shop: 'acme', n: 2, __ow_method: 'get', http: { method: 'GET', headers: {}, path: '' } },
      'parsed',
    );
    expect(new URL(req.url).searchParams.get('shop')).toBe('acme');
    expect(new URL(req.url).searchParams.get('n')).toBe('2');
    expect(new URL(req.url).searchParams.has('__ow_method')).toBe(false);
  });

  it('refuses a non-web event', () => {
    expect(() => toRequest({ shop: 'x' }, 'raw')).toThrow(BadRequestError);
  });

  it('maps several Set-Cookie headers to an array, JSON to an object and binary to base64', async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/');
    const result = await toResult(new Response('{"ok":true}', { status: 201, headers }));
    expect(result).toMatchObject({ statusCode: 201, body: { ok: true } });
    expect(result.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    const bin = await toResult(new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'image/png' } }));
    expect(bin.body).toBe(Buffer.from([1, 2, 3]).toString('base64'));
    expect((await toResult(new Response(null, { status: 302, headers: { location: '/x' } }))).body).toBeUndefined();
  });

  it('answers config errors and thrown errors as JSON, never crashing', async () => {
    const main = webMain('raw', () => {
      throw new BadRequestError('nope');
    });
    const result = await main({ http: { method: 'GET', headers: {} } });
    expect(result).toMatchObject({ statusCode: 400, body: { error: 'bad_request', message: 'nope' } });
    const crash = webMain('raw', () => async () => {
      throw new Error('secret internals');
    });
    const crashed = await crash({ http: { method: 'GET', headers: {} } });
    expect(crashed.statusCode).toBe(500);
    expect(JSON.stringify(crashed.body)).not.toContain('secret internals');
  });

  it('answers 400 when the event carries a header that Headers refuses', async () => {
    // Prepare: '€' is outside Latin-1, so it is not a valid header byte string.
    const args = { http: { method: 'GET', headers: { 'x-note': 'caf€' }, path: '/' } };
    const main = webMain('raw', () => async () => new Response('reached'));

    // Act
    const result = await main(args);

    // Assess
    expect(() => toRequest(args, 'raw')).toThrow(BadRequestError);
    expect(result).toMatchObject({ statusCode: 400, body: { error: 'malformed_request' } });
  });

  it('answers a TypeError thrown by the handler or by setup as a 500, not as a malformed request', async () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (message: string) => void logged.push(message);
    try {
      const buggy = webMain('raw', () => async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'id')");
      });
      const result = await buggy({ http: { method: 'GET', headers: {} } });
      expect(result).toMatchObject({ statusCode: 500, body: { error: 'internal_error' } });
      expect(JSON.stringify(result.body)).not.toContain('reading');

      const badSetup = webMain('raw', () => {
        throw new TypeError('setup bug');
      });
      expect((await badSetup({ http: { method: 'GET', headers: {} } })).statusCode).toBe(500);
      expect(logged.some((l) => l.includes('setup bug'))).toBe(true);
    } finally {
      console.error = original;
    }
  });

  it('returns job errors as an application error object', async () => {
    const job = jobMain(() => async () => {
      throw new BadRequestError('bad params');
    });
    expect(await job({})).toEqual({ error: { code: 'bad_request', message: 'bad params' } });
  });
});
