import { type ConnectionArgs, paginate, type SortKey, sortByKey } from './connection';
import type { ExecContext, ResolverMap } from './exec-context';
import { gid, isoSeconds } from './ids';
import type { WebhookSubscriptionRecord } from './records';

/** Exact `userErrors` messages of contract §4 (captured from Shopify). */
export const SUBSCRIPTION_ERRORS = {
  taken: 'Address for this topic has already been taken',
  blank: "Address can't be blank",
  invalid: 'Address is invalid',
  missing: 'Webhook subscription does not exist',
} as const;

const ADDRESS_FIELD = ['webhookSubscription', 'callbackUrl'];

interface SubscriptionInput {
  uri?: string | null;
  callbackUrl?: string | null;
  format?: 'JSON' | 'XML' | null;
  includeFields?: string[] | null;
  metafieldNamespaces?: string[] | null;
  filter?: string | null;
  name?: string | null;
}

const keyOf = (s: WebhookSubscriptionRecord): SortKey => ({ id: s.legacyResourceId, value: null });

function addressError(address: string | null | undefined): string | null {
  if (!address) return SUBSCRIPTION_ERRORS.blank;
  if (/^(pubsub:\/\/|arn:aws:events:)/.test(address)) return null;
  try {
    const url = new URL(address);
    return url.protocol === 'https:' || url.protocol === 'http:' ? null : SUBSCRIPTION_ERRORS.invalid;
  } catch {
    return SUBSCRIPTION_ERRORS.invalid;
  }
}

function taken(ctx: ExecContext, topic: string, uri: string, format: string, exceptId?: string): boolean {
  return [...ctx.store.subscriptions.values()].some(
    (s) => s.id !== exceptId && s.topic === topic && s.uri === uri && s.format === format,
  );
}

/** Resolvers for the webhook subscription list and its create / update / delete mutations. */
export const webhookSubscriptionResolvers: ResolverMap = {
  'QueryRoot.webhookSubscriptions': (_s, args, ctx) => {
    const topics = args.topics as string[] | null | undefined;
    const uri = (args.uri ?? args.callbackUrl) as string | null | undefined;
    const list = [...ctx.store.subscriptions.values()].filter(
      (s) =>
        (!topics?.length || topics.includes(s.topic)) &&
        (!uri || s.uri === uri) &&
        (!args.format || s.format === args.format),
    );
    const reverse = args.reverse === true;
    return paginate(sortByKey(list, keyOf, reverse), args as ConnectionArgs, keyOf, { reverse, unbounded: ctx.bulk });
  },
  'QueryRoot.webhookSubscription': (_s, args, ctx) => ctx.store.subscriptions.get(String(args.id)) ?? null,
  'WebhookSubscription.callbackUrl': (s: WebhookSubscriptionRecord) => s.uri,
  'WebhookSubscription.endpoint': (s: WebhookSubscriptionRecord) => ({
    __typename: 'WebhookHttpEndpoint',
    callbackUrl: s.uri,
  }),
  'WebhookSubscription.apiVersion': (s: WebhookSubscriptionRecord) => ({
    handle: s.apiVersion,
    displayName: s.apiVersion,
    supported: true,
  }),
  'WebhookSubscription.metafields': () => [],
  'Mutation.webhookSubscriptionCreate': (_s, args, ctx) =>
    create(ctx, String(args.topic), args.webhookSubscription as SubscriptionInput),
  'Mutation.webhookSubscriptionUpdate': (_s, args, ctx) =>
    update(ctx, String(args.id), args.webhookSubscription as SubscriptionInput),
  'Mutation.webhookSubscriptionDelete': (_s, args, ctx) => {
    const id = String(args.id);
    if (!ctx.store.subscriptions.delete(id)) {
      return {
        deletedWebhookSubscriptionId: null,
        userErrors: [{ field: ['id'], message: SUBSCRIPTION_ERRORS.missing }],
      };
    }
    return { deletedWebhookSubscriptionId: id, userErrors: [] };
  },
};

