import * as z from 'zod';

/** A Graph id: a numeric string (Page and app-scoped user ids exceed 2^53, so never numbers). */
const GraphId = z.string().regex(/^\d{1,25}$/);

/** Meta's error envelope (contract §8). */
export const GraphErrorSchema = z.object({
  error: z.object({
    message: z.string().default(''),
    type: z.string().optional(),
    code: z.number().int().optional(),
    error_subcode: z.number().int().optional(),
    is_transient: z.boolean().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    fbtrace_id: z.string().optional(),
  }),
});
/** The `error` object of a Graph error reply. */
export type GraphErrorBody = z.infer<typeof GraphErrorSchema>['error'];

/** `GET /oauth/access_token` reply (code exchange and `fb_exchange_token`). */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().nonnegative().optional(),
});

/** `GET /me` reply: the app-scoped user id. */
export const MeSchema = z.object({ id: GraphId, name: z.string().optional() });

/** One `{id, name}` category. */
export const CategorySchema = z.object({ id: z.string(), name: z.string() });

/** One Page of `GET /me/accounts` (its token stays inside the callback, never in a response or object). */
export const AccountPageSchema = z.object({
  id: GraphId,
  name: z.string(),
  category: z.string().optional(),
  category_list: z.array(CategorySchema).optional(),
  tasks: z.array(z.string()).optional(),
  access_token: z.string().min(1).optional(),
});
/** A Page as listed by `/me/accounts`. */
export type AccountPage = z.infer<typeof AccountPageSchema>;

/** One page of `GET /me/accounts` results; follow `paging.next` until it is absent. */
export const AccountsResponseSchema = z.object({
  data: z.array(AccountPageSchema),
  paging: z.object({ next: z.string().optional() }).optional(),
});

/** `GET /{page-id}/subscribed_apps` reply. */
export const SubscribedAppsSchema = z.object({
  data: z.array(z.object({ id: z.string(), subscribed_fields: z.array(z.string()).optional() })),
});

/** `{"success": true}` (Meta's docs also show the string `"true"`; accept both). */
export const SuccessSchema = z.object({ success: z.union([z.boolean(), z.literal('true')]) });

/** A Page's postal location (contract §5); Meta may add keys, which are kept. */
export const LocationSchema = z.looseObject({
  street: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  zip: z.string().optional(),
  country: z.string().optional(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
});

/** The Page fields a sales bot uses; unknown keys (such as `access_token`) are stripped. */
export const PageSchema = z.object({
  id: GraphId.describe('Page id, a numeric string'),
  name: z.string(),
  category: z.string().optional(),
  category_list: z.array(CategorySchema).optional(),
  about: z.string().optional(),
  description: z.string().optional(),
  emails: z.array(z.string()).optional(),
  phone: z.string().optional(),
  website: z.string().optional(),
  location: LocationSchema.optional(),
  hours: z.record(z.string(), z.string()).optional().describe('Keys {day}_{1|2}_{open|close}, values HH:MM'),
  link: z.string().optional(),
  username: z.string().optional(),
  followers_count: z.number().int().nonnegative().optional(),
  fan_count: z.number().int().nonnegative().optional(),
});
/** A Page as stored for the bot. */
export type Page = z.infer<typeof PageSchema>;

/** How the data was obtained. */
export const PageDataSourceSchema = z.enum(['oauth', 'webhook', 'poll', 'manual']);
/** One of `oauth`, `webhook`, `poll`, `manual`. */
export type PageDataSource = z.infer<typeof PageDataSourceSchema>;

/** `users/<uuid>/facebook_messenger/<page_id>/page_data.json`: the seed's `{"data":[page]}` plus sync metadata. */
export const PageDataSchema = z.object({
  data: z.array(PageSchema).length(1),
  meta: z.object({
    pageId: GraphId,
    syncedAt: z.iso.datetime(),
    graphVersion: z.string().regex(/^v\d+\.\d+$/),
    missingFields: z.array(z.string()).describe('Requested fields the Page has not set or Graph did not return'),
    source: PageDataSourceSchema,
  }),
});
/** The stored page_data.json document. */
export type PageData = z.infer<typeof PageDataSchema>;

/** A Page token sealed in the vault under `keys.pageToken(pageId)`. */
export const StoredPageTokenSchema = z.object({ accessToken: z.string().min(1), asid: GraphId, uuid: z.string(), obtainedAt: z.string() });
/** The vault value of a Page token. */
export type StoredPageToken = z.infer<typeof StoredPageTokenSchema>;

/** A long-lived user token sealed in the vault under `keys.facebookUserToken(uuid)`. */
export const StoredUserTokenSchema = z.object({ accessToken: z.string().min(1), asid: GraphId, expiresAt: z.string().nullable(), obtainedAt: z.string() });
/** The vault value of a user token. */
export type StoredUserToken = z.infer<typeof StoredUserTokenSchema>;

/** `private/deletions/<code>.json`: the state of one data-deletion request, shown by `facebook/deletion-status`. No personal data. */
export const DeletionStatusSchema = z.object({
  confirmation_code: z.string().regex(/^[A-Za-z0-9]{1,64}$/),
  status: z.enum(['in_progress', 'completed']),
  requested_at: z.iso.datetime(),
  completed_at: z.iso.datetime().nullable(),
  pages_deleted: z.number().int().nonnegative(),
});
/** A stored deletion status. */
export type DeletionStatus = z.infer<typeof DeletionStatusSchema>;
