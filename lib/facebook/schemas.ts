// zod/mini (tree-shakable): these schemas load with the Facebook and poll functions; classic zod cost ~97 KB a bundle.
// Same validation as before; its issues carry no English text (no locale is loaded), and none is shown to a user.
import * as z from 'zod/mini';

/** A Graph id: a numeric string (Page and app-scoped user ids exceed 2^53, so never numbers). */
const GraphId = z.string().check(z.regex(/^\d{1,25}$/));

/** Meta's error envelope (contract §8). */
export const GraphErrorSchema = z.object({
  error: z.object({
    message: z._default(z.string(), ''),
    type: z.optional(z.string()),
    code: z.optional(z.int()),
    error_subcode: z.optional(z.int()),
    is_transient: z.optional(z.boolean()),
    error_user_title: z.optional(z.string()),
    error_user_msg: z.optional(z.string()),
    fbtrace_id: z.optional(z.string()),
  }),
});
/** The `error` object of a Graph error reply. */
export type GraphErrorBody = z.infer<typeof GraphErrorSchema>['error'];

/** `GET /oauth/access_token` reply (code exchange and `fb_exchange_token`). */
export const TokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.optional(z.string()),
  expires_in: z.optional(z.number().check(z.nonnegative())),
});

/** `GET /me` reply: the app-scoped user id. */
export const MeSchema = z.object({ id: GraphId, name: z.optional(z.string()) });

/** One `{id, name}` category. */
export const CategorySchema = z.object({ id: z.string(), name: z.string() });

/** One Page of `GET /me/accounts` (its token stays inside the callback, never in a response or object). */
export const AccountPageSchema = z.object({
  id: GraphId,
  name: z.string(),
  category: z.optional(z.string()),
  category_list: z.optional(z.array(CategorySchema)),
  tasks: z.optional(z.array(z.string())),
  access_token: z.optional(z.string().check(z.minLength(1))),
});
/** A Page as listed by `/me/accounts`. */
export type AccountPage = z.infer<typeof AccountPageSchema>;

/** One page of `GET /me/accounts` results; follow `paging.next` until it is absent. */
export const AccountsResponseSchema = z.object({
  data: z.array(AccountPageSchema),
  paging: z.optional(z.object({ next: z.optional(z.string()) })),
});

/** `GET /{page-id}/subscribed_apps` reply. */
export const SubscribedAppsSchema = z.object({
  data: z.array(z.object({ id: z.string(), subscribed_fields: z.optional(z.array(z.string())) })),
});

/** `{"success": true}` (Meta's docs also show the string `"true"`; accept both). */
export const SuccessSchema = z.object({ success: z.union([z.boolean(), z.literal('true')]) });

/** A Page's postal location (contract §5); Meta may add keys, which are kept. */
export const LocationSchema = z.partial(
  z.looseObject({
    street: z.string(),
    city: z.string(),
    state: z.string(),
    zip: z.string(),
    country: z.string(),
    latitude: z.number(),
    longitude: z.number(),
  }),
);

/** The Page fields a sales bot uses; unknown keys (such as `access_token`) are stripped. */
export const PageSchema = z.object({
  id: GraphId.check(z.describe('Page id, a numeric string')),
  name: z.string(),
  category: z.optional(z.string()),
  category_list: z.optional(z.array(CategorySchema)),
  about: z.optional(z.string()),
  description: z.optional(z.string()),
  emails: z.optional(z.array(z.string())),
  phone: z.optional(z.string()),
  website: z.optional(z.string()),
  location: z.optional(LocationSchema),
  hours: z.optional(z.record(z.string(), z.string())).check(z.describe('Keys {day}_{1|2}_{open|close}, values HH:MM')),
  link: z.optional(z.string()),
  username: z.optional(z.string()),
  followers_count: z.optional(z.int().check(z.nonnegative())),
  fan_count: z.optional(z.int().check(z.nonnegative())),
});
/** A Page as stored for the bot. */
export type Page = z.infer<typeof PageSchema>;

/** How the data was obtained. */
export const PageDataSourceSchema = z.enum(['oauth', 'webhook', 'poll', 'manual']);
/** One of `oauth`, `webhook`, `poll`, `manual`. */
export type PageDataSource = z.infer<typeof PageDataSourceSchema>;

/** `users/<uuid>/facebook_messenger/<page_id>/page_data.json`: the seed's `{"data":[page]}` plus sync metadata. */
export const PageDataSchema = z.object({
  data: z.array(PageSchema).check(z.length(1)),
  meta: z.object({
    pageId: GraphId,
    syncedAt: z.iso.datetime(),
    graphVersion: z.string().check(z.regex(/^v\d+\.\d+$/)),
    missingFields: z
      .array(z.string())
      .check(z.describe('Requested fields the Page has not set or Graph did not return')),
    source: PageDataSourceSchema,
  }),
});
/** The stored page_data.json document. */
export type PageData = z.infer<typeof PageDataSchema>;

/** A Page token sealed in the vault under `keys.pageToken(pageId)`. */
export const StoredPageTokenSchema = z.object({
  accessToken: z.string().check(z.minLength(1)),
  asid: GraphId,
  uuid: z.string(),
  obtainedAt: z.string(),
});
/** The vault value of a Page token. */
export type StoredPageToken = z.infer<typeof StoredPageTokenSchema>;

/** A long-lived user token sealed in the vault under `keys.facebookUserToken(uuid)`. */
export const StoredUserTokenSchema = z.object({
  accessToken: z.string().check(z.minLength(1)),
  asid: GraphId,
  expiresAt: z.nullable(z.string()),
  obtainedAt: z.string(),
});
/** The vault value of a user token. */
export type StoredUserToken = z.infer<typeof StoredUserTokenSchema>;

/** `private/deletions/<code>.json`: the state of one data-deletion request, shown by `facebook/deletion-status`. No personal data. */
export const DeletionStatusSchema = z.object({
  confirmation_code: z.string().check(z.regex(/^[A-Za-z0-9]{1,64}$/)),
  status: z.enum(['in_progress', 'completed']),
  requested_at: z.iso.datetime(),
  completed_at: z.nullable(z.iso.datetime()),
  pages_deleted: z.int().check(z.nonnegative()),
});
/** A stored deletion status. */
export type DeletionStatus = z.infer<typeof DeletionStatusSchema>;
