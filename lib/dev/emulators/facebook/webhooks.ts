import { createHmac } from 'node:crypto';
import { delay } from './faults';
import { sendHttp } from './http';
import { metaJsonBytes } from './meta-json';
import { applyPagePatch } from './pages';
import type { EmulatorState } from './state';
import type { FacebookPagePatch } from './types';

/** Meta batches at most this many updates in one notification (contract §7.4). */
export const MAX_ENTRIES_PER_BATCH = 1000;

/** One `entry[]` of a Page notification. */
export interface PageWebhookEntry {
  pageId: string;
  changes?: Array<{ field: string; value?: unknown }>;
  /** Sent as `changed_fields` (subscriptions without `include_values`). */
  changedFields?: string[];
  /** Overrides the batch `time` (unix seconds) for this entry. */
  time?: number;
}

/** Options of `emulator.sendPageWebhook`; `rawBody` wins over `body`, which wins over `entries`. */
export interface SendPageWebhookOptions {
  url: string;
  entries?: PageWebhookEntry[];
  /** A whole notification object, serialised Meta-style. */
  body?: unknown;
  /** Exact bytes to send (signed as they are). */
  rawBody?: Buffer;
  /** Signs with this secret instead of the app secret. */
  secret?: string;
  /** Replaces `X-Hub-Signature-256` (and drops the legacy header); `null` sends no signature headers at all. */
  signatureHeader?: string | null;
  /** Also send the legacy `X-Hub-Signature: sha1=…`; default true. */
  legacySignature?: boolean;
  /** `entry[].time` in unix seconds; default now. */
  time?: number;
  /** Redelivery on non-200: total attempts (default 1) and waits between them (default falling frequency 50, 100, 200 ms…). */
  retry?: { attempts: number; delaysMs?: number[] };
}

/** Outcome of a webhook delivery: the last reply and the exact bytes that were signed and sent. */
export interface WebhookDeliveryResult {
  status: number;
  body: string;
  attempts: number;
  rawBody: Buffer;
}