function create(ctx: ExecContext, topic: string, input: SubscriptionInput): object {
  const uri = input.uri ?? input.callbackUrl;
  const format = input.format ?? 'JSON';
  const problem = addressError(uri);
  if (problem || !uri)
    return {
      webhookSubscription: null,
      userErrors: [{ field: ADDRESS_FIELD, message: problem ?? SUBSCRIPTION_ERRORS.blank }],
    };
  if (taken(ctx, topic, uri, format))
    return { webhookSubscription: null, userErrors: [{ field: ADDRESS_FIELD, message: SUBSCRIPTION_ERRORS.taken }] };
  const legacy = ctx.store.ids.next();
  const now = isoSeconds(ctx.now());
  const record: WebhookSubscriptionRecord = {
    __typename: 'WebhookSubscription',
    id: gid('WebhookSubscription', legacy),
    legacyResourceId: legacy,
    topic,
    uri,
    format,
    includeFields: input.includeFields ?? [],
    metafieldNamespaces: input.metafieldNamespaces ?? [],
    filter: input.filter ?? null,
    name: input.name ?? null,
    apiVersion: ctx.version,
    createdAt: now,
    updatedAt: now,
    failures: 0,
  };
  ctx.store.subscriptions.set(record.id, record);
  return { webhookSubscription: record, userErrors: [] };
}

function update(ctx: ExecContext, id: string, input: SubscriptionInput): object {
  const record = ctx.store.subscriptions.get(id);
  if (!record)
    return { webhookSubscription: null, userErrors: [{ field: ['id'], message: SUBSCRIPTION_ERRORS.missing }] };
  const uri = input.uri ?? input.callbackUrl ?? record.uri;
  const problem = addressError(uri);
  if (problem) return { webhookSubscription: null, userErrors: [{ field: ADDRESS_FIELD, message: problem }] };
  const format = input.format ?? record.format;
  if (taken(ctx, record.topic, uri, format, record.id)) {
    return { webhookSubscription: null, userErrors: [{ field: ADDRESS_FIELD, message: SUBSCRIPTION_ERRORS.taken }] };
  }
  Object.assign(record, {
    uri,
    format,
    updatedAt: isoSeconds(ctx.now()),
    ...(input.includeFields ? { includeFields: input.includeFields } : {}),
    ...(input.metafieldNamespaces ? { metafieldNamespaces: input.metafieldNamespaces } : {}),
    ...(input.filter !== undefined ? { filter: input.filter } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
  });
  return { webhookSubscription: record, userErrors: [] };
}

/** Returns API-created subscriptions of a topic (`products/update` or `PRODUCTS_UPDATE`). */
export function subscriptionsFor(
  subscriptions: Iterable<WebhookSubscriptionRecord>,
  topic: string,
): WebhookSubscriptionRecord[] {
  const enumName = toTopicEnum(topic);
  return [...subscriptions].filter((s) => s.topic === enumName);
}

/** Converts `products/update` to `PRODUCTS_UPDATE` (enum names pass through). */
export function toTopicEnum(topic: string): string {
  return topic.includes('/') ? topic.replace(/\//g, '_').toUpperCase() : topic;
}

/** Converts `PRODUCTS_UPDATE` to the header form `products/update`. */
export function toTopicHeader(topic: string): string {
  if (topic.includes('/')) return topic;
  const lower = topic.toLowerCase();
  // The first underscore separates resource from event, except for multi-word resources like inventory_levels.
  const known = [
    'inventory_levels',
    'inventory_items',
    'bulk_operations',
    'app_subscriptions',
    'app_purchases_one_time',
    'customers_marketing_consent',
  ];
  const prefix = known.find((k) => lower.startsWith(`${k}_`));
  if (prefix) return `${prefix}/${lower.slice(prefix.length + 1)}`;
  const i = lower.indexOf('_');
  return i === -1 ? lower : `${lower.slice(0, i)}/${lower.slice(i + 1)}`;
}
