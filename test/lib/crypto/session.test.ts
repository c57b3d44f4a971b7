import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE, issueSessionCookie, requireSession } from '../../../lib/crypto/session';
import { UnauthorizedError } from '../../../lib/errors';

const secret = 'a-session-secret-of-at-least-32-characters!';
const claims = { sub: '550e8400-e29b-41d4-a716-446655440000', shop: 'acme.myshopify.com' };
const now = Date.UTC(2026, 10, 26);

const requestWith = (cookie: string) => new Request('https://x.invalid/', { headers: { cookie } });
const tokenOf = (setCookie: string) => decodeURIComponent(setCookie.split(';')[0]!.split('=')[1]!);

async function reject(cookie: string, at = now): Promise<UnauthorizedError> {
  try {
    await requireSession(requestWith(cookie), { secret, now: at });
  } catch (err) {
    return err as UnauthorizedError;
  }
  throw new Error('session was accepted');
}

describe('session cookie', () => {
  it('round-trips with HttpOnly, Secure, SameSite=Lax and the APP_URL path', async () => {
    const setCookie = await issueSessionCookie(claims, { secret, appUrl: 'https://faas.example/api/v1/web/fn-1', now });
    expect(setCookie).toMatch(/^session_id=/);
    expect(setCookie).toContain('Path=/api/v1/web/fn-1');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('Secure');
    expect(setCookie).toContain('SameSite=Lax');
    const session = await requireSession(requestWith(`${SESSION_COOKIE}=${tokenOf(setCookie)}`), { secret, now });
    expect(session).toEqual(claims);
  });

  it('distinguishes missing, expired and tampered sessions', async () => {
    const token = tokenOf(await issueSessionCookie(claims, { secret, appUrl: 'http://localhost:5000', now }));
    expect((await reject('other=1')).code).toBe('session_missing');
    expect((await reject(`session_id=${token}`, now + 8 * 24 * 3600 * 1000)).code).toBe('session_expired');
    const [h, p, s] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url');
    expect((await reject(`session_id=${h}.${forgedPayload}.${s}`)).code).toBe('session_invalid');
    expect((await reject('session_id=not-a-jwt')).message).toMatch(/run Shopify login again/);
  });

  it('rejects alg:none and tokens signed with another key', async () => {
    const none = new UnsecuredJWT({ ...claims })
      .setIssuer('gpt-sales-bot')
      .setAudience('session')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();
    expect((await reject(`session_id=${none}`)).code).toBe('session_invalid');
    const wrongKey = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('gpt-sales-bot')
      .setAudience('session')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 3600)
      .sign(new TextEncoder().encode(secret));
    expect((await reject(`session_id=${wrongKey}`)).code).toBe('session_invalid');
  });
});
