import * as z from 'zod/mini';
import { ConfigError } from './errors';

/** The seed's Shopify scopes: what a sales bot reads, plus the writes the tutorial asked for. */
export const DEFAULT_SHOPIFY_SCOPES =
  'read_product_listings,read_inventory,read_discounts,read_locations,read_products,write_products,write_inventory';
/** What a sales bot needs from a Page. */
export const DEFAULT_FACEBOOK_SCOPES = 'pages_show_list,pages_read_engagement,pages_manage_metadata,pages_messaging';

/** Names whose values must never be echoed. */
const SECRET_KEYS = new Set([
  'SPACES_SECRET',
  'SESSION_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'SHOPIFY_API_SECRET',
  'SHOPIFY_API_SECRET_PREVIOUS',
  'FACEBOOK_APP_SECRET',
  'FACEBOOK_VERIFY_TOKEN',
  'FN_API_KEY',
]);

// The deployer turns an unresolved `${VAR}` into the literal `<VAR>`: treat that as unset.
const unset = (v: unknown) =>
  typeof v === 'string' && (v.trim() === '' || /^<[A-Za-z0-9_]+>$/.test(v.trim())) ? undefined : v;
// zod/mini (tree-shakable, a fraction of classic zod's load time): every function parses its config on its first call.
// Its error messages are not localised, so each check names what is expected.
const trimmed = z.transform((v: unknown) => (typeof v === 'string' ? unset(v.trim()) : v));
const noSlash = z.transform((v: unknown) =>
  typeof v === 'string' ? (unset(v.trim()) as string | undefined)?.replace(/\/+$/, '') : v,
);
const text = () => z.string({ error: 'must be set' });
const str = () => z.pipe(trimmed, text());
const strOr = (fallback: string) => z.pipe(trimmed, z._default(text(), fallback));
const optStr = () => z.pipe(trimmed, z.optional(text()));
const httpUrl = (message: string) => z.url({ protocol: /^https?$/, error: message });
const origin = (fallback: string) => z.pipe(noSlash, z._default(httpUrl('must be an http(s) URL'), fallback));
const matching = (re: RegExp, message: string) => z.string().check(z.regex(re, message));
const int = (min: number, max: number, fallback: number) =>
  z.pipe(
    z.transform(unset),
    z._default(
      z.coerce
        .number({ error: `must be a whole number from ${min} to ${max}` })
        .check(
          z.refine((n) => Number.isInteger(n) && n >= min && n <= max, `must be a whole number from ${min} to ${max}`),
        ),
      fallback,
    ),
  );

