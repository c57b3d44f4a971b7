import { randomBytes } from 'node:crypto';
import { appPath } from '../config';
import { safeCompare } from '../crypto/safe-compare';
import { signToken, verifyToken } from '../crypto/signed-token';
import { BadRequestError, UnauthorizedError } from '../errors';
import { parseCookies, serializeCookie } from './cookies';

/** What signing and scoping the cookie needs from the config. */
export interface StateConfig {
  APP_URL: string;
  SESSION_SECRET: string;
}

/** The state cookie lasts 10 minutes, as the messages below say. */
const STATE_TTL_SECONDS = 600;

/**
 * A platform login's state cookie, `<platform>_oauth_state`: a signed JWT, scoped to `/<platform>/callback`, that
 * binds the nonce sent as `state` to what the login started for (the Shopify shop, or the session's UUID for Facebook).
 */
export class OAuthStateCookie {
  /** The cookie's name. */
  readonly name: string;
  /** The JWT's purpose (its audience and key derivation label). */
  private readonly purpose: string;
  private readonly callback: string;

  /** `label` names the flow in messages, such as `OAuth` or `Facebook login`. */
  constructor(
    platform: 'shopify' | 'facebook',
    private readonly label: string,
  ) {
    this.name = `${platform}_oauth_state`;
    this.purpose = `${platform}-oauth-state`;
    this.callback = `/${platform}/callback`;
  }

  private path(appUrl: string): string {
    return `${appPath(appUrl).replace(/\/$/, '')}${this.callback}`;
  }

  /**
   * Starts a login: a fresh nonce goes to the platform as `state` in the URL `authorizeUrl` builds, and the returned
   * `Set-Cookie` binds it to `claims` until the callback.
   */
  async begin(
    claims: Record<string, string>,
    config: StateConfig,
    now: number,
    authorizeUrl: (state: string) => string,
  ): Promise<{ location: string; cookie: string }> {
    const nonce = randomBytes(32).toString('base64url');
    const jwt = await signToken(
      { ...claims, nonce },
      { secret: config.SESSION_SECRET, purpose: this.purpose, ttlSeconds: STATE_TTL_SECONDS, now },
    );
    const cookie = serializeCookie(this.name, jwt, {
      path: this.path(config.APP_URL),
      maxAgeSeconds: STATE_TTL_SECONDS,
      sameSite: 'Lax',
    });
    return { location: authorizeUrl(nonce), cookie };
  }

  /** The `Set-Cookie` that deletes the state cookie once the callback has used it. */
  clear(appUrl: string): string {
    return serializeCookie(this.name, '', { path: this.path(appUrl), maxAgeSeconds: 0, sameSite: 'Lax' });
  }

  /**
   * Verifies the state cookie and its nonce against the callback's `state` parameter, and returns the other claims
   * for the caller to check. Every refusal ends with `restart`, which tells the merchant where to begin again.
   */
  async verify(
    request: Request,
    state: string | null,
    checks: { config: Pick<StateConfig, 'SESSION_SECRET'>; now: number; restart: string },
  ): Promise<Record<string, unknown>> {
    const { config, now, restart } = checks;
    const jwt = parseCookies(request.headers.get('cookie')).get(this.name);
    if (!jwt) {
      throw new BadRequestError(
        `The ${this.label} state cookie is missing (it expires after 10 minutes, and a browser that blocks cookies drops it). ${restart}`,
        { code: 'state_cookie_missing' },
      );
    }
    const result = await verifyToken<Record<string, unknown>>(jwt, {
      secret: config.SESSION_SECRET,
      purpose: this.purpose,
      now,
    });
    if (!result.ok) {
      throw new BadRequestError(`The ${this.label} state cookie is ${result.reason}. ${restart}`, {
        code: `state_${result.reason}`,
      });
    }
    const { nonce } = result.claims;
    if (!state || typeof nonce !== 'string' || !safeCompare(nonce, state)) {
      throw new UnauthorizedError(`The ${this.label} state does not match this browser's login. ${restart}`, {
        code: 'state_mismatch',
      });
    }
    return result.claims;
  }
}