/** The `X-Hub-Signature-256` and legacy `X-Hub-Signature` values for a body (contract §7.3). */
export function signWebhookBody(secret: string, body: Buffer): { sha256: string; sha1: string } {
  return {
    sha256: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    sha1: `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
  };
}

function entriesBody(entries: PageWebhookEntry[], time: number): unknown {
  if (entries.length > MAX_ENTRIES_PER_BATCH)
    throw new Error(`Facebook emulator: at most ${MAX_ENTRIES_PER_BATCH} entries per batch`);
  return {
    object: 'page',
    entry: entries.map((e) => ({
      id: e.pageId,
      time: e.time ?? time,
      ...(e.changedFields ? { changed_fields: e.changedFields } : { changes: e.changes ?? [] }),
    })),
  };
}

/** Signs and POSTs a notification as Meta does, retrying with falling frequency when asked. */
export async function sendPageWebhook(
  state: EmulatorState,
  options: SendPageWebhookOptions,
): Promise<WebhookDeliveryResult> {
  const bytes =
    options.rawBody ??
    metaJsonBytes(options.body ?? entriesBody(options.entries ?? [], options.time ?? state.nowSeconds()));
  const signature = signWebhookBody(options.secret ?? state.options.appSecret, bytes);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.signatureHeader === undefined) {
    headers['x-hub-signature-256'] = signature.sha256;
    if (options.legacySignature !== false) headers['x-hub-signature'] = signature.sha1;
  } else if (options.signatureHeader !== null) {
    headers['x-hub-signature-256'] = options.signatureHeader;
  }
  const attempts = Math.max(1, options.retry?.attempts ?? 1);
  for (let attempt = 1; ; attempt++) {
    state.stats.deliveries++;
    try {
      const res = await sendHttp({
        method: 'POST',
        url: options.url,
        headers,
        body: bytes,
        signal: state.lifetime.signal,
      });
      if (res.status === 200 || attempt >= attempts)
        return { status: res.status, body: res.body, attempts: attempt, rawBody: bytes };
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
    await delay(options.retry?.delaysMs?.[attempt - 1] ?? 50 * 2 ** (attempt - 1), state.lifetime.signal);
  }
}

/** Options of `emulator.sendMessagingWebhook`. */
export interface SendMessagingWebhookOptions {
  url: string;
  pageId: string;
  text: string;
  /** Page-scoped id of the customer; default a fixed test PSID. */
  senderId?: string;
  secret?: string;
}

/** Sends a Messenger `messages` event (millisecond `time` and `timestamp`, contract §7.2). */
export function sendMessagingWebhook(
  state: EmulatorState,
  options: SendMessagingWebhookOptions,
): Promise<WebhookDeliveryResult> {
  const nowMs = state.options.now();
  const appId = state.options.appId;
  const entry: Record<string, unknown> = {
    time: nowMs,
    id: options.pageId,
    messaging: [
      {
        sender: { id: options.senderId ?? '7412589630214785' },
        recipient: { id: options.pageId },
        timestamp: nowMs - 350,
        message: {
          mid: `m_${Buffer.from(`${nowMs}:${options.text}`).toString('base64url').slice(0, 40)}`,
          text: options.text,
        },
      },
    ],
  };
  if (/^\d{1,15}$/.test(appId)) entry.hop_context = { app_id: Number(appId), metadata: '' };
  return sendPageWebhook(state, {
    url: options.url,
    body: { object: 'page', entry: [entry] },
    ...(options.secret ? { secret: options.secret } : {}),
  });
}

/** Page fields → webhook field and whether the notification carries the new `value` (contract §6 "Profile notifications"). */
const PROFILE_FIELDS: Record<string, { field: string; withValue: boolean }> = {
  name: { field: 'name', withValue: true },
  category: { field: 'category', withValue: true },
  company_overview: { field: 'company_overview', withValue: true },
  founded: { field: 'founded', withValue: true },
  general_info: { field: 'general_info', withValue: true },
  mission: { field: 'mission', withValue: true },
  products: { field: 'products', withValue: true },
  description: { field: 'description', withValue: false },
  emails: { field: 'email', withValue: false },
  phone: { field: 'phone', withValue: false },
  website: { field: 'website', withValue: false },
  hours: { field: 'hours', withValue: false },
  location: { field: 'location', withValue: false },
  picture: { field: 'picture', withValue: false },
  price_range: { field: 'price_range', withValue: false },
  payment_options: { field: 'payment_options', withValue: false },
};

/** Result of `emulator.changePage`: the webhook fields delivered (subscribed at both levels) and the delivery, if any. */
export interface ChangePageResult {
  fields: string[];
  delivery?: WebhookDeliveryResult;
}

/** Updates a Page and notifies the app callback (or `url`) about fields subscribed at both the app and the page level. */
export async function changePage(
  state: EmulatorState,
  pageId: string,
  patch: FacebookPagePatch,
  options: { url?: string } = {},
): Promise<ChangePageResult> {
  const page = state.pages.get(pageId);
  if (!page) throw new Error(`Facebook emulator: unknown page ${pageId}`);
  applyPagePatch(page, patch);
  const appSub = state.appSubscriptions.get('page');
  const pageFields = state.pageSubscriptions.get(pageId) ?? [];
  const url = options.url ?? appSub?.callbackUrl;
  const changed = Object.keys(patch).flatMap((key) => (PROFILE_FIELDS[key] ? [{ key, ...PROFILE_FIELDS[key] }] : []));
  const deliverable = changed.filter((c) => appSub?.fields.includes(c.field) && pageFields.includes(c.field));
  if (!appSub || !url || deliverable.length === 0) return { fields: [] };
  const fields = deliverable.map((c) => c.field);
  const entry: PageWebhookEntry = appSub.includeValues
    ? {
        pageId,
        changes: deliverable.map((c) =>
          c.withValue
            ? { field: c.field, value: (page as unknown as Record<string, unknown>)[c.key] }
            : { field: c.field },
        ),
      }
    : { pageId, changedFields: fields };
  return { fields, delivery: await sendPageWebhook(state, { url, entries: [entry] }) };
}
