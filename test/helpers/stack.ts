import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../lib/config';
import { applyOps, type PendingOp } from '../../lib/shopify/snapshot-ops';
import { keys } from '../../lib/storage/keys';
import { createS3Store } from '../../lib/storage/s3-store';
import type { ObjectStore } from '../../lib/storage/store';
import { startStack, type Stack, type StackOptions } from '../../lib/dev/stack';
import { testEnv } from './test-config';

/** A running stack for an integration test, with captured logs and a store client. */
export interface TestStack extends Stack {
  logs: string[];
  store: ObjectStore;
  shutdown(): Promise<void>;
}

/** Starts embedded Spaces, both emulators and the DO host over the built bundles, on ephemeral ports. */
export async function startTestStack(
  options: Partial<StackOptions> & { env?: Record<string, string | undefined> } = {},
): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stack-'));
  const logs: string[] = [];
  const env = testEnv({
    APP_URL: undefined,
    SPACES_ENDPOINT: undefined,
    SPACES_KEY: undefined,
    SPACES_SECRET: undefined,
    SPACES_REGION: undefined,
    SPACES_BUCKET: undefined,
    SHOPIFY_API_KEY: undefined,
    SHOPIFY_API_SECRET: undefined,
    FACEBOOK_APP_ID: undefined,
    FACEBOOK_APP_SECRET: undefined,
    FACEBOOK_VERIFY_TOKEN: undefined,
    ...options.env,
  });
  const stack = await startStack({
    projectDir: resolve(__dirname, '../..'),
    dataDir,
    sandbox: true,
    ...options,
    // DO (and `npm start`) give every concurrent activation its own process, up to 120; tests share two cores with
    // other suites, so they run at most 16 processes per function unless a test asks for more.
    host: { poolCap: 16, ...options.host },
    env,
    log: (line) => logs.push(line),
  });
  const store = createS3Store(loadConfig(stack.env, ['spaces']));
  return {
    ...stack,
    logs,
    store,
    async shutdown() {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal cookie jar: remembers `Set-Cookie` values by name and replays them. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  readonly raw: string[] = [];

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      this.raw.push(line);
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** GET without following redirects, sending and storing cookies. */
export async function get(url: string, jar?: CookieJar): Promise<Response> {
  const res = await fetch(url, {
    redirect: 'manual',
    headers: jar && jar.cookies.size ? { cookie: jar.header() } : {},
  });
  jar?.store(res);
  return res;
}

/** Runs the Shopify install: login → emulator authorize (auto-approve) → callback. Returns the callback response. */
export async function connectShopify(
  stack: Stack,
  shopName: string,
  jar = new CookieJar(),
): Promise<{ res: Response; body: any; jar: CookieJar; callbackUrl: string }> {
  const login = await get(`${stack.appUrl}/shopify/${shopName}/login`, jar);
  if (login.status !== 302) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const authorize = await get(login.headers.get('location')!);
  if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}: ${await authorize.text()}`);
  const callbackUrl = authorize.headers.get('location')!;
  const res = await get(callbackUrl, jar);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { res, body, jar, callbackUrl };
}

/**
 * Waits until every acknowledged Shopify delivery of a user is in `shopify_data.json`: deliveries answer once their
 * pending record is durable and a `shopify/flush` job is due, and the job deletes each record after writing it.
 * Pending records are kept per shop; the user's shops are found in the registry.
 */
export async function flushed(store: ObjectStore, uuid: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let shops: string[] | null = null;
  for (;;) {
    // A listing may fail while a test injects Spaces faults: look again.
    shops ??= await shopsOf(store, uuid).catch(() => null);
    const lists = shops
      ? await Promise.all(shops.map((shop) => store.list(keys.pendingShopifyPrefix(shop)))).catch(() => null)
      : null;
    const left = lists?.reduce((sum, list) => sum + list.length, 0);
    if (left === 0) return;
    // Degraded mode keeps records until no writer can lose them (40 s): what matters is that the snapshot shows them.
    if (
      lists &&
      !(await store.supportsConditionalWrites()) &&
      (await reflected(store, uuid, lists.flat()).catch(() => false))
    )
      return;
    if (Date.now() > until)
      throw new Error(`${left ?? 'some'} pending Shopify updates were not flushed within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Whether the user's snapshot already reflects every one of these pending records.
async function reflected(store: ObjectStore, uuid: string, pending: string[]): Promise<boolean> {
  const snapshot = await store.getJson<any>(keys.shopifySnapshot(uuid));
  if (!snapshot) return false;
  const ops = (await Promise.all(pending.map((key) => store.getJson<PendingOp>(key)))).flatMap((r) =>
    r ? [r.value] : [],
  );
  return applyOps(snapshot.value, ops, Date.now()).results.every((result) => result === 'stale');
}

/** The shops whose registry record names this user. */
export async function shopsOf(store: ObjectStore, uuid: string): Promise<string[]> {
  const shops: string[] = [];
  for (const key of await store.list(keys.shopRecordPrefix())) {
    const record = await store.getJson<{ shop: string; uuid: string }>(key);
    if (record?.value.uuid === uuid) shops.push(record.value.shop);
  }
  return shops;
}
