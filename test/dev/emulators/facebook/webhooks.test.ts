import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_PAGE_ID,
  metaJsonStringify,
  type FacebookEmulator,
} from '../../../../lib/dev/emulators/facebook/index';
import { APP_SECRET, startEmulator, startReceiver } from './helpers';

let emu: FacebookEmulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeEach(async () => {
  emu = await startEmulator({ now: () => Date.UTC(2025, 0, 1) });
  receiver = await startReceiver();
});
afterEach(async () => {
  await emu.close();
  await receiver.close();
});

/** Verifies like our webhook function must: HMAC over the raw bytes, constant-time compare. */
function verifies(raw: Buffer, header: string | string[] | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('sendPageWebhook', () => {
  it('signs the exact bytes it sends, with Meta escaping of non-ASCII and slashes', async () => {
    const result = await emu.sendPageWebhook({
      url: receiver.url,
      entries: [{ pageId: DEFAULT_PAGE_ID, changes: [{ field: 'name', value: 'äöå Shoes/Bags' }] }],
    });
    const got = receiver.received[0];

    expect(result.status).toBe(200);
    expect(got?.headers['content-type']).toBe('application/json');
    expect(verifies(got?.raw ?? Buffer.alloc(0), got?.headers['x-hub-signature-256'])).toBe(true);
    expect(got?.headers['x-hub-signature']).toBe(
      `sha1=${createHmac('sha1', APP_SECRET)
        .update(got?.raw ?? '')
        .digest('hex')}`,
    );
    const text = got?.raw.toString('utf8') ?? '';
    expect(text).toBe(
      `{"object":"page","entry":[{"id":"${DEFAULT_PAGE_ID}","time":1735689600,"changes":[{"field":"name","value":"\\u00e4\\u00f6\\u00e5 Shoes\\/Bags"}]}]}`,
    );
    // Re-serialising the parsed body does not reproduce the signed bytes: receivers must hash the raw body.
    expect(verifies(Buffer.from(JSON.stringify(JSON.parse(text))), got?.headers['x-hub-signature-256'])).toBe(false);
  });

  it('can send a wrong secret, a replaced header or no signature at all', async () => {
    await emu.sendPageWebhook({ url: receiver.url, body: { object: 'page', entry: [] }, secret: 'other' });
    await emu.sendPageWebhook({ url: receiver.url, body: { object: 'page', entry: [] }, signatureHeader: 'sha256=00' });
    await emu.sendPageWebhook({ url: receiver.url, rawBody: Buffer.from('{"object":"page"}'), signatureHeader: null });
    const [wrongSecret, replaced, unsigned] = receiver.received;

    expect(verifies(wrongSecret?.raw ?? Buffer.alloc(0), wrongSecret?.headers['x-hub-signature-256'])).toBe(false);
    expect(replaced?.headers['x-hub-signature-256']).toBe('sha256=00');
    expect(unsigned?.headers['x-hub-signature-256']).toBeUndefined();
    expect(unsigned?.raw.toString()).toBe('{"object":"page"}');
  });

  it('retries a failing delivery until it gets a 200', async () => {
    await receiver.close();
    let calls = 0;
    receiver = await startReceiver((_req, res) => res.writeHead(++calls < 3 ? 500 : 200).end());

    const result = await emu.sendPageWebhook({
      url: receiver.url,
      entries: [{ pageId: DEFAULT_PAGE_ID, changes: [{ field: 'hours' }] }],
      retry: { attempts: 5, delaysMs: [5, 5, 5, 5] },
    });

    expect(result).toMatchObject({ status: 200, attempts: 3 });
    expect(new Set(receiver.received.map((r) => r.raw.toString()))).toHaveProperty('size', 1);
  });

  it('sends changed_fields entries when asked', async () => {
    await emu.sendPageWebhook({
      url: receiver.url,
      entries: [{ pageId: DEFAULT_PAGE_ID, changedFields: ['website'] }],
    });

    expect(JSON.parse(receiver.received[0]?.raw.toString() ?? '').entry[0]).toEqual({
      id: DEFAULT_PAGE_ID,
      time: 1735689600,
      changed_fields: ['website'],
    });
  });
});

describe('sendMessagingWebhook', () => {
  it('sends a messaging event with millisecond timestamps and escaped text', async () => {
    await emu.sendMessagingWebhook({ url: receiver.url, pageId: DEFAULT_PAGE_ID, text: 'xin chào' });
    const got = receiver.received[0];
    const entry = JSON.parse(got?.raw.toString() ?? '').entry[0];

    expect(got?.raw.toString()).toContain('xin ch\\u00e0o');
    expect(verifies(got?.raw ?? Buffer.alloc(0), got?.headers['x-hub-signature-256'])).toBe(true);
    expect(entry.time).toBe(Date.UTC(2025, 0, 1));
    expect(entry.messaging[0]).toMatchObject({
      recipient: { id: DEFAULT_PAGE_ID },
      message: { text: 'xin chào' },
      timestamp: expect.any(Number),
    });
  });
});

describe('metaJsonStringify', () => {
  it('escapes astral characters as surrogate pairs in lower-case hex', () => {
    expect(metaJsonStringify({ s: '🚚/é' })).toBe('{"s":"\\ud83d\\ude9a\\/\\u00e9"}');
  });
});
