import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import { safeCompare } from '../crypto/safe-compare';
import { BadRequestError, MethodNotAllowedError, PayloadTooLargeError, UnauthorizedError } from '../errors';

/** A signed_request is a few hundred bytes; anything near this is not from Meta. */
const MAX_FORM_BYTES = 16 * 1024;
/** How far Meta's clock may run ahead of ours. */
export const SIGNED_REQUEST_CLOCK_SKEW_SEC = 300;
/** A signed_request older than this is refused, so a captured one cannot be replayed later. */
export const SIGNED_REQUEST_MAX_AGE_SEC = 3600;
// Base64url, or plain base64 from other encoders, with or without `=` padding.
const B64 = /^[A-Za-z0-9_+/-]+={0,2}$/;
const SHA256_BYTES = 32;

/** The verified payload of a data-deletion or deauthorize `signed_request` (contract §9). */
export const SignedRequestPayloadSchema = z.looseObject({
  algorithm: z.string(),
  issued_at: z.int().check(z.nonnegative()),
  expires: z.optional(z.int().check(z.nonnegative())),
  // App-scoped user ids exceed 2^53: Meta sends them as strings; a number would already have lost digits.
  user_id: z.string().check(z.regex(/^\d{1,25}$/)),
});
/** A verified signed_request payload. */
export type SignedRequestPayload = z.infer<typeof SignedRequestPayloadSchema>;

/** Why a signed_request was refused. */
export const SignedRequestRejection = {
  missing: 'missing',
  malformed: 'malformed',
  algorithm: 'algorithm',
  mismatch: 'mismatch',
  stale: 'stale',
  future: 'future',
} as const;
/** One of the `SignedRequestRejection` reasons. */
export type SignedRequestRejectionReason = (typeof SignedRequestRejection)[keyof typeof SignedRequestRejection];

/** Outcome of verifying a signed_request. */
export type SignedRequestCheck =
  | { ok: true; payload: SignedRequestPayload }
  | { ok: false; reason: SignedRequestRejectionReason };

/** HTTP status, error code and a message saying what to check, for each rejection. */
export const SIGNED_REQUEST_ERRORS: Record<
  SignedRequestRejectionReason,
  { status: 400 | 401; code: string; message: string }
> = {
  missing: {
    status: 400,
    code: 'signed_request_missing',
    message: 'The form field signed_request is missing: Meta POSTs it form-encoded.',
  },
  malformed: {
    status: 400,
    code: 'signed_request_malformed',
    message:
      'signed_request must be <base64url signature>.<base64url JSON payload> with algorithm, issued_at and a string user_id.',
  },
  algorithm: {
    status: 400,
    code: 'signed_request_algorithm',
    message: 'signed_request must declare algorithm HMAC-SHA256.',
  },
  mismatch: {
    status: 401,
    code: 'invalid_signature',
    message:
      'signed_request signature does not match its payload: check FACEBOOK_APP_SECRET (the secret of the app whose dashboard calls this URL).',
  },
  stale: {
    status: 400,
    code: 'signed_request_expired',
    message: 'signed_request is too old (issued_at or expires is in the past); it may be a replay.',
  },
  future: {
    status: 400,
    code: 'signed_request_future',
    message: 'signed_request was issued in the future: check this server clock.',
  },
};

/**
 * Verifies Meta's `signed_request`: splits once at `.`, checks HMAC-SHA256(app secret, the still
 * encoded payload) in constant time, pins the algorithm (case-insensitively, as Meta's SDKs do) and
 * refuses stale or future requests. Never throws; rejections are values.
 */
export function verifySignedRequest(
  signedRequest: string,
  options: { appSecret: string; now: number },
): SignedRequestCheck {
  const fail = (reason: SignedRequestRejectionReason): SignedRequestCheck => ({ ok: false, reason });
  const value = signedRequest.trim();
  if (value === '') return fail('missing');
  const dot = value.indexOf('.');
  if (dot <= 0) return fail('malformed');
  const encodedSignature = value.slice(0, dot);
  const encodedPayload = value.slice(dot + 1);
  if (!B64.test(encodedSignature) || !B64.test(encodedPayload)) return fail('malformed');
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (signature.length !== SHA256_BYTES) return fail('malformed');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
  } catch {
    return fail('malformed');
  }
  const parsed = SignedRequestPayloadSchema.safeParse(decoded);
  if (!parsed.success) return fail('malformed');
  if (parsed.data.algorithm.toUpperCase() !== 'HMAC-SHA256') return fail('algorithm');
  const expected = createHmac('sha256', options.appSecret).update(encodedPayload).digest();
  if (!safeCompare(expected, signature)) return fail('mismatch');
  const nowSec = Math.floor(options.now / 1000);
  const { issued_at: issuedAt, expires } = parsed.data;
  if (issuedAt > nowSec + SIGNED_REQUEST_CLOCK_SKEW_SEC) return fail('future');
  if (issuedAt < nowSec - SIGNED_REQUEST_MAX_AGE_SEC) return fail('stale');
  if (expires !== undefined && expires > 0 && expires < nowSec - SIGNED_REQUEST_CLOCK_SKEW_SEC) return fail('stale');
  return { ok: true, payload: parsed.data };
}

/**
 * Reads the form-encoded `signed_request` of a POST and verifies it; throws the matching
 * `BadRequestError`/`UnauthorizedError` (with the reason's code) when it does not verify.
 */
export async function readSignedRequest(
  request: Request,
  options: { appSecret: string; now: number },
): Promise<SignedRequestPayload> {
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['POST']);
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > MAX_FORM_BYTES)
    throw new PayloadTooLargeError('The form body is larger than 16 KB; Meta sends only signed_request.');
  const type = request.headers.get('content-type') ?? '';
  if (type !== '' && !/^application\/x-www-form-urlencoded/i.test(type)) {
    throw new BadRequestError('Send signed_request as application/x-www-form-urlencoded, as Meta does.', {
      code: 'unsupported_content_type',
    });
  }
  const check = verifySignedRequest(new URLSearchParams(body.toString('utf8')).get('signed_request') ?? '', options);
  if (check.ok) return check.payload;
  const { status, code, message } = SIGNED_REQUEST_ERRORS[check.reason];
  if (status === 401) throw new UnauthorizedError(message, { code });
  throw new BadRequestError(message, { code });
}
