import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_ID, type FacebookEmulator } from '../../../../lib/dev/emulators/facebook/index';
import { APP_ID, APP_SECRET, graph, startEmulator, startReceiver } from './helpers';

const APP_TOKEN = `${APP_ID}|${APP_SECRET}`;
const VERIFY_TOKEN = 'meatyhamhock';

let emu: FacebookEmulator;
let pageToken: string;
beforeEach(async () => {
  emu = await startEmulator();
  pageToken = emu.issuePageToken(emu.defaultUser().id, DEFAULT_PAGE_ID);
});
afterEach(() => emu.close());

/** A webhook endpoint that answers Meta's verification GET like our function should. */
function echoChallenge() {
  return startReceiver((req, res) => {
    if (req.method === 'GET') {
      const ok =
        req.url.searchParams.get('hub.mode') === 'subscribe' &&
        req.url.searchParams.get('hub.verify_token') === VERIFY_TOKEN;
      res
        .writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' })
        .end(ok ? req.url.searchParams.get('hub.challenge') : 'forbidden');
    } else {
      res.end('EVENT_RECEIVED');
    }
  });
}

describe('/{page-id}/subscribed_apps', () => {
  it('subscribes, lists and unsubscribes the app for a page', async () => {
    const post = await graph(
      emu,
      `/${DEFAULT_PAGE_ID}/subscribed_apps`,
      {},
      { token: pageToken, method: 'POST', form: { subscribed_fields: 'name,website,messages' } },
    );
    const listed = await graph(emu, `/${DEFAULT_PAGE_ID}/subscribed_apps`, {}, { token: pageToken });
    const flag = await graph(emu, `/${DEFAULT_PAGE_ID}`, { fields: 'is_webhooks_subscribed' }, { token: pageToken });
    const del = await graph(emu, `/${DEFAULT_PAGE_ID}/subscribed_apps`, {}, { token: pageToken, method: 'DELETE' });

    expect(post.body).toEqual({ success: true });
    expect(listed.body.data).toEqual([
      {
        category: 'Business',
        link: expect.any(String),
        name: expect.any(String),
        id: APP_ID,
        subscribed_fields: ['name', 'website', 'messages'],
      },
    ]);
    expect(flag.body.is_webhooks_subscribed).toBe(true);
    expect(del.body).toEqual({ success: true });
    expect(emu.pageSubscriptions(DEFAULT_PAGE_ID)).toBeUndefined();
  });

  it('requires subscribed_fields and a page token', async () => {
    const missing = await graph(emu, `/${DEFAULT_PAGE_ID}/subscribed_apps`, {}, { token: pageToken, method: 'POST' });
    const userToken = await graph(
      emu,
      `/${DEFAULT_PAGE_ID}/subscribed_apps`,
      {},
      { token: emu.issueUserToken(emu.defaultUser().id) },
    );

    expect(missing.body.error).toMatchObject({
      code: 100,
      message: '(#100) The parameter subscribed_fields is required',
    });
    expect(userToken.body.error.code).toBe(210);
  });
});

describe('/{app-id}/subscriptions', () => {
  it('verifies the callback by echoing hub.challenge before subscribing', async () => {
    const receiver = await echoChallenge();
    try {
      const post = await graph(
        emu,
        `/${APP_ID}/subscriptions`,
        { access_token: APP_TOKEN },
        {
          method: 'POST',
          form: {
            object: 'page',
            callback_url: receiver.url,
            fields: 'name,website',
            verify_token: VERIFY_TOKEN,
            include_values: 'true',
          },
        },
      );
      const listed = await graph(emu, `/${APP_ID}/subscriptions`, { access_token: APP_TOKEN });

      expect(post.body).toEqual({ success: true });
      expect(receiver.received[0]?.url.searchParams.get('hub.challenge')).toMatch(/^\d+$/);
      expect(listed.body.data).toEqual([
        {
          object: 'page',
          callback_url: receiver.url,
          active: true,
          fields: [
            { name: 'name', version: 'v25.0' },
            { name: 'website', version: 'v25.0' },
          ],
        },
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('fails with (#2200) when the callback does not echo the challenge', async () => {
    const receiver = await echoChallenge();
    try {
      const post = await graph(
        emu,
        `/${APP_ID}/subscriptions`,
        { access_token: APP_TOKEN },
        {
          method: 'POST',
          form: { object: 'page', callback_url: receiver.url, fields: 'name', verify_token: 'wrong-token' },
        },
      );

      expect(post.body.error.code).toBe(2200);
      expect(post.body.error.message).toContain('Callback verification failed with the following errors:');
      expect(emu.appSubscriptions()).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('requires an app token', async () => {
    const { body } = await graph(emu, `/${APP_ID}/subscriptions`, {}, { token: pageToken });

    expect(body.error.code).toBe(15);
  });

  it('delivers a page change only for fields subscribed at both levels', async () => {
    const receiver = await echoChallenge();
    try {
      await graph(
        emu,
        `/${APP_ID}/subscriptions`,
        { access_token: APP_TOKEN },
        {
          method: 'POST',
          form: {
            object: 'page',
            callback_url: receiver.url,
            fields: 'name,website,hours',
            verify_token: VERIFY_TOKEN,
            include_values: 'true',
          },
        },
      );
      await graph(
        emu,
        `/${DEFAULT_PAGE_ID}/subscribed_apps`,
        {},
        { token: pageToken, method: 'POST', form: { subscribed_fields: 'name,phone,website' } },
      );

      const result = await emu.changePage(DEFAULT_PAGE_ID, {
        name: 'Fast Store PH ⚡',
        phone: '+63 917 000 0000',
        website: 'https://fast.example/',
        about: 'x',
      });
      const notification = receiver.received.at(-1);

      expect(result.fields).toEqual(['name', 'website']);
      expect(result.delivery?.status).toBe(200);
      expect(notification?.headers['x-hub-signature-256']).toBe(
        `sha256=${createHmac('sha256', APP_SECRET)
          .update(notification?.raw ?? '')
          .digest('hex')}`,
      );
      const body = JSON.parse(notification?.raw.toString('utf8') ?? '{}');
      expect(body.entry[0].changes).toEqual([{ field: 'name', value: 'Fast Store PH ⚡' }, { field: 'website' }]);
      expect(emu.getPage(DEFAULT_PAGE_ID)?.phone).toBe('+63 917 000 0000');
    } finally {
      await receiver.close();
    }
  });
});
