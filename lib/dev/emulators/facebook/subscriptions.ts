import { randomInt } from 'node:crypto';
import { requireApp, requirePageToken, type Principal } from './auth';
import { GraphError, paramError, unsupportedRequest } from './errors';
import { sendHttp, type GraphReply, type GraphRequest } from './http';
import type { EmulatorState } from './state';
import type { AppSubscription } from './types';

/**
 * Page webhook fields the emulator accepts, in the reference's alphabetical order (a subset of Meta's ≈100; note
 * `email`, and no `about`).
 */
export const PAGE_WEBHOOK_FIELDS: ReadonlySet<string> = new Set([
  'attire',
  'category',
  'checkins',
  'company_overview',
  'description',
  'email',
  'feed',
  'founded',
  'general_info',
  'hours',
  'leadgen',
  'live_videos',
  'location',
  'members',
  'mention',
  'merchant_review',
  'message_deliveries',
  'message_echoes',
  'message_reactions',
  'message_reads',
  'messages',
  'messaging_handovers',
  'messaging_optins',
  'messaging_postbacks',
  'messaging_referrals',
  'mission',
  'name',
  'page_about_story',
  'page_change_proposal',
  'parking',
  'payment_options',
  'personal_info',
  'phone',
  'picture',
  'price_range',
  'product_review',
  'products',
  'ratings',
  'standby',
  'videos',
  'website',
]);
const APP_OBJECTS = new Set(['page', 'user', 'permissions', 'application', 'instagram', 'whatsapp_business_account']);

function listParam(value: string | null): string[] {
  if (!value) return [];
  // Graph accepts both `a,b` and a JSON array `["a","b"]`.
  if (value.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // fall through to comma splitting
    }
  }
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `GET/POST/DELETE /{page-id}/subscribed_apps` with the Page's token (contract §6, page level). */
export function subscribedApps(
  state: EmulatorState,
  request: GraphRequest,
  principal: Principal,
  pageId: string,
): GraphReply {
  if (!state.pages.has(pageId)) throw unsupportedRequest(request.method, pageId);
  requirePageToken(principal, pageId);
  if (request.method === 'POST') {
    const fields = listParam(request.params.get('subscribed_fields'));
    if (fields.length === 0) throw paramError('(#100) The parameter subscribed_fields is required');
    fields.forEach((field, i) => {
      if (!PAGE_WEBHOOK_FIELDS.has(field)) {
        throw paramError(
          `(#100) Param subscribed_fields[${i}] must be one of {${[...PAGE_WEBHOOK_FIELDS].join(', ')}} - got "${field}".`,
        );
      }
    });
    state.pageSubscriptions.set(pageId, [...new Set(fields)]);
    return { body: { success: true } };
  }
  if (request.method === 'DELETE') {
    state.pageSubscriptions.delete(pageId);
    return { body: { success: true } };
  }
  const fields = state.pageSubscriptions.get(pageId);
  if (!fields) return { body: { data: [] } };
  const { appId, appName } = state.options;
  const cursor = Buffer.from(`fbemu:${appId}`).toString('base64');
  return {
    body: {
      data: [
        {
          category: 'Business',
          link: `https://www.facebook.com/games/?app_id=${appId}`,
          name: appName,
          id: appId,
          subscribed_fields: fields,
        },
      ],
      paging: { cursors: { before: cursor, after: cursor } },
    },
  };
}

/** Performs Meta's §7.1 verification GET and fails with (#2200) unless the challenge is echoed with a 200. */
async function verifyCallback(state: EmulatorState, callbackUrl: string, verifyToken: string): Promise<void> {
  const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
  const url = new URL(callbackUrl);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.verify_token', verifyToken);
  state.stats.deliveries++;
  let problem: string;
  try {
    const res = await sendHttp({ method: 'GET', url: url.toString(), signal: state.lifetime.signal });
    if (res.status === 200 && res.body.trim() === challenge) return;
    problem = `HTTP Status Code = ${res.status}; Response Body = ${res.body.slice(0, 200)}; Expected challenge = ${challenge}`;
  } catch (err) {
    problem = `curl_errno = 7; curl_error = ${(err as Error).message}`;
  }
  throw new GraphError({
    message: `(#2200) Callback verification failed with the following errors: ${problem}`,
    code: 2200,
  });
}

function renderAppSubscription(sub: AppSubscription): Record<string, unknown> {
  return {
    object: sub.object,
    callback_url: sub.callbackUrl,
    active: sub.active,
    fields: sub.fields.map((name) => ({ name, version: sub.version })),
  };
}

/** `GET/POST/DELETE /{app-id}/subscriptions` with an app token (contract §6, app level); POST verifies the callback first. */
export async function appSubscriptions(
  state: EmulatorState,
  request: GraphRequest,
  principal: Principal,
  appId: string,
): Promise<GraphReply> {
  if (appId !== state.options.appId) throw unsupportedRequest(request.method, appId);
  requireApp(principal);
  const params = request.params;
  const object = params.get('object');
  if (request.method === 'GET')
    return { body: { data: [...state.appSubscriptions.values()].map(renderAppSubscription) } };
  if (request.method === 'DELETE') {
    const fields = listParam(params.get('fields'));
    const targets = object ? [object] : [...state.appSubscriptions.keys()];
    for (const target of targets) {
      const sub = state.appSubscriptions.get(target);
      if (!sub) continue;
      if (fields.length > 0) sub.fields = sub.fields.filter((f) => !fields.includes(f));
      if (fields.length === 0 || sub.fields.length === 0) state.appSubscriptions.delete(target);
    }
    return { body: { success: true } };
  }
  if (!object) throw paramError('(#100) The parameter object is required');
  if (!APP_OBJECTS.has(object))
    throw paramError(`(#100) Param object must be one of {${[...APP_OBJECTS].join(', ')}} - got "${object}".`);
  const existing = state.appSubscriptions.get(object);
  const callbackUrl = params.get('callback_url') ?? existing?.callbackUrl;
  if (!callbackUrl) throw paramError('(#100) The parameter callback_url is required');
  const fields = listParam(params.get('fields'));
  if (fields.length === 0 && !existing) throw paramError('(#100) The parameter fields is required');
  const verifyToken = params.get('verify_token') ?? existing?.verifyToken ?? '';
  if (params.has('callback_url')) await verifyCallback(state, callbackUrl, verifyToken);
  const includeValues = params.has('include_values')
    ? params.get('include_values') === 'true'
    : (existing?.includeValues ?? false);
  state.appSubscriptions.set(object, {
    object,
    callbackUrl,
    verifyToken,
    fields: [...new Set([...(existing?.fields ?? []), ...fields])],
    includeValues,
    active: true,
    version: existing?.version ?? request.version,
  });
  return { body: { success: true } };
}
