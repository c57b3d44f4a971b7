import * as z from 'zod/mini';
import { FacebookApiError } from '../errors';
import type { Logger } from '../log';
import { keys } from '../storage/keys';
import type { ObjectStore } from '../storage/store';
import type { GraphClient } from './graph-client';
import {
  PageDataSchema,
  PageSchema,
  SubscribedAppsSchema,
  SuccessSchema,
  type Page,
  type PageData,
  type PageDataSource,
} from './schemas';

/** Page fields a sales bot reads (contract §5). */
export const PAGE_FIELDS = [
  'name',
  'category',
  'category_list',
  'about',
  'description',
  'emails',
  'phone',
  'website',
  'location',
  'hours',
  'link',
  'username',
  'followers_count',
  'fan_count',
] as const;
/** Fields kept when Graph refuses a permission: what any Page token may read. */
const BASIC_FIELDS = ['name', 'category', 'link'];
/** The page-level webhook fields we need (contract §6: there is no `about`). */
export const SUBSCRIBED_FIELDS = ['name', 'category'] as const;
/**
 * Page webhook fields whose change alters what page_data.json holds (contract §6: most carry no
 * value, so any of them means "re-read the Page"); the app-level subscription asks for these.
 */
export const PROFILE_WEBHOOK_FIELDS = [
  'name',
  'category',
  'description',
  'email',
  'phone',
  'website',
  'hours',
  'location',
] as const;
const MAX_FIELD_RETRIES = 4;

/** A fetched Page and the requested fields it did not come with. */
export interface FetchedPage {
  page: Page;
  missingFields: string[];
}

/**
 * Reads a Page's fields with its token. A field Graph says does not exist is dropped and the call
 * repeated; a permission refusal falls back to the basic fields; either way the dropped fields are
 * reported as missing, not as a failure. A value of an unexpected shape is dropped the same way.
 */
export async function fetchPage(
  graph: GraphClient,
  pageId: string,
  token: string,
  deadline: number,
): Promise<FetchedPage> {
  let fields: string[] = [...PAGE_FIELDS];
  for (let attempt = 0; ; attempt++) {
    try {
      const raw = await graph.get(
        `/${pageId}`,
        token,
        { fields: fields.join(',') },
        z.record(z.string(), z.unknown()),
        {
          deadline,
          label: `GET /${pageId}`,
        },
      );
      return toPage(pageId, raw);
    } catch (err) {
      if (!(err instanceof FacebookApiError) || attempt >= MAX_FIELD_RETRIES) throw err;
      const unknown = err.fbCode === 100 ? /nonexisting field \(([a-z_]+)\)/.exec(err.message)?.[1] : undefined;
      if (unknown && unknown !== 'name' && fields.includes(unknown)) fields = fields.filter((f) => f !== unknown);
      else if (err.code === 'facebook_permission_missing' && fields.length > BASIC_FIELDS.length)
        fields = [...BASIC_FIELDS];
      else throw err;
    }
  }
}

function toPage(pageId: string, raw: Record<string, unknown>): FetchedPage {
  const shape = PageSchema.shape as Record<string, z.ZodMiniType>;
  const page: Record<string, unknown> = { id: pageId };
  const missingFields: string[] = [];
  for (const field of PAGE_FIELDS) {
    const parsed = shape[field]!.safeParse(raw[field]);
    if (raw[field] !== undefined && parsed.success) page[field] = parsed.data;
    else missingFields.push(field);
  }
  if (typeof raw.id === 'string' && raw.id !== pageId) {
    throw new FacebookApiError(`GET /${pageId}: Graph answered for another id.`, undefined, undefined, {
      code: 'facebook_bad_shape',
    });
  }
  const result = PageSchema.safeParse(page);
  if (!result.success) {
    throw new FacebookApiError(`GET /${pageId}: the Page came back without a name.`, undefined, undefined, {
      code: 'facebook_bad_shape',
      cause: result.error,
    });
  }
  return { page: result.data, missingFields };
}

/** Builds the page_data.json document in the seed's `{"data":[page]}` shape plus metadata. */
export function buildPageData(
  fetched: FetchedPage,
  options: { graphVersion: string; now: number; source: PageDataSource },
): PageData {
  return PageDataSchema.parse({
    data: [fetched.page],
    meta: {
      pageId: fetched.page.id,
      syncedAt: new Date(options.now).toISOString(),
      graphVersion: options.graphVersion,
      missingFields: fetched.missingFields,
      source: options.source,
    },
  });
}

/** Validates and writes `users/<uuid>/facebook_messenger/<page_id>/page_data.json` in one PUT. */
export async function writePageData(store: ObjectStore, uuid: string, data: PageData): Promise<void> {
  const valid = PageDataSchema.parse(data);
  await store.putJson(keys.pageSnapshot(uuid, valid.meta.pageId), valid);
}

/**
 * Makes sure our app is subscribed to the Page's `name,category` webhooks: reads `subscribed_apps`
 * first and only POSTs when a field is missing, keeping any fields already subscribed.
 */
export async function ensurePageSubscription(
  graph: GraphClient,
  options: { pageId: string; token: string; appId: string; deadline: number; log: Logger },
): Promise<'existing' | 'created'> {
  const { pageId, token, deadline, log } = options;
  const wanted = SUBSCRIBED_FIELDS.join(',');
  const current = await graph.get(`/${pageId}/subscribed_apps`, token, {}, SubscribedAppsSchema, {
    deadline,
    label: `GET /${pageId}/subscribed_apps`,
  });
  const have = current.data.find((app) => app.id === options.appId)?.subscribed_fields ?? [];
  if (SUBSCRIBED_FIELDS.every((f) => have.includes(f))) {
    log.info(`Webhook subscription for '${wanted}' already exists for page ${pageId}`);
    return 'existing';
  }
  const fields = [...new Set([...have, ...SUBSCRIBED_FIELDS])].join(',');
  await graph.post(`/${pageId}/subscribed_apps`, token, { subscribed_fields: fields }, SuccessSchema, {
    deadline,
    label: `POST /${pageId}/subscribed_apps`,
  });
  log.info(`Webhook subscription for '${wanted}' created for page ${pageId}`);
  return 'created';
}
