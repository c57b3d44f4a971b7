import { randomBytes } from 'node:crypto';
import { tokenStateError, type GraphError } from './errors';
import { applyPagePatch, defaultPages, generatedPage } from './pages';
import type {
  AppSubscription,
  AuthCodeRecord,
  FacebookEmulatorOptions,
  FacebookEmulatorStats,
  FacebookFault,
  FacebookPage,
  FacebookPagePatch,
  FacebookUser,
  TokenRecord,
  TokenState,
} from './types';

/** `expires_in` of a long-lived user token (about 60 days, contract §2.3). */
export const LONG_LIVED_EXPIRES_IN = 5_183_944;
/** Lifetime of a Page token derived from a short-lived user token (contract §3). */
export const SHORT_PAGE_TOKEN_SECONDS = 3600;
/** User tokens living longer than this count as long-lived. */
const SHORT_LIVED_MAX_SECONDS = 7200;
/** Scopes granted when a flow names none (Login for Business `config_id`, test shortcuts). */
export const DEFAULT_SCOPES = [
  'pages_show_list',
  'pages_read_engagement',
  'pages_manage_metadata',
  'pages_messaging',
  'business_management',
  'public_profile',
];

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<FacebookEmulatorOptions, 'port'>>;

/** Input of `emulator.seedUser`. */
export interface SeedUserInput {
  userId?: string;
  name?: string;
  email?: string;
  /** A count of generated Pages, or Pages to create with only the given fields set (or to link and patch, when the id already exists). */
  pages: number | Array<FacebookPagePatch & { id?: string }>;
}

/** Random alphanumeric text, the alphabet Meta uses for tokens and codes. */
export function randomAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/** All mutable emulator state: users, Pages, tokens, codes, subscriptions, faults and counters. */
export class EmulatorState {
  readonly users = new Map<string, FacebookUser>();
  readonly pages = new Map<string, FacebookPage>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly codes = new Map<string, AuthCodeRecord>();
  /** Page id → fields our app is subscribed to at page level. */
  readonly pageSubscriptions = new Map<string, string[]>();
  /** Object (`page`) → app-level subscription. */
  readonly appSubscriptions = new Map<string, AppSubscription>();
  readonly pageTokenStates = new Map<string, TokenState>();
  readonly userTokenStates = new Map<string, TokenState>();
  readonly faults: FacebookFault[] = [];
  readonly stats: FacebookEmulatorStats = { total: 0, calls: {}, routes: {}, errors: {}, deliveries: 0 };
  /** Aborted by `close()` so in-flight deliveries and delays end with the server. */
  readonly lifetime = new AbortController();
  dialogMode: 'approve' | 'deny' = 'approve';
  nextLogin: string | undefined;
  private defaultUserId: string | undefined;
  private readonly pageTokenCache = new Map<string, string>();
  private seq = 0;

  constructor(readonly options: ResolvedOptions) {}

  /** Current time in epoch seconds, from the injected clock. */
  nowSeconds(): number {
    return Math.floor(this.options.now() / 1000);
  }

  /** Creates a user with Pages; the id defaults to a fresh app-scoped numeric string. */
  seedUser(input: SeedUserInput): FacebookUser {
    const id = input.userId ?? `1220${String(++this.seq).padStart(13, '0')}`;
    if (this.users.has(id)) throw new Error(`Facebook emulator: user ${id} already exists`);
    const specs: Array<FacebookPagePatch & { id?: string }> =
      typeof input.pages === 'number' ? Array.from({ length: input.pages }, () => ({})) : input.pages;
    const pageIds = specs.map((spec, i) => {
      const existing = spec.id === undefined ? undefined : this.pages.get(spec.id);
      if (existing) {
        applyPagePatch(existing, spec);
        return existing.id;
      }
      const id = spec.id ?? `1080${String(++this.seq).padStart(11, '0')}`;
      // A count gets richly generated Pages; explicit Pages keep only what they set (plus the always-present basics).
      const generated = generatedPage(id, i + 1);
      const page: FacebookPage =
        typeof input.pages === 'number'
          ? generated
          : { id, name: generated.name, category: generated.category, link: generated.link, tasks: generated.tasks };
      applyPagePatch(page, spec);
      this.pages.set(page.id, page);
      return page.id;
    });
    const user: FacebookUser = { id, name: input.name ?? `Test User ${this.users.size + 1}`, pageIds };
    if (input.email) user.email = input.email;
    this.users.set(id, user);
    return user;
  }

  /** The default user (created on first use) managing the two default Pages. */
  ensureDefaultUser(): FacebookUser {
    const known = this.defaultUserId === undefined ? undefined : this.users.get(this.defaultUserId);
    if (known) return known;
    const user = this.seedUser({
      userId: '122104587654321098',
      name: 'Maria Santos',
      email: 'maria@fastonlinestore.ph',
      pages: defaultPages(),
    });
    this.defaultUserId = user.id;
    return user;
  }

