import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import type { RawRequest } from './http';
import { mutateText, textMutation, type TextMutation } from './mutations';

/** What to change in a `signed_request`: the whole value, the signature part, the payload part, or a look-alike. */
export type SignedRequestPlan =
  | { part: 'whole' | 'signature' | 'payload'; change: TextMutation }
  | { part: 'forge'; how: 'wrong-secret' | 'alg-none' | 'alg-hs1' | 'user-swap' | 'no-signature' | 'sign-decoded' }
  | { part: 'control' }
  | { part: 'content-type'; value: string };

/** Plans for `signed_request` bodies; a few untouched controls (which an unknown user still gets a 200 for). */
export const signedRequestPlan: fc.Arbitrary<SignedRequestPlan> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      part: fc.constantFrom('whole' as const, 'signature' as const, 'payload' as const),
      change: textMutation,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      part: fc.constant('forge' as const),
      how: fc.constantFrom(
        'wrong-secret' as const,
        'alg-none' as const,
        'alg-hs1' as const,
        'user-swap' as const,
        'no-signature' as const,
        'sign-decoded' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ part: 'control' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      part: fc.constant('content-type' as const),
      value: fc.constantFrom('application/json', 'text/plain', 'multipart/form-data'),
    }),
  },
);

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const sign = (secret: string, encodedPayload: string) =>
  createHmac('sha256', secret).update(encodedPayload).digest('base64url');

/** A valid `signed_request` for a user we never saw, issued now. */
export function validSignedRequest(secret: string, userId = '900000000000000001'): string {
  const payload = b64url(
    JSON.stringify({ algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: userId }),
  );
  return `${sign(secret, payload)}.${payload}`;
}

/** The form POST Meta sends. */
export function signedRequestPost(
  path: string,
  value: string,
  contentType = 'application/x-www-form-urlencoded',
): RawRequest {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': contentType },
    body: Buffer.from(new URLSearchParams({ signed_request: value }).toString()),
  };
}

/** Applies a plan to a valid value; returns the request and the value it carries. */
export function applySignedRequestPlan(
  path: string,
  base: string,
  plan: SignedRequestPlan,
  secret: string,
): { request: RawRequest; value: string } {
  const [sig = '', payload = ''] = base.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = (p: Record<string, unknown>, key: string) => {
    const enc = b64url(JSON.stringify(p));
    return `${sign(key, enc)}.${enc}`;
  };
  let value = base;
  if (plan.part === 'whole') value = mutateText(base, plan.change);
  else if (plan.part === 'signature') value = `${mutateText(sig, plan.change)}.${payload}`;
  else if (plan.part === 'payload') value = `${sig}.${mutateText(payload, plan.change)}`;
  else if (plan.part === 'forge') {
    if (plan.how === 'wrong-secret') value = forged(decoded, `${secret}x`);
    if (plan.how === 'alg-none') value = `.${b64url(JSON.stringify({ ...decoded, algorithm: 'none' }))}`;
    if (plan.how === 'alg-hs1') value = `${sig}.${b64url(JSON.stringify({ ...decoded, algorithm: 'HMAC-SHA1' }))}`;
    if (plan.how === 'user-swap')
      value = `${sig}.${b64url(JSON.stringify({ ...decoded, user_id: '900000000000000002' }))}`;
    if (plan.how === 'no-signature') value = payload;
    if (plan.how === 'sign-decoded')
      value = `${createHmac('sha256', secret).update(JSON.stringify(decoded)).digest('base64url')}.${payload}`;
  }
  const request = signedRequestPost(path, value, plan.part === 'content-type' ? plan.value : undefined);
  return { request, value };
}

/** Same signed content: the identical encoded payload and the same signature bytes (base64 and base64url spell them alike). */
export function sameSignedRequest(a: string, b: string): boolean {
  const [sa = '', pa = ''] = a.trim().split('.', 2);
  const [sb = '', pb = ''] = b.trim().split('.', 2);
  return (
    pa === pb && b.trim().split('.').length === 2 && Buffer.from(sa, 'base64url').equals(Buffer.from(sb, 'base64url'))
  );
}
