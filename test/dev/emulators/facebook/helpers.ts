import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startFacebookEmulator,
  type FacebookEmulator,
  type FacebookEmulatorOptions,
} from '../../../../lib/dev/emulators/facebook/index';

/** Test app credentials. */
export const APP_ID = '2653153441517780';
export const APP_SECRET = 'test-app-secret-0123456789abcdef';
export const REDIRECT_URI = 'https://bot.example.test/facebook/callback?x=1';

/** Starts an emulator for one test with test credentials. */
export function startEmulator(overrides: Partial<FacebookEmulatorOptions> = {}): Promise<FacebookEmulator> {
  return startFacebookEmulator({
    appId: APP_ID,
    appSecret: APP_SECRET,
    allowedRedirectUris: [REDIRECT_URI],
    ...overrides,
  });
}

/** Options of {@link graph}. */
export interface GraphCall {
  token?: string;
  method?: 'GET' | 'POST' | 'DELETE';
  /** Adds the right appsecret_proof unless false; a string sends that value. */
  proof?: boolean | string;
  form?: Record<string, string>;
  version?: string | null;
}

/** Calls the emulator's Graph API and returns status, headers and parsed JSON body. */
export async function graph(
  emu: FacebookEmulator,
  path: string,
  params: Record<string, string> = {},
  call: GraphCall = {},
) {
  const query = new URLSearchParams(params);
  if (call.token) {
    query.set('access_token', call.token);
    if (call.proof !== false)
      query.set('appsecret_proof', typeof call.proof === 'string' ? call.proof : emu.appsecretProof(call.token));
  }
  const version = call.version === undefined ? '/v25.0' : call.version === null ? '' : `/${call.version}`;
  const init: RequestInit = { method: call.method ?? 'GET' };
  if (call.form) init.body = new URLSearchParams(call.form);
  const res = await fetch(`${emu.graphOrigin}${version}${path}?${query}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as Record<string, any> };
}

/** Opens the login dialog and returns the redirect target. */
export async function openDialog(
  emu: FacebookEmulator,
  params: Record<string, string> = {},
): Promise<{ status: number; location: URL | null; html: string }> {
  const query = new URLSearchParams({
    client_id: APP_ID,
    redirect_uri: REDIRECT_URI,
    state: 'csrf-123',
    response_type: 'code',
    scope: 'pages_show_list,pages_manage_metadata',
    ...params,
  });
  const res = await fetch(`${emu.wwwOrigin}/v25.0/dialog/oauth?${query}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : null, html: await res.text() };
}

/** Runs the dialog + code exchange and returns the user token. */
export async function login(emu: FacebookEmulator, userId?: string): Promise<string> {
  if (userId) emu.setNextLogin(userId);
  const { location } = await openDialog(emu);
  const code = location?.searchParams.get('code') ?? '';
  const { body } = await graph(emu, '/oauth/access_token', {
    client_id: APP_ID,
    client_secret: APP_SECRET,
    redirect_uri: REDIRECT_URI,
    code,
  });
  return body.access_token as string;
}

/** A request received by {@link startReceiver}. */
export interface Received {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  raw: Buffer;
}

/** A tiny loopback server standing in for our webhook endpoint; `reply` decides each answer. */
export async function startReceiver(reply: (req: Received, res: ServerResponse) => void = (_r, res) => res.end('ok')) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        raw: Buffer.concat(chunks),
      };
      received.push(entry);
      reply(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