  /** Who the next dialog approval logs in: the `setNextLogin` user once, else the default user. */
  takeLoginUser(): FacebookUser {
    const next = this.nextLogin === undefined ? undefined : this.users.get(this.nextLogin);
    this.nextLogin = undefined;
    return next ?? this.ensureDefaultUser();
  }

  /** Issues a user token; `expiresIn` > 2 h makes it long-lived. */
  issueUserToken(
    userId: string,
    scopes: string[],
    expiresIn: number,
    longLived = expiresIn > SHORT_LIVED_MAX_SECONDS,
  ): TokenRecord {
    const issuedAt = this.nowSeconds();
    const record: TokenRecord = {
      token: `EAA${randomAlnum(180)}`,
      kind: 'user',
      userId,
      scopes,
      issuedAt,
      expiresAt: issuedAt + expiresIn,
      longLived,
    };
    this.tokens.set(record.token, record);
    return record;
  }

  /** The Page token derived from a user token (stable per pair): never expires if the user token is long-lived, else 1 h. */
  pageTokenFor(userToken: TokenRecord, pageId: string): TokenRecord {
    const key = `${userToken.token}:${pageId}`;
    const cached = this.pageTokenCache.get(key);
    const existing = cached === undefined ? undefined : this.tokens.get(cached);
    if (existing) return existing;
    const issuedAt = this.nowSeconds();
    const expiresAt = userToken.longLived ? 0 : Math.min(userToken.expiresAt, issuedAt + SHORT_PAGE_TOKEN_SECONDS);
    const record: TokenRecord = {
      token: `EAA${randomAlnum(200)}`,
      kind: 'page',
      userId: userToken.userId,
      pageId,
      scopes: userToken.scopes,
      issuedAt,
      expiresAt,
      longLived: userToken.longLived,
    };
    this.tokens.set(record.token, record);
    this.pageTokenCache.set(key, record.token);
    return record;
  }

  /** Stores a fresh single-use authorization code. */
  createCode(userId: string, scopes: string[], redirectUri: string | null): AuthCodeRecord {
    const record: AuthCodeRecord = {
      code: `AQ${randomAlnum(254)}`,
      userId,
      scopes,
      redirectUri,
      issuedAtMs: this.options.now(),
      used: false,
    };
    this.codes.set(record.code, record);
    return record;
  }

  /** The Graph error a dead token gets (what `debug_token` reports too), or null while the token is valid. */
  tokenError(record: TokenRecord): GraphError | null {
    const state = this.tokenState(record);
    if (state === 'valid') return null;
    return tokenStateError(state, {
      appId: this.options.appId,
      userId: record.userId,
      nowSeconds: this.nowSeconds(),
      expiresAt: record.expiresAt,
    });
  }

  /** Effective state of a token: switched state first, then expiry by the clock. */
  tokenState(record: TokenRecord): TokenState {
    const userState = this.userTokenStates.get(record.userId) ?? 'valid';
    let state: TokenState = userState;
    if (record.kind === 'page' && record.pageId !== undefined) {
      const pageState = this.pageTokenStates.get(record.pageId) ?? 'valid';
      // Password resets and app removal kill every token of the user; expiry of a user token does not kill derived page tokens.
      state =
        pageState !== 'valid'
          ? pageState
          : userState === 'password_changed' || userState === 'app_removed' || userState === 'invalid'
            ? userState
            : 'valid';
      if (state === 'valid' && !this.users.get(record.userId)?.pageIds.includes(record.pageId)) state = 'role_lost';
    }
    if (state === 'valid' && record.expiresAt !== 0 && record.expiresAt <= this.nowSeconds()) state = 'expired';
    return state;
  }

  /** Pages the user manages, in seeding order. */
  userPages(userId: string): FacebookPage[] {
    const ids = this.users.get(userId)?.pageIds ?? [];
    return ids.map((id) => this.pages.get(id)).filter((p): p is FacebookPage => p !== undefined);
  }

  /** Counts one served request. */
  countCall(method: string, path: string, route: string): void {
    this.stats.total++;
    const key = `${method} ${path}`;
    this.stats.calls[key] = (this.stats.calls[key] ?? 0) + 1;
    const routeKey = `${method} ${route}`;
    this.stats.routes[routeKey] = (this.stats.routes[routeKey] ?? 0) + 1;
  }

  /** Counts one error reply. */
  countError(key: string): void {
    this.stats.errors[key] = (this.stats.errors[key] ?? 0) + 1;
  }
}
