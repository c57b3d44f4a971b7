import * as z from 'zod/mini';
import { AppError, BadRequestError, FacebookApiError } from '../errors';
import type { GraphClient } from './graph-client';
import { PROFILE_WEBHOOK_FIELDS } from './page-data';
import { SuccessSchema } from './schemas';

/** Messenger fields a bot on the same Meta app receives through the (single) page callback URL. */
export const MESSAGING_WEBHOOK_FIELDS = ['messages', 'messaging_postbacks'] as const;
const isMessagingField = (field: string) => field.startsWith('messag') || field === 'standby';
/** Registration waits for Meta's verification GET to our webhook; it must fit this budget. */
const REGISTER_BUDGET_MS = 25_000;

/** `GET /{app-id}/subscriptions` reply (fields are `{name, version}` objects; older replies used strings). */
export const AppSubscriptionsSchema = z.object({
  data: z.array(
    z.object({
      object: z.string(),
      callback_url: z.string(),
      active: z.optional(z.boolean()),
      fields: z._default(
        z.array(
          z.union([
            z.string(),
            z.pipe(
              z.object({ name: z.string() }),
              z.transform((f) => f.name),
            ),
          ]),
        ),
        [],
      ),
    }),
  ),
});

/** The app access token `{app-id}|{app-secret}` (contract §3); it embeds the secret, so never log it. */
export const appAccessToken = (appId: string, appSecret: string) => `${appId}|${appSecret}`;

/** The app-level fields we register: the profile fields, plus Messenger's when we forward them to a bot. */
export function appWebhookFields(options: { forwardMessaging: boolean }): string[] {
  return [...PROFILE_WEBHOOK_FIELDS, ...(options.forwardMessaging ? MESSAGING_WEBHOOK_FIELDS : [])];
}

/** What `registerPageWebhook` did. */
export interface RegistrationResult {
  state: 'already_registered' | 'registered';
  fields: string[];
  /** The page callback URL that was replaced, when another one was registered before. */
  replacedCallbackUrl?: string;
}

/**
 * Registers the app's `page` webhook subscription idempotently: reads `/{app-id}/subscriptions`
 * first and does nothing when our callback is registered with every wanted field; otherwise POSTs
 * (Meta first verifies the callback with a `hub.challenge` GET, so the webhook must be reachable).
 * A page app has one callback URL: replacing one that receives Messenger events is refused unless
 * those events will be forwarded (`forwardMessaging`) or `force` is set.
 */
export async function registerPageWebhook(
  graph: GraphClient,
  options: {
    appId: string;
    appSecret: string;
    callbackUrl: string;
    verifyToken: string;
    fields: string[];
    forwardMessaging: boolean;
    force?: boolean;
  },
): Promise<RegistrationResult> {
  const token = appAccessToken(options.appId, options.appSecret);
  const deadline = Date.now() + REGISTER_BUDGET_MS;
  const path = `/${options.appId}/subscriptions`;
  const current = await graph.get(path, token, {}, AppSubscriptionsSchema, {
    deadline,
    label: 'GET /{app-id}/subscriptions',
  });
  const page = current.data.find((s) => s.object === 'page');
  const has = new Set(page?.fields ?? []);
  if (
    page &&
    page.callback_url === options.callbackUrl &&
    page.active !== false &&
    options.fields.every((f) => has.has(f))
  ) {
    return { state: 'already_registered', fields: [...has] };
  }
  const replaced = page && page.callback_url !== options.callbackUrl ? page.callback_url : undefined;
  const messaging = [...has].filter(isMessagingField);
  if (replaced && messaging.length > 0 && !options.forwardMessaging && !options.force) {
    throw new BadRequestError(
      `The app's page webhook goes to ${replaced} and receives Messenger fields (${messaging.join(', ')}). A Meta app has one page callback URL: ` +
        'set FACEBOOK_MESSAGING_FORWARD_URL to that bot endpoint so we forward its events, or pass --force to take the callback anyway.',
      { code: 'callback_in_use' },
    );
  }
  const params = {
    object: 'page',
    callback_url: options.callbackUrl,
    fields: options.fields.join(','),
    verify_token: options.verifyToken,
    include_values: 'true',
  };
  await graph.post(path, token, params, SuccessSchema, { deadline, label: 'POST /{app-id}/subscriptions' });
  return {
    state: 'registered',
    fields: [...new Set([...has, ...options.fields])],
    ...(replaced ? { replacedCallbackUrl: replaced } : {}),
  };
}

/** A message for a failed registration that says what to check. */
export function explainRegistrationFailure(err: unknown, callbackUrl: string): string {
  if (err instanceof FacebookApiError) {
    if (err.fbCode === 2200) {
      return `Meta could not verify ${callbackUrl}: ${err.message}\nCheck that facebook/webhook is deployed and publicly reachable at that URL (APP_URL), and that FACEBOOK_VERIFY_TOKEN is the same value the function was deployed with.`;
    }
    if (err.fbCode === 190 || err.fbCode === 101 || err.fbCode === 1) {
      return `Meta refused the app token: ${err.message}\nCheck FACEBOOK_APP_ID and FACEBOOK_APP_SECRET (App Dashboard → Settings → Basic).`;
    }
    if (err.code === 'facebook_unreachable') return `${err.message}`;
    return `Meta refused the subscription: ${err.message}`;
  }
  if (err instanceof AppError) return err.message;
  return `Unexpected failure: ${err instanceof Error ? err.message : String(err)}`;
}