const coreShape = () => ({
  APP_URL: z.pipe(noSlash, httpUrl('must be the http(s) base URL of the functions')),
  SESSION_SECRET: z.pipe(str(), z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  TOKEN_ENCRYPTION_KEY: str().check(
    z.refine((v) => /^[A-Za-z0-9+/]{43}=?$/.test(v) && Buffer.from(v, 'base64').length === 32, {
      message: 'must be 32 random bytes in base64 (openssl rand -base64 32)',
    }),
  ),
  LOG_LEVEL: z.pipe(
    z.transform(unset),
    z._default(z.enum(['debug', 'info', 'warn', 'error'], 'must be debug, info, warn or error'), 'info'),
  ),
});

const spacesShape = () => ({
  SPACES_ENDPOINT: origin('https://nyc3.digitaloceanspaces.com'),
  SPACES_REGION: strOr('nyc3'),
  SPACES_BUCKET: z.pipe(str(), matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name')),
  SPACES_KEY: str(),
  SPACES_SECRET: str(),
});

const shopifyShape = () => ({
  SHOPIFY_API_KEY: str(),
  SHOPIFY_API_SECRET: str(),
  SHOPIFY_API_SECRET_PREVIOUS: optStr(),
  SHOPIFY_SCOPES: strOr(DEFAULT_SHOPIFY_SCOPES),
  SHOPIFY_API_VERSION: z.pipe(strOr('2026-07'), matching(/^(\d{4}-(01|04|07|10)|unstable)$/, 'must look like 2026-07')),
  SHOPIFY_CALLBACK_SYNC_BUDGET_MS: int(1000, 25_000, 16_000),
  SHOPIFY_ADMIN_ORIGIN: z.pipe(
    noSlash,
    z._default(
      text().check(
        z.refine((v) => v.includes('{shop}') && /^https?:\/\//.test(v), 'must be a URL template containing {shop}'),
      ),
      'https://{shop}',
    ),
  ),
});

const facebookShape = () => ({
  FACEBOOK_APP_ID: z.pipe(str(), matching(/^\d+$/, 'must be the numeric App ID')),
  FACEBOOK_APP_SECRET: str(),
  FACEBOOK_VERIFY_TOKEN: str(),
  FACEBOOK_GRAPH_VERSION: z.pipe(strOr('v25.0'), matching(/^v\d+\.\d+$/, 'must look like v25.0')),
  FACEBOOK_SCOPES: strOr(DEFAULT_FACEBOOK_SCOPES),
  FACEBOOK_GRAPH_ORIGIN: origin('https://graph.facebook.com'),
  FACEBOOK_WWW_ORIGIN: origin('https://www.facebook.com'),
  FACEBOOK_MESSAGING_FORWARD_URL: z.pipe(z.transform(unset), z.optional(z.url({ error: 'must be a URL' }))),
});

const functionsShape = () => ({
  FN_API_HOST: z.pipe(z.transform(unset), z.optional(z.url({ error: 'must be a URL' }))),
  FN_API_KEY: z.pipe(z.transform(unset), z.optional(matching(/^[^:]+:.+$/, 'must be <id>:<secret>'))),
  FN_NAMESPACE: optStr(),
});

// Tuning of the daily poll; the limits stay under DO's namespace limits (600 invocations/min, 120 concurrent) with headroom for webhooks.
const pollShape = () => ({
  /** Worker invocations started per (scaled) minute. */
  POLL_MAX_PER_MINUTE: int(1, 600, 400),
  /** Worker activations in flight at once. */
  POLL_MAX_CONCURRENCY: int(1, 120, 80),
  /** Merchants (shops or pages) per worker invocation. */
  POLL_BATCH_SIZE: int(1, 500, 25),
  /** Merchants a worker syncs in parallel. */
  POLL_WORKER_CONCURRENCY: int(1, 32, 4),
  /** Batches run in parallel when there is no FN_API_KEY (in-process mode). */
  POLL_INPROCESS_CONCURRENCY: int(1, 32, 4),
  /** Catalogs with at least this many products are read with a bulk operation. */
  SHOPIFY_BULK_THRESHOLD: int(1, 10_000_000, 2000),
});

// Each area's schemas are built the first time a function asks for that area: a Shopify function never builds the
// Facebook or poll schemas.
const areaShapes = {
  core: coreShape,
  spaces: spacesShape,
  shopify: shopifyShape,
  facebook: facebookShape,
  functions: functionsShape,
  poll: pollShape,
};
type AreaShapes = { [K in keyof typeof areaShapes]: ReturnType<(typeof areaShapes)[K]> };
const builtShapes: Partial<AreaShapes> = {};
const shapeOf = <K extends Area>(area: K): AreaShapes[K] =>
  (builtShapes[area] ??= areaShapes[area]() as AreaShapes[K]) as AreaShapes[K];

/** A configuration area a function can ask for. */
export type Area = keyof typeof areaShapes;
type Parsed = { [K in Area]: z.infer<z.ZodMiniObject<AreaShapes[K]>> };
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The validated configuration of the areas `A`. */
export type Config<A extends Area = Area> = UnionToIntersection<Parsed[A]>;
/** Every area at once. */
export type FullConfig = Config<Area>;

/**
 * Validates and normalises the environment for the given areas. Throws one `ConfigError` naming every
 * missing or invalid variable; secret values are never part of the message.
 */
export function loadConfig<A extends Area>(env: Record<string, string | undefined>, need: readonly A[]): Config<A> {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const area of need) Object.assign(shape, shapeOf(area));
  if (need.includes('functions' as A) && unset(env.FN_API_HOST) === undefined && env.__OW_API_HOST) {
    env = { ...env, FN_API_HOST: env.__OW_API_HOST };
  }
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '?');
      const missing = env[key] === undefined || unset(env[key]) === undefined;
      if (missing) return `${key} is missing`;
      return SECRET_KEYS.has(key) ? `${key} is invalid (${issue.message})` : `${key} is invalid: ${issue.message}`;
    });
    throw new ConfigError([...new Set(issues)]);
  }
  return result.data as Config<A>;
}

/** The path part of APP_URL (`/api/v1/web/fn-…` on DO, `/` on a custom domain or locally). */
export function appPath(appUrl: string): string {
  const path = new URL(appUrl).pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

/** Every secret value in a config, for log redaction and tests. */
export function secretValues(config: Record<string, unknown>): string[] {
  return Object.entries(config)
    .filter(([k, v]) => SECRET_KEYS.has(k) && typeof v === 'string' && v.length >= 6)
    .map(([, v]) => v as string);
}
