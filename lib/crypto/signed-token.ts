import type { JWTPayload } from 'jose';
import { deriveKey } from './derive-key';

/** Why a signed token was refused. */
export const TokenRejection = { missing: 'missing', expired: 'expired', invalid: 'invalid' } as const;
/** One of the `TokenRejection` reasons. */
export type TokenRejectionReason = (typeof TokenRejection)[keyof typeof TokenRejection];

/** Result of verifying a signed token. */
export type VerifyResult<T> = { ok: true; claims: T & JWTPayload } | { ok: false; reason: TokenRejectionReason };

const CLOCK_TOLERANCE_SEC = 5;
const ISSUER = 'gpt-sales-bot';

/**
 * Signs `claims` as an HS256 JWT for one purpose (its audience), with a key derived for that purpose
 * from `secret`, expiring `ttlSeconds` after `now`.
 */
export async function signToken(
  claims: Record<string, unknown>,
  options: { secret: string; purpose: string; ttlSeconds: number; now: number },
): Promise<string> {
  const iat = Math.floor(options.now / 1000);
  // jose loads on first use: a function whose first step is a Spaces request does not pay for it before (issue 14).
  const { SignJWT } = await import('./jose-jwt');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(options.purpose)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.ttlSeconds)
    .sign(deriveKey(options.secret, `jwt/${options.purpose}`));
}

/**
 * Verifies a token made by `signToken` for the same purpose: HS256 only (so `alg: none` and
 * algorithm swaps fail), issuer and audience pinned, expiry required.
 */
export async function verifyToken<T extends Record<string, unknown>>(
  token: string | undefined,
  options: { secret: string; purpose: string; now: number },
): Promise<VerifyResult<T>> {
  if (!token) return { ok: false, reason: TokenRejection.missing };
  if (!isCanonicalJws(token)) return { ok: false, reason: TokenRejection.invalid };
  const { errors, jwtVerify } = await import('./jose-jwt');
  try {
    const { payload } = await jwtVerify(token, deriveKey(options.secret, `jwt/${options.purpose}`), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: options.purpose,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_SEC,
      currentDate: new Date(options.now),
    });
    return { ok: true, claims: payload as T & JWTPayload };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: TokenRejection.expired };
    return { ok: false, reason: TokenRejection.invalid };
  }
}

// jose decodes base64url leniently (`=` padding, non-zero unused bits), so one signature has many spellings.
// Only the spelling SignJWT produces is accepted: a token is then one string, never a look-alike variant.
function isCanonicalJws(token: string): boolean {
  const parts = token.split('.');
  return (
    parts.length === 3 &&
    parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p) && Buffer.from(p, 'base64url').toString('base64url') === p)
  );
}
