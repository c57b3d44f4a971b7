import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFacebookDeps } from '../../../lib/facebook/deps';
import { getPageRecord } from '../../../lib/facebook/registry';
import { handleFacebookWebhook } from './handlers';
import { keys } from '../../../lib/storage/keys';
import { connectFacebook, serveHandler, startHarness, type Harness } from './helpers';

let h: Harness;
let endpoint: { url: string; close(): Promise<void> };
let pages: [string, string, string];
const uuid = randomUUID();
beforeAll(async () => {
  h = await startHarness();
  endpoint = await serveHandler((request) => handleFacebookWebhook(request, h.deps));
  const user = h.emu.seedUser({ pages: 3 });
  pages = user.pageIds as [string, string, string];
  expect((await connectFacebook(h, uuid, user.id)).status).toBe(200);
});
afterAll(async () => {
  await endpoint?.close();
  await h?.close();
});
beforeEach(() => {
  h.lines.length = 0;
});

const storedName = async (pageId: string) =>
  (await h.store.getJson<any>(keys.pageSnapshot(uuid, pageId)))!.value.data[0].name;
const pageReads = (pageId: string) => h.emu.stats().calls[`GET /${pageId}`] ?? 0;
const markers = () => h.store.list('private/webhooks/facebook/');
const rename = (pageId: string, name: string) => ({ pageId, changes: [{ field: 'name', value: name }] });

describe('batched deliveries', () => {
  it('updates both Pages of a delivery that batches two entries', async () => {
    const [first, second] = pages;
    h.emu.updatePage(first, { name: 'Batch One' });
    h.emu.updatePage(second, { name: 'Batch Two' });

    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      entries: [rename(first, 'Batch One'), rename(second, 'Batch Two')],
    });

    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body)).toEqual({ status: 'ok', updated: [first, second].sort() });
    expect([await storedName(first), await storedName(second)]).toEqual(['Batch One', 'Batch Two']);
  });

  it('answers 200 and logs fields and entries it does not use, without reading Graph or recording the delivery', async () => {
    const [first] = pages;
    const before = { reads: pageReads(first), markers: (await markers()).length };

    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      body: {
        object: 'page',
        entry: [
          { id: first, time: 1, changes: [{ field: 'feed', value: { item: 'post' } }] },
          'not-an-entry',
          { id: first, time: 1 },
        ],
      },
    });

    expect(delivery.status).toBe(200);
    expect(h.lines).toContain(`Ignored webhook field feed for page ${first}: not part of the stored page data`);
    expect(h.lines).toContain("Ignored a webhook entry that is not an object: 'not-an-entry'");
    expect(h.lines).toContain(`Ignored webhook entry for page ${first}: it has no changes or messaging`);
    expect({ reads: pageReads(first), markers: (await markers()).length }).toEqual(before);
  });
});

describe('redeliveries', () => {
  it('acknowledges a sequential redelivery with 200 and changes nothing', async () => {
    const [first] = pages;
    h.emu.updatePage(first, { name: 'Delivered Once' });
    const original = await h.emu.sendPageWebhook({ url: endpoint.url, entries: [rename(first, 'Delivered Once')] });
    expect(JSON.parse(original.body).updated).toEqual([first]);
    h.emu.updatePage(first, { name: 'Changed Without Webhook' });
    const reads = pageReads(first);

    const again = await h.emu.sendPageWebhook({ url: endpoint.url, rawBody: original.rawBody });

    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate' });
    expect(pageReads(first)).toBe(reads);
    expect(await storedName(first)).toBe('Delivered Once');
    expect(h.lines).toContain('Ignored a redelivered Facebook webhook (1 entry): already processed');
    expect((await markers()).every((k) => /^private\/webhooks\/facebook\/page\/[0-9a-f]{64}$/.test(k))).toBe(true);
  });

  it('applies two simultaneous identical deliveries once', async () => {
    const [, second] = pages;
    h.emu.updatePage(second, { name: 'Simultaneous' });
    const rawBody = Buffer.from(
      JSON.stringify({ object: 'page', entry: [{ id: second, time: 1735689600, changed_fields: ['name'] }] }),
    );
    const reads = pageReads(second);

    const results = await Promise.all([1, 2, 3].map(() => h.emu.sendPageWebhook({ url: endpoint.url, rawBody })));

    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.map((r) => JSON.parse(r.body).status).sort()).toEqual(['duplicate', 'duplicate', 'ok']);
    expect(pageReads(second) - reads).toBe(1);
    expect(await storedName(second)).toBe('Simultaneous');
  });

  it('forwards a Messenger delivery once, however often Meta redelivers it', async () => {
    const received: Buffer[] = [];
    const bot: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => (received.push(Buffer.concat(chunks)), res.end('ok')));
    });
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
    const deps = createFacebookDeps(
      { ...h.config, FACEBOOK_MESSAGING_FORWARD_URL: `http://127.0.0.1:${(bot.address() as AddressInfo).port}/` },
      { store: h.store, log: h.deps.log },
    );
    const forwarding = await serveHandler((request) => handleFacebookWebhook(request, deps));
    try {
      const first = await h.emu.sendMessagingWebhook({
        url: forwarding.url,
        pageId: pages[0],
        text: 'còn hàng không?',
      });
      const again = await h.emu.sendPageWebhook({ url: forwarding.url, rawBody: first.rawBody });

      expect([JSON.parse(first.body).messaging, JSON.parse(again.body).status]).toEqual(['forwarded', 'duplicate']);
      expect(received).toEqual([first.rawBody]);
    } finally {
      await forwarding.close();
      await new Promise<void>((resolve) => bot.close(() => resolve()));
    }
  });
});

describe('failures', () => {
  it('keeps updating the other Pages of a batch when one Page fails', async () => {
    const [first, , third] = pages;
    h.emu.updatePage(first, { name: 'Still Updated' });
    h.emu.setPageTokenState(third, 'password_changed');

    const delivery = await h.emu.sendPageWebhook({
      url: endpoint.url,
      entries: [rename(third, 'Broken'), rename(first, 'Still Updated')],
    });

    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body).updated).toEqual([first]);
    expect(await storedName(first)).toBe('Still Updated');
    expect((await getPageRecord(h.store, third))!.state).toBe('reauth_required');
  });
});
