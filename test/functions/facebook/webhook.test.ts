import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_ID, metaJsonStringify } from '../../../lib/dev/emulators/facebook/index';
import { createFacebookDeps } from '../../../lib/facebook/deps';
import { handleFacebookWebhook } from './handlers';
import { signFacebookBody } from '../../../lib/facebook/webhook-signature';
import { keys } from '../../../lib/storage/keys';
import { connectFacebook, serveHandler, startHarness, type Harness } from './helpers';

let h: Harness;
let endpoint: { url: string; close(): Promise<void> };
const uuid = randomUUID();
const SECOND_PAGE = '104982736451029';
beforeAll(async () => {
  h = await startHarness();
  endpoint = await serveHandler((request) => handleFacebookWebhook(request, h.deps));
  expect((await connectFacebook(h, uuid)).status).toBe(200);
});
afterAll(async () => {
  await endpoint?.close();
  await h?.close();
});
beforeEach(() => {
  h.lines.length = 0;
});

const verify = (query: string) =>
  handleFacebookWebhook(new Request(`${h.config.APP_URL}/facebook/webhook?${query}`), h.deps);
const storedName = async (pageId: string) =>
  (await h.store.getJson<any>(keys.pageSnapshot(uuid, pageId)))!.value.data[0].name;

describe('GET verification', () => {
  it('echoes hub.challenge as text/plain when the verify token matches', async () => {
    const res = await verify('hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=test-verify-token');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it.each([
    ['a wrong verify token', 'hub.mode=subscribe&hub.challenge=1&hub.verify_token=meatyhamhock'],
    ['a wrong mode', 'hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=test-verify-token'],
    ['no parameters', ''],
  ])('answers 403 JSON for %s', async (_name, query) => {
    const res = await verify(query);
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('verify_token_mismatch');
  });
});

describe('POST notifications', () => {
  it('re-reads a changed Page with its stored token and rewrites page_data.json (Meta-escaped non-ASCII)', async () => {
    h.emu.updatePage(DEFAULT_PAGE_ID, { name: 'Käse & Schuhe / PH' });

    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      entries: [{ pageId: DEFAULT_PAGE_ID, changes: [{ field: 'name', value: 'Käse & Schuhe / PH' }] }],
    });

    expect(delivery.rawBody.toString()).toContain('K\\u00e4se & Schuhe \\/ PH');
    expect(delivery.status).toBe(200);
    expect(await storedName(DEFAULT_PAGE_ID)).toBe('Käse & Schuhe / PH');
    expect(h.lines).toEqual([
      `Received webhook event for page ${DEFAULT_PAGE_ID}: {'id': '${DEFAULT_PAGE_ID}', 'changes': [{'field': 'name', 'value': 'Käse & Schuhe / PH'}]}`,
      `Updated data in Spaces for page ${DEFAULT_PAGE_ID}`,
    ]);
  });

  it('handles changed_fields notifications (subscriptions without values) the same way', async () => {
    h.emu.updatePage(SECOND_PAGE, { name: 'Café Ñandú Bakeshop II' });
    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      entries: [{ pageId: SECOND_PAGE, changedFields: ['name'] }],
    });
    expect(delivery.status).toBe(200);
    expect(await storedName(SECOND_PAGE)).toBe('Café Ñandú Bakeshop II');
  });

  it('answers 401 to a delivery signed with another secret and changes nothing', async () => {
    h.emu.updatePage(DEFAULT_PAGE_ID, { name: 'Forged Name' });
    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      secret: 'not-the-app-secret',
      entries: [{ pageId: DEFAULT_PAGE_ID, changes: [{ field: 'name', value: 'Forged Name' }] }],
    });
    expect(delivery.status).toBe(401);
    expect(JSON.parse(delivery.body).error).toBe('invalid_signature');
    expect(await storedName(DEFAULT_PAGE_ID)).not.toBe('Forged Name');
  });

  it('answers 400 to a delivery without X-Hub-Signature-256', async () => {
    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      signatureHeader: null,
      entries: [{ pageId: DEFAULT_PAGE_ID, changedFields: ['name'] }],
    });
    expect(delivery.status).toBe(400);
    expect(JSON.parse(delivery.body).error).toBe('signature_missing');
  });

  it('answers 200 and logs for unknown Pages and objects', async () => {
    const unknownPage = await h.emu.sendPageWebhook({
      url: endpoint.url,
      entries: [{ pageId: '999000111', changedFields: ['name'] }],
    });
    const userObject = await h.emu.sendPageWebhook({
      url: endpoint.url,
      body: { object: 'user', entry: [{ id: '1', changed_fields: ['email'] }] },
    });
    expect([unknownPage.status, userObject.status]).toEqual([200, 200]);
    expect(h.lines).toContain('Ignored webhook event for page 999000111: the page is not connected');
    expect(h.lines).toContain("Ignored Facebook webhook for object 'user': only page notifications are handled");
  });

  it('acknowledges Messenger entries when no forward URL is set', async () => {
    const delivery = await h.emu.sendMessagingWebhook({ url: endpoint.url, pageId: DEFAULT_PAGE_ID, text: 'xin chào' });
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body).messaging).toBe('acknowledged');
  });

  it('forwards Messenger deliveries byte for byte with the signature header when FACEBOOK_MESSAGING_FORWARD_URL is set', async () => {
    const received: Array<{ body: Buffer; signature: string | undefined }> = [];
    const bot: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks),
          signature: req.headers['x-hub-signature-256'] as string | undefined,
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
    try {
      const forwardUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/messenger`;
      const deps = createFacebookDeps(
        { ...h.config, FACEBOOK_MESSAGING_FORWARD_URL: forwardUrl },
        { store: h.store, log: h.deps.log },
      );
      const raw = metaJsonStringify({
        object: 'page',
        entry: [
          { id: DEFAULT_PAGE_ID, time: Date.now(), messaging: [{ sender: { id: '1' }, message: { text: 'äö/' } }] },
        ],
      });
      const signature = signFacebookBody(raw, h.config.FACEBOOK_APP_SECRET);

      const res = await handleFacebookWebhook(
        new Request(`${h.config.APP_URL}/facebook/webhook`, {
          method: 'POST',
          body: raw,
          headers: { 'x-hub-signature-256': signature, 'content-type': 'application/json' },
        }),
        deps,
      );

      expect(res.status).toBe(200);
      expect((await res.json()).messaging).toBe('forwarded');
      expect(received).toHaveLength(1);
      expect(received[0]!.body.toString('utf8')).toBe(raw);
      expect(received[0]!.signature).toBe(signature);
    } finally {
      await new Promise<void>((resolve) => bot.close(() => resolve()));
    }
  });
});
