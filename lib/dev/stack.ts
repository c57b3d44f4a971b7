import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startFacebookEmulator, type FacebookEmulator, type FacebookEmulatorOptions } from './emulators/facebook';
import { startShopifyEmulator, type ShopifyEmulator, type ShopifyEmulatorOptions } from './emulators/shopify';
import { startHost, type Host, type HostOptions } from './host/start-host';
import {
  conditionalWritesFromEnv,
  spacesEnv,
  startLocalSpaces,
  type LocalSpaces,
  type LocalSpacesOptions,
} from './spaces';

/** Demo credentials the emulators use when no real ones are configured. */
export const DEMO = {
  SHOPIFY_API_KEY: 'demo-shopify-api-key',
  SHOPIFY_API_SECRET: 'demo-shopify-api-secret-0000000000',
  FACEBOOK_APP_ID: '100000000000001',
  FACEBOOK_APP_SECRET: 'demo-facebook-app-secret-000000000',
  FACEBOOK_VERIFY_TOKEN: 'demo-verify-token',
  SPACES_BUCKET: 'gpt-sales-bot',
} as const;

/** Options for {@link startStack}. */
export interface StackOptions {
  projectDir?: string;
  /** s3rver data lives in `<dataDir>/spaces`. */
  dataDir: string;
  /** The host's port; 0 picks a free one. */
  port?: number;
  /** The hostname in APP_URL (`localhost` for a browser, `127.0.0.1` in tests). */
  publicHost?: string;
  /** Variables the operator set (process env and .env); they override every default. */
  env?: Record<string, string | undefined>;
  sandbox?: boolean;
  shopify?: Partial<ShopifyEmulatorOptions>;
  facebook?: Partial<FacebookEmulatorOptions>;
  host?: Partial<HostOptions>;
  /**
   * Embedded Spaces: the strict profile is on unless `strict: false`; conditional writes follow
   * `LOCAL_SPACES_CONDITIONAL_WRITES` (`honour` by default, `ignore` for the degraded mode) unless set here.
   */
  spaces?: Pick<LocalSpacesOptions, 'strict' | 'conditionalWrites'>;
  /** Receives every log line of the functions and the host. */
  log?: (line: string) => void;
}

/** Everything `npm start` and the integration tests run. */
export interface Stack {
  host: Host;
  spaces: LocalSpaces | null;
  shopify: ShopifyEmulator | null;
  facebook: FacebookEmulator | null;
  /** The environment the functions were templated with. */
  env: Record<string, string>;
  appUrl: string;
  close(): Promise<void>;
}

/** Finds a free loopback port (the host needs its port before APP_URL is templated into project.yml). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

const defined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));

/**
 * Starts the local stack: embedded Spaces (unless SPACES_ENDPOINT is set), the Shopify and Facebook
 * emulators in sandbox mode, and the DO host serving the built bundles. Operator variables win
 * over every default.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const operator = defined(options.env ?? {});
  const sandbox = options.sandbox ?? (!operator.SHOPIFY_API_KEY && !operator.FACEBOOK_APP_ID);
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    let spaces: LocalSpaces | null = null;
    const defaults: Record<string, string> = {
      SPACES_REGION: 'us-east-1',
      SPACES_BUCKET: DEMO.SPACES_BUCKET,
    };
    if (!operator.SPACES_ENDPOINT) {
      spaces = await startLocalSpaces({
        dataDir: join(options.dataDir, 'spaces'),
        bucket: operator.SPACES_BUCKET ?? DEMO.SPACES_BUCKET,
        conditionalWrites: conditionalWritesFromEnv(),
        ...options.spaces,
      });
      started.push(spaces);
      Object.assign(defaults, spacesEnv(spaces));
    }
    let shopify: ShopifyEmulator | null = null;
    let facebook: FacebookEmulator | null = null;
    if (sandbox) {
      const shopifyKey = operator.SHOPIFY_API_KEY ?? DEMO.SHOPIFY_API_KEY;
      const shopifySecret = operator.SHOPIFY_API_SECRET ?? DEMO.SHOPIFY_API_SECRET;
      shopify = await startShopifyEmulator({ apiKey: shopifyKey, apiSecret: shopifySecret, ...options.shopify });
      started.push(shopify);
      const appId = operator.FACEBOOK_APP_ID ?? DEMO.FACEBOOK_APP_ID;
      const appSecret = operator.FACEBOOK_APP_SECRET ?? DEMO.FACEBOOK_APP_SECRET;
      facebook = await startFacebookEmulator({ appId, appSecret, ...options.facebook });
      started.push(facebook);
      Object.assign(defaults, {
        SHOPIFY_API_KEY: shopifyKey,
        SHOPIFY_API_SECRET: shopifySecret,
        SHOPIFY_ADMIN_ORIGIN: shopify.adminOriginTemplate,
        FACEBOOK_APP_ID: appId,
        FACEBOOK_APP_SECRET: appSecret,
        FACEBOOK_VERIFY_TOKEN: operator.FACEBOOK_VERIFY_TOKEN ?? DEMO.FACEBOOK_VERIFY_TOKEN,
        FACEBOOK_GRAPH_ORIGIN: facebook.graphOrigin,
        FACEBOOK_WWW_ORIGIN: facebook.wwwOrigin,
      });
    }
    const apiKey = operator.FN_API_KEY ?? `${randomUUID()}:${randomBytes(24).toString('hex')}`;
    // The port is picked last, after the other servers took their ephemeral ports, and picked again if another
    // process takes it between the probe and the listen (the functions' APP_URL must name it before the host starts).
    let host: Host | undefined;
    let env: Record<string, string> = {};
    let appUrl = '';
    for (let attempt = 0; !host; attempt++) {
      const port = options.port || (await freePort());
      appUrl = operator.APP_URL ?? `http://${options.publicHost ?? '127.0.0.1'}:${port}`;
      env = { ...defaults, APP_URL: appUrl, FN_API_HOST: `http://127.0.0.1:${port}`, FN_API_KEY: apiKey, ...operator };
      try {
        host = await startHost({
          projectDir: resolve(options.projectDir ?? process.cwd()),
          port,
          env,
          apiKey,
          aliases: [{ pattern: /^\/shopify\/([^/]+)\/login\/?$/, to: (m) => `/shopify/login/${m[1]}` }],
          ...(options.log ? { log: options.log } : {}),
          ...options.host,
        });
      } catch (err) {
        if (options.port || attempt >= 4 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    started.push(host);
    const close = async () => {
      for (const part of started.reverse()) await part.close().catch(() => undefined);
    };
    return { host, spaces, shopify, facebook, env, appUrl, close };
  } catch (err) {
    for (const part of started.reverse()) await part.close().catch(() => undefined);
    throw err;
  }
}
