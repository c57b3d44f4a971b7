import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FacebookEmulator } from '../../../../lib/dev/emulators/facebook/index';
import { APP_SECRET, startEmulator, startReceiver } from './helpers';

let emu: FacebookEmulator;
beforeEach(async () => {
  emu = await startEmulator({ now: () => 1_291_836_800_000 });
});
afterEach(() => emu.close());

/** Parses like our data-deletion function must: split once, HMAC over the still-encoded payload. */
function parseSignedRequest(signedRequest: string): Record<string, unknown> | null {
  const dot = signedRequest.indexOf('.');
  if (dot === -1) return null;
  const signature = Buffer.from(signedRequest.slice(0, dot), 'base64url');
  const payload = signedRequest.slice(dot + 1);
  const expected = createHmac('sha256', APP_SECRET).update(payload).digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('signedRequest', () => {
  it('produces an unpadded base64url signature and payload that verify over the encoded payload', () => {
    const signed = emu.signedRequest({ userId: '218471', expires: 1_291_840_400 });

    expect(signed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(parseSignedRequest(signed)).toEqual({
      algorithm: 'HMAC-SHA256',
      expires: 1_291_840_400,
      issued_at: 1_291_836_800,
      user_id: '218471',
    });
  });

  it('signs with another secret or algorithm on request, for negative tests', () => {
    expect(parseSignedRequest(emu.signedRequest({ userId: '1', secret: 'other' }))).toBeNull();
    expect(parseSignedRequest(emu.signedRequest({ userId: '1', algorithm: 'none' }))?.algorithm).toBe('none');
  });

  it('posts signed_request form-encoded and returns the reply', async () => {
    const receiver = await startReceiver((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"url":"https://x/deletion?id=abc123","confirmation_code":"abc123"}'),
    );
    try {
      const signed = emu.signedRequest({ userId: '218471' });

      const reply = await emu.postSignedRequest(receiver.url, signed);
      const got = receiver.received[0];

      expect(reply).toEqual({
        status: 200,
        body: '{"url":"https://x/deletion?id=abc123","confirmation_code":"abc123"}',
      });
      expect(got?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(got?.raw.toString()).get('signed_request')).toBe(signed);
    } finally {
      await receiver.close();
    }
  });
});
