import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../lib/config';
import { issueSessionCookie } from '../../../lib/crypto/session';
import { startFacebookEmulator, type FacebookEmulator } from '../../../lib/dev/emulators/facebook/index';
import { startLocalSpaces, type LocalSpaces } from '../../../lib/dev/spaces';
import { handleFacebookCallback } from './handlers';
import { createFacebookDeps, type FacebookConfig, type FacebookDeps } from '../../../lib/facebook/deps';
import { handleFacebookLogin } from './handlers';
import { handleFacebookWebhook } from './handlers';
import { createLogger } from '../../../lib/log';
import { createS3Store } from '../../../lib/storage/s3-store';
import { createS3Client } from '../../../lib/storage/s3-client';
import type { ObjectStore } from '../../../lib/storage/store';
import { testEnv } from '../../helpers/test-config';

/** What the harness records, for assertions and the token scan. */
export interface Harness {
  emu: FacebookEmulator;
  spaces: LocalSpaces;
  store: ObjectStore;
  deps: FacebookDeps;
  config: FacebookConfig;
  /** Every line the handlers logged. */
  lines: string[];
  /** Every response body the harness saw (handlers and the in-process webhook). */
  bodies: string[];
  close(): Promise<void>;
}

/**
 * Starts the real Facebook emulator and a real local Spaces, and builds the deps the functions use.
 * `fetch` routes `${APP_URL}/facebook/webhook` to the webhook handler in-process (real Requests) so
 * the callback's self-test exercises the real handler; everything else goes over the network.
 */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'facebook-fn-test-'));
  const spaces = await startLocalSpaces({ dataDir, port: 0, bucket: 'test-bucket', silent: true });
  const emu = await startFacebookEmulator({ appId: '1234567890', appSecret: 'test-facebook-secret-0123456789' });
  const config = loadConfig(
    testEnv({
      SPACES_ENDPOINT: spaces.endpoint,
      SPACES_REGION: spaces.region,
      SPACES_BUCKET: spaces.bucket,
      SPACES_KEY: spaces.accessKeyId,
      SPACES_SECRET: spaces.secretAccessKey,
      FACEBOOK_GRAPH_ORIGIN: emu.graphOrigin,
      FACEBOOK_WWW_ORIGIN: emu.wwwOrigin,
      ...env,
    }),
    ['core', 'spaces', 'facebook', 'functions'],
  );
  const client = createS3Client(config);
  const store = createS3Store(config, client);
  const lines: string[] = [];
  const bodies: string[] = [];
  const log = createLogger({ level: 'debug', sink: (line) => void lines.push(line) });
  const webhookUrl = `${config.APP_URL}/facebook/webhook`;
  let deps: FacebookDeps;
  const routed: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.url.split('?')[0] !== webhookUrl) return fetch(request);
    const response = await handleFacebookWebhook(request, deps);
    bodies.push(await response.clone().text());
    return response;
  };
  deps = createFacebookDeps(config, { store, log, fetch: routed, random: () => 0 });
  return {
    emu,
    spaces,
    store,
    deps,
    config,
    lines,
    bodies,
    async close() {
      await emu.close();
      client.destroy();
      await spaces.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A `session_id=…` cookie pair as the Shopify callback would have set it. */
export async function sessionCookie(h: Harness, uuid: string, now = Date.now()): Promise<string> {
  const setCookie = await issueSessionCookie(
    { sub: uuid, shop: 'acme-7cu19ngr.myshopify.com' },
    { secret: h.config.SESSION_SECRET, appUrl: h.config.APP_URL, now },
  );
  return setCookie.split(';')[0]!;
}

/** Runs login → emulator dialog and returns the callback URL Facebook redirected to plus the cookies to send with it. */
export async function loginRedirect(
  h: Harness,
  uuid: string,
  userId?: string,
): Promise<{ callbackUrl: string; cookie: string }> {
  const session = await sessionCookie(h, uuid);
  if (userId) h.emu.setNextLogin(userId);
  const login = await handleFacebookLogin(
    new Request(`${h.config.APP_URL}/facebook/login`, { headers: { cookie: session } }),
    h.deps,
  );
  if (login.status !== 302) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const stateCookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const dialog = await fetch(login.headers.get('location')!, { redirect: 'manual' });
  await dialog.body?.cancel();
  const location = dialog.headers.get('location');
  if (!location) throw new Error(`dialog answered ${dialog.status} without a redirect`);
  return { callbackUrl: location.split('#')[0]!, cookie: `${session}; ${stateCookie}` };
}

/** Calls the callback handler and records its body. */
export async function callCallback(
  h: Harness,
  callbackUrl: string,
  cookie: string,
): Promise<{ status: number; body: any }> {
  const res = await handleFacebookCallback(new Request(callbackUrl, { headers: { cookie } }), h.deps);
  const text = await res.text();
  h.bodies.push(text);
  return { status: res.status, body: JSON.parse(text) };
}

/** The whole merchant flow: login, dialog approval, callback. */
export async function connectFacebook(h: Harness, uuid: string, userId?: string) {
  const { callbackUrl, cookie } = await loginRedirect(h, uuid, userId);
  return callCallback(h, callbackUrl, cookie);
}

/** Every object under `prefix` as text. */
export async function readAll(store: ObjectStore, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await store.list(prefix)) {
    const entry = await store.getJson<unknown>(key);
    out.set(key, JSON.stringify(entry?.value));
  }
  return out;
}

/** Serves a `Request → Response` handler on 127.0.0.1:0 so the emulator can deliver to it over real HTTP. */
export async function serveHandler(
  handler: (request: Request) => Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body ? { body: new Uint8Array(body) } : {}),
      });
      handler(request)
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
