import { createHmac } from 'node:crypto';
import { safeCompare } from '../crypto/safe-compare';

/** The header Meta signs Page and Messenger notifications with (contract §7.3). */
export const SIGNATURE_HEADER = 'x-hub-signature-256';
const PREFIX = 'sha256=';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** `sha256=<lower-case hex HMAC-SHA256(app secret, raw body)>`, exactly as Meta sends it. */
export function signFacebookBody(body: Uint8Array | string, appSecret: string): string {
  return `${PREFIX}${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** Why a delivery's signature was refused. */
export const SignatureRejection = {
  missing: 'missing',
  malformed: 'malformed',
  mismatch: 'mismatch',
} as const;
/** One of the `SignatureRejection` reasons. */
export type SignatureRejectionReason = (typeof SignatureRejection)[keyof typeof SignatureRejection];

/** Outcome of checking `X-Hub-Signature-256`. */
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureRejectionReason };

/**
 * Verifies `X-Hub-Signature-256` over the exact raw bytes in constant time. Meta signs the escaped
 * text it sends (`\u00e4`, `\/`), so the body must never be parsed and re-serialised first.
 */
export function verifyFacebookSignature(headers: Headers, body: Uint8Array, appSecret: string): SignatureCheck {
  const given = headers.get(SIGNATURE_HEADER)?.trim();
  if (!given) return { ok: false, reason: SignatureRejection.missing };
  if (!given.toLowerCase().startsWith(PREFIX) || !HEX_SHA256.test(given.slice(PREFIX.length))) {
    return { ok: false, reason: SignatureRejection.malformed };
  }
  const expected = signFacebookBody(body, appSecret).slice(PREFIX.length);
  return safeCompare(expected, given.slice(PREFIX.length).toLowerCase())
    ? { ok: true }
    : { ok: false, reason: SignatureRejection.mismatch };
}

/** HTTP status and a message saying what to check, for each rejection. */
export const SIGNATURE_ERRORS: Record<SignatureRejectionReason, { status: 400 | 401; message: string }> = {
  missing: {
    status: 400,
    message: 'X-Hub-Signature-256 header is missing: Meta signs every delivery; is this request really from Meta?',
  },
  malformed: { status: 400, message: 'X-Hub-Signature-256 must look like sha256=<64 hex digits>.' },
  mismatch: {
    status: 401,
    message:
      'X-Hub-Signature-256 does not match the raw body: check FACEBOOK_APP_SECRET, and that nothing between Meta and this function re-encodes the body.',
  },
};
