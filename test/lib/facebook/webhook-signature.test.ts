import { describe, expect, it } from 'vitest';
import { signFacebookBody, verifyFacebookSignature } from '../../../lib/facebook/webhook-signature';

const secret = 'test-facebook-secret-0123456789';
// Exactly what Meta sends: non-ASCII as lower-case \uXXXX escapes and `/` as `\/`.
const metaBody = Buffer.from(
  '{"object":"page","entry":[{"id":"101368371725791","time":1735689600,"changes":[{"field":"name","value":"K\\u00e4se \\u00f6 Caf\\u00e9 https:\\/\\/shop.example\\/x @ 50%"}]}]}',
  'utf8',
);
const headersWith = (signature?: string) =>
  new Headers(signature === undefined ? {} : { 'x-hub-signature-256': signature });

describe('verifyFacebookSignature', () => {
  it('accepts the exact bytes Meta signed, with \\u00e4 escapes and \\/ slashes', () => {
    // Prepare
    const signature = signFacebookBody(metaBody, secret);

    // Act
    const check = verifyFacebookSignature(headersWith(signature), metaBody, secret);

    // Assess
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(check).toEqual({ ok: true });
  });

  it('matches an HMAC computed independently (openssl dgst -sha256 -hmac secret)', () => {
    expect(signFacebookBody('{}', 'secret')).toBe(
      'sha256=77325902caca812dc259733aacd046b73817372c777b8d95b402647474516e13',
    );
  });

  it('rejects a body that was parsed and re-serialised (the signature covers the escaped text)', () => {
    const signature = signFacebookBody(metaBody, secret);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(metaBody.toString('utf8'))), 'utf8');

    expect(reserialised.equals(metaBody)).toBe(false);
    expect(verifyFacebookSignature(headersWith(signature), reserialised, secret)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('accepts upper-case hex digits', () => {
    const signature = signFacebookBody(metaBody, secret);
    expect(
      verifyFacebookSignature(headersWith(`sha256=${signature.slice(7).toUpperCase()}`), metaBody, secret).ok,
    ).toBe(true);
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'missing'],
    ['sha1 only', 'sha1=0123456789abcdef0123456789abcdef01234567', 'malformed'],
    ['not hex', `sha256=${'z'.repeat(64)}`, 'malformed'],
    ['too short', 'sha256=abcd', 'malformed'],
  ])('reports a %s signature as %s', (_name, header, reason) => {
    expect(verifyFacebookSignature(headersWith(header), metaBody, secret)).toEqual({ ok: false, reason });
  });

  it('rejects a signature made with another secret', () => {
    const forged = signFacebookBody(metaBody, 'another-secret');
    expect(verifyFacebookSignature(headersWith(forged), metaBody, secret)).toEqual({ ok: false, reason: 'mismatch' });
  });
});
