import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeSignedRequest } from '../../../lib/dev/emulators/facebook/index';
import { readSignedRequest, verifySignedRequest } from '../../../lib/facebook/signed-request';

const SECRET = 'test-facebook-secret-0123456789';
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const nowSec = NOW / 1000;
const payload = (overrides: Record<string, unknown> = {}) => ({
  algorithm: 'HMAC-SHA256',
  issued_at: nowSec,
  user_id: '122104587654321098',
  ...overrides,
});
const verify = (signedRequest: string) => verifySignedRequest(signedRequest, { appSecret: SECRET, now: NOW });
const reason = (signedRequest: string) => {
  const check = verify(signedRequest);
  return check.ok ? 'ok' : check.reason;
};

// Standard base64 with `=` padding, as some encoders send it; the HMAC covers the padded text.
function paddedSignedRequest(data: Record<string, unknown>): string {
  const encoded = Buffer.from(JSON.stringify(data)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  const signature = createHmac('sha256', SECRET)
    .update(encoded)
    .digest('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
  return `${signature}.${encoded}`;
}

describe('verifySignedRequest', () => {
  it('accepts what Meta sends (unpadded base64url) and returns the payload with user_id as a string', () => {
    // Prepare
    const signedRequest = makeSignedRequest(SECRET, payload({ expires: nowSec + 3600 }));
    // Act
    const check = verify(signedRequest);
    // Assess
    expect(check).toEqual({ ok: true, payload: payload({ expires: nowSec + 3600 }) });
  });

  it('accepts padded base64 from other encoders', () => {
    const data = payload({ user_id: '1' });
    const signedRequest = paddedSignedRequest(data);
    expect(signedRequest).toMatch(/=/);
    expect(verify(signedRequest)).toEqual({ ok: true, payload: data });
  });

  it('accepts the algorithm case-insensitively, as Meta SDKs do', () => {
    expect(reason(makeSignedRequest(SECRET, payload({ algorithm: 'hmac-sha256' })))).toBe('ok');
  });

  it.each([
    ['another algorithm', payload({ algorithm: 'HMAC-SHA1' })],
    ['algorithm none', payload({ algorithm: 'none' })],
  ])('refuses %s even when the signature is valid', (_name, data) => {
    expect(reason(makeSignedRequest(SECRET, data))).toBe('algorithm');
  });

  it('refuses a signature made with another secret', () => {
    expect(reason(makeSignedRequest('not-the-app-secret', payload()))).toBe('mismatch');
  });

  it('refuses a payload swapped under a valid signature (another user id)', () => {
    const [signature] = makeSignedRequest(SECRET, payload()).split('.');
    const forged = Buffer.from(JSON.stringify(payload({ user_id: '999' }))).toString('base64url');
    expect(reason(`${signature}.${forged}`)).toBe('mismatch');
  });

  it('refuses a signature computed over the decoded JSON instead of the encoded payload', () => {
    const encoded = Buffer.from(JSON.stringify(payload())).toString('base64url');
    const overJson = createHmac('sha256', SECRET).update(JSON.stringify(payload())).digest('base64url');
    expect(reason(`${overJson}.${encoded}`)).toBe('mismatch');
  });

  it.each([
    ['an empty value', '', 'missing'],
    ['no dot', 'abcdef', 'malformed'],
    ['an empty signature', `.${Buffer.from('{}').toString('base64url')}`, 'malformed'],
    ['a third segment', `${makeSignedRequest(SECRET, payload())}.extra`, 'malformed'],
    ['characters outside base64', `abc$.def`, 'malformed'],
    [
      'a short signature',
      `${Buffer.from('short').toString('base64url')}.${Buffer.from(JSON.stringify(payload())).toString('base64url')}`,
      'malformed',
    ],
    [
      'a payload that is not JSON',
      makeSignedRequest(SECRET, payload()).split('.')[0] + '.' + Buffer.from('{nope').toString('base64url'),
      'malformed',
    ],
    ['a numeric user_id', makeSignedRequest(SECRET, payload({ user_id: 218471 })), 'malformed'],
    ['no issued_at', makeSignedRequest(SECRET, payload({ issued_at: undefined })), 'malformed'],
  ])('answers %s as %s', (_name, signedRequest, expected) => {
    expect(reason(signedRequest)).toBe(expected);
  });

  it.each([
    ['issued two hours ago', payload({ issued_at: nowSec - 7200 }), 'stale'],
    ['expired ten minutes ago', payload({ issued_at: nowSec - 1800, expires: nowSec - 600 }), 'stale'],
    ['issued an hour ahead', payload({ issued_at: nowSec + 3600 }), 'future'],
    ['issued a minute ahead (clock skew)', payload({ issued_at: nowSec + 60 }), 'ok'],
    ['issued 50 minutes ago without expires (deauthorize)', payload({ issued_at: nowSec - 3000 }), 'ok'],
  ])('a request %s is %s', (_name, data, expected) => {
    expect(reason(makeSignedRequest(SECRET, data))).toBe(expected);
  });
});

describe('readSignedRequest', () => {
  const post = (body: string, type = 'application/x-www-form-urlencoded') =>
    readSignedRequest(
      new Request('https://app.example/facebook/data-deletion', {
        method: 'POST',
        body,
        headers: { 'content-type': type },
      }),
      { appSecret: SECRET, now: NOW },
    );

  it('reads signed_request from a form body', async () => {
    const signedRequest = makeSignedRequest(SECRET, payload());
    await expect(post(new URLSearchParams({ signed_request: signedRequest }).toString())).resolves.toEqual(payload());
  });

  it.each([
    ['a form without signed_request', 'other=1', undefined, 400, 'signed_request_missing'],
    ['a JSON body', JSON.stringify({ signed_request: 'x.y' }), 'application/json', 400, 'unsupported_content_type'],
    [
      'a wrong signature',
      `signed_request=${makeSignedRequest('wrong-secret-value', payload())}`,
      undefined,
      401,
      'invalid_signature',
    ],
    [
      'a wrong algorithm',
      `signed_request=${makeSignedRequest(SECRET, payload({ algorithm: 'RS256' }))}`,
      undefined,
      400,
      'signed_request_algorithm',
    ],
  ])('throws for %s', async (_name, body, type, status, code) => {
    await expect(post(body, type)).rejects.toMatchObject({ status, code });
  });

  it('refuses methods other than POST', async () => {
    const request = new Request('https://app.example/facebook/deauthorize');
    await expect(readSignedRequest(request, { appSecret: SECRET, now: NOW })).rejects.toMatchObject({ status: 405 });
  });
});
