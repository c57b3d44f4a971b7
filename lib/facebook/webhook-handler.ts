import {
  BadRequestError,
  ForbiddenError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '../errors';
import { json, text } from '../http/responses';
import { safeCompare } from '../crypto/safe-compare';
import { pyRepr } from '../log';
import type { FacebookDeps } from './deps';
import { PROFILE_WEBHOOK_FIELDS } from './page-data';
import { refreshPage, failureMessage } from './page-sync';
import { forEachLimit } from '../concurrency';
import { getPageRecord } from './registry';
import { claimDelivery } from './webhook-dedupe';
import { SIGNATURE_ERRORS, SIGNATURE_HEADER, verifyFacebookSignature } from './webhook-signature';

/** Meta sends bodies over 300 KB; DO caps requests at 1 MB anyway. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Page refreshes must end well inside the function's 10 s limit. */
const REFRESH_BUDGET_MS = 6_000;
const REFRESH_CONCURRENCY = 4;
const FORWARD_TIMEOUT_MS = 4_000;

type Entry = Record<string, unknown> & { id?: unknown; time?: unknown };
const REFRESH_FIELDS: ReadonlySet<string> = new Set(PROFILE_WEBHOOK_FIELDS);

/**
 * The `facebook/webhook` handler (web: raw). GET answers Meta's verification challenge; POST
 * verifies `X-Hub-Signature-256` over the raw bytes, drops redeliveries (sha256 of body and
 * signature, recorded with a conditional PUT), then handles each `entry[]` on its own: refreshes
 * every connected Page whose profile fields changed and forwards Messenger entries. Valid
 * deliveries always get 200, including redeliveries and objects or fields we do not use.
 */
export async function handleFacebookWebhook(request: Request, deps: FacebookDeps): Promise<Response> {
  if (request.method === 'GET') return verifySubscription(request, deps);
  if (request.method !== 'POST') throw new MethodNotAllowedError(request.method, ['GET', 'POST']);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError('Webhook body is larger than 1 MB.');
  const check = verifyFacebookSignature(request.headers, body, deps.config.FACEBOOK_APP_SECRET);
  if (!check.ok) {
    const { status, message } = SIGNATURE_ERRORS[check.reason];
    deps.log.warn(`Rejected Facebook webhook: ${message}`);
    if (status === 401) throw new UnauthorizedError(message, { code: 'invalid_signature' });
    throw new BadRequestError(message, { code: `signature_${check.reason}` });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new BadRequestError('Webhook body is not valid JSON.', { code: 'invalid_json' });
  }
  const { object, entry } = (payload ?? {}) as { object?: unknown; entry?: unknown };
  if (object !== 'page' || !Array.isArray(entry)) {
    deps.log.info(`Ignored Facebook webhook for object ${pyRepr(object ?? null)}: only page notifications are handled`);
    return json({ status: 'ignored' });
  }
  const plan = await planEntries(entry as Entry[], deps);
  if (plan.toRefresh.size === 0 && plan.messaging === 0) return json({ status: 'ok', updated: [] });
  // Only deliveries that would change something are recorded; a redelivery of one changes nothing.
  const claim = await claimDelivery(deps.store, {
    object,
    body,
    signature: request.headers.get(SIGNATURE_HEADER) ?? '',
    entries: entry.length,
    now: deps.clock.now(),
  });
  if (!claim.fresh) {
    deps.log.info(
      `Ignored a redelivered Facebook webhook (${entry.length} entr${entry.length === 1 ? 'y' : 'ies'}): already processed`,
    );
    return json({ status: 'duplicate' });
  }
  try {
    return json(await applyPlan(plan, body, request.headers, deps));
  } catch (err) {
    // Give the claim back so Meta's retry of this delivery is applied.
    await claim.release().catch(() => undefined);
    throw err;
  }
}

function verifySubscription(request: Request, deps: FacebookDeps): Response {
  const params = new URL(request.url).searchParams;
  const token = params.get('hub.verify_token') ?? '';
  if (params.get('hub.mode') !== 'subscribe' || !safeCompare(token, deps.config.FACEBOOK_VERIFY_TOKEN)) {
    deps.log.warn('Refused a webhook verification: hub.mode or hub.verify_token is wrong');
    throw new ForbiddenError(
      'Verification failed: hub.mode must be subscribe and hub.verify_token must equal FACEBOOK_VERIFY_TOKEN.',
      {
        code: 'verify_token_mismatch',
      },
    );
  }
  return text(params.get('hub.challenge') ?? '');
}

// Each entry on its own: one that cannot be read (or whose registry lookup fails) never stops the others.
async function planEntries(
  entries: Entry[],
  deps: FacebookDeps,
): Promise<{ toRefresh: Set<string>; messaging: number }> {
  const toRefresh = new Set<string>();
  let messaging = 0;
  for (const entry of entries) {
    if (Array.isArray(entry?.messaging) || Array.isArray(entry?.standby)) messaging++;
    try {
      const pageId = await pageToRefresh(entry, deps);
      if (pageId) toRefresh.add(pageId);
    } catch (err) {
      deps.log.error(`Could not handle a webhook entry for page ${String(entry?.id ?? '?')}: ${failureMessage(err)}`);
    }
  }
  return { toRefresh, messaging };
}

async function applyPlan(
  plan: { toRefresh: Set<string>; messaging: number },
  raw: Uint8Array,
  headers: Headers,
  deps: FacebookDeps,
) {
  const { toRefresh, messaging } = plan;
  const { log } = deps;
  const deadline = deps.clock.now() + REFRESH_BUDGET_MS;
  const updated: string[] = [];
  await forEachLimit([...toRefresh], REFRESH_CONCURRENCY, async (pageId) => {
    try {
      const refresh = await refreshPage(pageId, deps, { source: 'webhook', deadline });
      if (refresh.upload.status === 'success') {
        updated.push(pageId);
        log.info(`Updated data in Spaces for page ${pageId}`);
      } else {
        log.warn(
          `Could not update page ${pageId} after a webhook: ${refresh.poll.status === 'failed' ? refresh.poll.message : refresh.upload.status === 'failed' ? refresh.upload.message : ''}`,
        );
      }
    } catch (err) {
      log.error(`Could not update page ${pageId} after a webhook: ${failureMessage(err)}`);
    }
  });
  const forwarded = messaging > 0 ? await forwardMessaging(raw, headers, messaging, deps) : undefined;
  return { status: 'ok', updated: updated.sort(), ...(forwarded ? { messaging: forwarded } : {}) };
}

// The Page an entry asks us to re-read, or null (logged) when it names no connected Page or no field we store.
async function pageToRefresh(entry: Entry, deps: FacebookDeps): Promise<string | null> {
  const { log, store } = deps;
  if (!entry || typeof entry !== 'object') {
    log.info(`Ignored a webhook entry that is not an object: ${pyRepr(entry ?? null)}`);
    return null;
  }
  const pageId = String(entry.id ?? '');
  const fields = [
    ...(Array.isArray(entry.changes)
      ? entry.changes.map((c: { field?: unknown } | null) => String(c?.field ?? ''))
      : []),
    ...(Array.isArray(entry.changed_fields) ? entry.changed_fields.map(String) : []),
  ];
  if (!Array.isArray(entry.changes) && !Array.isArray(entry.changed_fields)) {
    if (!Array.isArray(entry.messaging) && !Array.isArray(entry.standby))
      log.info(`Ignored webhook entry for page ${pageId}: it has no changes or messaging`);
    return null;
  }
  const { time: _time, ...shown } = entry;
  log.info(`Received webhook event for page ${pageId}: ${pyRepr(shown)}`);
  const unused = [...new Set(fields.filter((f) => !REFRESH_FIELDS.has(f)))];
  if (unused.length > 0)
    log.info(
      `Ignored webhook field${unused.length === 1 ? '' : 's'} ${unused.join(', ')} for page ${pageId}: not part of the stored page data`,
    );
  if (unused.length === fields.length) return null;
  const record = await getPageRecord(store, pageId);
  if (!record) log.info(`Ignored webhook event for page ${pageId}: the page is not connected`);
  else if (record.state !== 'connected')
    log.info(`Ignored webhook event for page ${pageId}: it needs re-authorisation`);
  else return pageId;
  return null;
}

/**
 * Forwards a delivery with Messenger entries to FACEBOOK_MESSAGING_FORWARD_URL: the raw bytes and
 * Meta's signature headers unchanged, so the bot verifies them itself. Without a URL it only logs.
 */
async function forwardMessaging(
  raw: Uint8Array,
  headers: Headers,
  count: number,
  deps: FacebookDeps,
): Promise<'forwarded' | 'acknowledged' | 'forward_failed'> {
  const url = deps.config.FACEBOOK_MESSAGING_FORWARD_URL;
  if (!url) {
    deps.log.info(
      `Acknowledged ${count} Messenger entr${count === 1 ? 'y' : 'ies'}: FACEBOOK_MESSAGING_FORWARD_URL is not set`,
    );
    return 'acknowledged';
  }
  const out = new Headers({ 'content-type': headers.get('content-type') ?? 'application/json' });
  for (const name of [SIGNATURE_HEADER, 'x-hub-signature']) {
    const value = headers.get(name);
    if (value) out.set(name, value);
  }
  try {
    const res = await deps.fetch(url, {
      method: 'POST',
      headers: out,
      body: new Uint8Array(raw),
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) {
      deps.log.error(`Forwarding Messenger entries failed: ${new URL(url).origin} answered ${res.status}`);
      return 'forward_failed';
    }
    deps.log.info(`Forwarded ${count} Messenger entr${count === 1 ? 'y' : 'ies'} to ${new URL(url).origin}`);
    return 'forwarded';
  } catch (err) {
    deps.log.error(`Forwarding Messenger entries failed: ${failureMessage(err)}`);
    return 'forward_failed';
  }
}
