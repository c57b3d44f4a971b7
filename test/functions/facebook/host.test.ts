import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSetupFacebook } from '../../../lib/dev/tools/setup-facebook';
import { keys } from '../../../lib/storage/keys';
import { CookieJar, connectShopify, get, startTestStack, type TestStack } from '../../helpers/stack';

// The built bundles behind the local DO host (run `node build.mjs` first, as `npm test` does).
let stack: TestStack;
let bot: Server;
let botUrl: string;
beforeAll(async () => {
  stack = await startTestStack();
  stack.shopify!.seedShop('acme-7cu19ngr.myshopify.com', { products: 3 });
  // A Messenger bot on the same Meta app: answers Meta's verification for its own callback URL.
  bot = createServer((req, res) =>
    res.end(new URL(req.url ?? '/', 'http://bot').searchParams.get('hub.challenge') ?? 'ok'),
  );
  await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
  botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/messenger`;
});
afterAll(async () => {
  if (bot) await new Promise<void>((resolve) => (bot.closeAllConnections(), bot.close(() => resolve())));
  await stack?.shutdown();
});

const fb = () => stack.facebook!;
const setupEnv = (overrides: Record<string, string> = {}) => ({ ...stack.env, ...overrides });
async function setup(env: Record<string, string | undefined>, force = false) {
  const lines: string[] = [];
  const code = await runSetupFacebook(env, { force, print: (line) => lines.push(line) });
  return { code, output: lines.join('\n') };
}

describe('npm run setup:facebook against the emulator and the running webhook function', () => {
  it('names every missing variable', async () => {
    const { code, output } = await setup({});
    expect(code).toBe(1);
    expect(output).toMatch(
      /APP_URL is missing; FACEBOOK_APP_ID is missing; FACEBOOK_APP_SECRET is missing; FACEBOOK_VERIFY_TOKEN is missing/,
    );
  });

  it('explains a wrong app secret, a verify token the function does not have, and an unreachable callback', async () => {
    const secret = await setup(setupEnv({ FACEBOOK_APP_SECRET: 'not-the-app-secret-000000' }));
    const token = await setup(setupEnv({ FACEBOOK_VERIFY_TOKEN: 'not-the-deployed-token' }));
    const unreachable = await setup(setupEnv({ APP_URL: 'http://127.0.0.1:9' }));

    expect([secret.code, token.code, unreachable.code]).toEqual([1, 1, 1]);
    expect(secret.output).toMatch(
      /ERROR: Meta refused the app token: .*\nCheck FACEBOOK_APP_ID and FACEBOOK_APP_SECRET/,
    );
    expect(token.output).toMatch(
      /ERROR: Meta could not verify .*\/facebook\/webhook: .*HTTP Status Code = 403[\s\S]*FACEBOOK_VERIFY_TOKEN is the same value/,
    );
    expect(unreachable.output).toMatch(
      /ERROR: Meta could not verify http:\/\/127\.0\.0\.1:9\/facebook\/webhook: [\s\S]*publicly reachable/,
    );
    expect(fb().appSubscriptions()).toEqual([]);
  });

  it("refuses to take over a Messenger bot's callback unless its events are forwarded or --force is given", async () => {
    const appToken = `${fb().appId}|${stack.env.FACEBOOK_APP_SECRET}`;
    const params = new URLSearchParams({
      object: 'page',
      callback_url: botUrl,
      fields: 'messages',
      verify_token: 'bot-token',
      access_token: appToken,
    });
    expect(
      (await fetch(`${fb().graphOrigin}/v25.0/${fb().appId}/subscriptions?${params}`, { method: 'POST' })).status,
    ).toBe(200);

    const refused = await setup(setupEnv());
    const forwarded = await setup(setupEnv({ FACEBOOK_MESSAGING_FORWARD_URL: botUrl }));

    expect(refused).toEqual({
      code: 1,
      output: expect.stringMatching(/receives Messenger fields \(messages\)[\s\S]*FACEBOOK_MESSAGING_FORWARD_URL/),
    });
    expect(forwarded.code).toBe(0);
    expect(forwarded.output).toContain(`Replaced the previous page callback ${botUrl}.`);
    const [page] = fb().appSubscriptions();
    expect(page).toMatchObject({ object: 'page', callbackUrl: `${stack.appUrl}/facebook/webhook`, active: true });
    expect(page!.fields).toEqual(
      expect.arrayContaining(['name', 'category', 'description', 'phone', 'website', 'hours', 'messages']),
    );
  });

  it('registers idempotently: a second run says "already registered" and calls Meta only to read', async () => {
    const posts = () => fb().stats().calls[`POST /${fb().appId}/subscriptions`] ?? 0;
    const before = posts();
    const { code, output } = await setup(setupEnv());
    expect(code).toBe(0);
    expect(output).toMatch(/Page webhook already registered for .*\/facebook\/webhook/);
    expect(posts()).toBe(before);
  });
});

describe('deletion and deauthorize callbacks through the local DO host', () => {
  it("a merchant connects Shopify then Facebook; Meta's deletion request removes the Facebook data only and the status URL reports it", async () => {
    // Prepare: the seed's flow in one browser.
    const { body: shopify, jar } = await connectShopify(stack, 'acme-7cu19ngr', new CookieJar());
    const uuid: string = shopify.user_uuid;
    const login = await get(`${stack.appUrl}/facebook/login`, jar);
    const dialog = await get(login.headers.get('location')!);
    const callback = await get(dialog.headers.get('location')!.split('#')[0]!, jar);
    expect(callback.status).toBe(200);
    expect((await stack.store.list(keys.userFacebookPrefix(uuid))).length).toBe(2);

    // Act
    const res = await fb().postSignedRequest(
      `${stack.appUrl}/facebook/data-deletion`,
      fb().signedRequest({ userId: fb().defaultUser().id }),
    );

    // Assess
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body);
    expect(answer.url).toBe(`${stack.appUrl}/facebook/deletion-status?id=${answer.confirmation_code}`);
    expect(await stack.store.list(keys.userFacebookPrefix(uuid))).toEqual([]);
    expect(await stack.store.exists(keys.shopifySnapshot(uuid))).toBe(true);
    const status = await fetch(answer.url);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      confirmation_code: answer.confirmation_code,
      status: 'completed',
      pages_deleted: 2,
    });
  });

  it('answers deauthorize with 200 JSON, and forged or malformed callbacks with JSON 401/400', async () => {
    const user = fb().seedUser({ pages: 1 });
    const ok = await fb().postSignedRequest(
      `${stack.appUrl}/facebook/deauthorize`,
      fb().signedRequest({ userId: user.id }),
    );
    const forged = await fb().postSignedRequest(
      `${stack.appUrl}/facebook/deauthorize`,
      fb().signedRequest({ userId: user.id, secret: 'x-wrong-secret' }),
    );
    const malformed = await fb().postSignedRequest(`${stack.appUrl}/facebook/data-deletion`, 'no-dot-here');
    const unknown = await fetch(`${stack.appUrl}/facebook/deletion-status?id=abc`);

    expect([ok.status, forged.status, malformed.status, unknown.status]).toEqual([200, 401, 400, 404]);
    expect(JSON.parse(ok.body)).toMatchObject({ status: 'ok' });
    expect(JSON.parse(forged.body)).toMatchObject({ error: 'invalid_signature' });
    expect(JSON.parse(malformed.body)).toMatchObject({ error: 'signed_request_malformed' });
  });
});
