import { randomBytes } from 'node:crypto';

/** Lifetime of an expiring offline access token (contract §2.5). */
export const ACCESS_TOKEN_TTL_SEC = 3600;
/** Lifetime of a refresh token: 90 days. */
export const REFRESH_TOKEN_TTL_SEC = 7_776_000;
/** Lifetime of an online (per-user) token. */
export const ONLINE_TOKEN_TTL_SEC = 86_399;
const CODE_TTL_MS = 600_000;
const GRACE_AFTER_FIRST_USE_MS = 30 * 86_400_000;

/** Body of a successful `/admin/oauth/access_token` answer. */
export type TokenResponse = Record<string, unknown> & { access_token: string; scope: string };

interface AccessToken {
  shop: string;
  scope: string;
  expiresAtMs: number | null;
  revoked: boolean;
  used: boolean;
}
interface RefreshToken {
  token: string;
  scope: string;
  expiresAtMs: number;
  firstUsedMs: number | null;
}
interface Pair {
  access: string;
  refresh: RefreshToken;
  previous: RefreshToken | null;
}
interface Code {
  shop: string;
  scope: string;
  online: boolean;
  createdMs: number;
}

/** Authorization codes, access tokens and refresh-token rotation for every shop of one app. */
export class TokenStore {
  private readonly codes = new Map<string, Code>();
  private readonly access = new Map<string, AccessToken>();
  private readonly pairs = new Map<string, Pair>();

  constructor(private readonly now: () => number) {}

  /** Issues a single-use authorization code. */
  issueCode(shop: string, scope: string, online: boolean): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { shop, scope, online, createdMs: this.now() });
    return code;
  }

  /** Consumes a code; null when unknown, used, expired or issued for another shop. */
  redeemCode(shop: string, code: string): Code | null {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry || entry.shop !== shop || this.now() - entry.createdMs > CODE_TTL_MS) return null;
    return entry;
  }

  /** Issues a token; an expiring offline grant also gets a refresh token and retires the shop's previous pair. */
  issue(shop: string, scope: string, mode: { expiring: boolean; online: boolean }): TokenResponse {
    if (mode.online) {
      const token = this.newAccess(shop, scope, ONLINE_TOKEN_TTL_SEC, 'shpua_');
      return {
        access_token: token,
        scope,
        expires_in: ONLINE_TOKEN_TTL_SEC,
        associated_user_scope: scope,
        associated_user: ASSOCIATED_USER,
      };
    }
    if (!mode.expiring) return { access_token: this.newAccess(shop, scope, null, 'shpat_'), scope };
    return this.newPair(shop, scope, null);
  }

  /** Rotates a refresh token (contract §2.5 grace rule); null when it is not valid. */
  refresh(shop: string, refreshToken: string): TokenResponse | null {
    const pair = this.pairs.get(shop);
    if (!pair) return null;
    const now = this.now();
    const isCurrent = pair.refresh.token === refreshToken && pair.refresh.expiresAtMs > now;
    const prev = pair.previous;
    // The previous refresh token survives until the replacement access token is first used (a lost response may be retried).
    const isGrace =
      prev !== null &&
      prev.token === refreshToken &&
      prev.expiresAtMs > now &&
      !this.access.get(pair.access)?.used &&
      (prev.firstUsedMs === null || now - prev.firstUsedMs < GRACE_AFTER_FIRST_USE_MS);
    if (!isCurrent && !isGrace) return null;
    const used = isCurrent ? pair.refresh : (prev as RefreshToken);
    used.firstUsedMs ??= now;
    return this.newPair(shop, used.scope, used);
  }

  /** Migrates a non-expiring offline token to an expiring pair, revoking the old token. */
  exchangeLegacy(shop: string, subjectToken: string): TokenResponse | null {
    const old = this.access.get(subjectToken);
    if (!old || old.shop !== shop || old.revoked || old.expiresAtMs !== null) return null;
    old.revoked = true;
    return this.newPair(shop, old.scope, null);
  }

  /** Returns the granted scope when the token is valid for the shop (and records its first use), else null. */
  authenticate(shop: string, token: string): string | null {
    const entry = this.access.get(token);
    if (!entry || entry.shop !== shop || entry.revoked) return null;
    if (entry.expiresAtMs !== null && entry.expiresAtMs <= this.now()) return null;
    entry.used = true;
    return entry.scope;
  }

  /** Revokes every token and refresh token of a shop (uninstall). */
  revokeShop(shop: string): void {
    for (const entry of this.access.values()) if (entry.shop === shop) entry.revoked = true;
    this.pairs.delete(shop);
  }

  /** Makes every access token of a shop expire now, leaving refresh tokens valid. */
  expireAccessTokens(shop: string): void {
    for (const entry of this.access.values())
      if (entry.shop === shop && entry.expiresAtMs !== null) entry.expiresAtMs = this.now();
  }

  private newPair(shop: string, scope: string, previous: RefreshToken | null): TokenResponse {
    const access = this.newAccess(shop, scope, ACCESS_TOKEN_TTL_SEC, 'shpat_');
    const refresh: RefreshToken = {
      token: `shprt_${randomBytes(16).toString('hex')}`,
      scope,
      expiresAtMs: this.now() + REFRESH_TOKEN_TTL_SEC * 1000,
      firstUsedMs: null,
    };
    this.pairs.set(shop, { access, refresh, previous });
    return {
      access_token: access,
      scope,
      expires_in: ACCESS_TOKEN_TTL_SEC,
      refresh_token: refresh.token,
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SEC,
    };
  }

  private newAccess(shop: string, scope: string, ttlSec: number | null, prefix: string): string {
    const token = `${prefix}${randomBytes(16).toString('hex')}`;
    this.access.set(token, {
      shop,
      scope,
      expiresAtMs: ttlSec === null ? null : this.now() + ttlSec * 1000,
      revoked: false,
      used: false,
    });
    return token;
  }
}

const ASSOCIATED_USER = {
  id: 902541635,
  first_name: 'John',
  last_name: 'Smith',
  email: 'john@example.com',
  email_verified: true,
  account_owner: true,
  locale: 'en',
  collaborator: false,
};
