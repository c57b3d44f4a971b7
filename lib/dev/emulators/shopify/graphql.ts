import { randomUUID } from 'node:crypto';
import {
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  getOperationAST,
  getVariableValues,
  type GraphQLError,
  parse,
  print,
} from 'graphql';
import type { LeakyBucket } from './bucket';
import { catalogResolvers } from './catalog-resolvers';
import { requestedQueryCost } from './cost';
import type { BulkRunnerHooks, ExecContext, ResolverMap } from './exec-context';
import { createFieldResolver, typeResolver } from './resolve';
import { loadAdminSchema } from './schema';
import type { ShopStore } from './store';
import { shopifyValidationErrors } from './validation';
import { webhookSubscriptionResolvers } from './webhook-subscriptions';

/** Largest cost a single query may request, on every plan (contract §5.3). */
export const MAX_QUERY_COST = 1000;
const RATE_LIMIT_DOCS = 'https://shopify.dev/api/usage/rate-limits';

/** Usage counters of one shop, as reported by `emulator.stats(shop)`. */
export interface ShopStats {
  requests: number;
  throttled: number;
  chargedCost: number;
  requestedCost: number;
  maxRequestedCost: number;
}

/** Everything one GraphQL request needs. */
export interface GraphqlCall {
  store: ShopStore;
  version: string;
  origin: string;
  now: () => number;
  bucket: LeakyBucket;
  stats: ShopStats;
  body: unknown;
  /** Scopes granted to the calling token. */
  scope?: string;
  /** An injected `{throttled: true}` fault: answer THROTTLED whatever the bucket holds. */
  forceThrottle?: boolean;
  bulkRunner?: BulkRunnerHooks;
  extraResolvers?: ResolverMap;
}

/** HTTP status and JSON body of a GraphQL answer. */
export interface GraphqlAnswer {
  status: number;
  body: unknown;
}

let resolverCache: { extra: ResolverMap | undefined; resolve: ReturnType<typeof createFieldResolver> } | undefined;

function fieldResolver(extra: ResolverMap | undefined): ReturnType<typeof createFieldResolver> {
  if (!resolverCache || resolverCache.extra !== extra) {
    resolverCache = {
      extra,
      resolve: createFieldResolver({ ...catalogResolvers, ...webhookSubscriptionResolvers, ...extra }),
    };
  }
  return resolverCache.resolve;
}

/** Parses, validates, costs, throttles and executes one Admin GraphQL request against the in-memory shop. */
export async function runGraphql(call: GraphqlCall): Promise<GraphqlAnswer> {
  const body = call.body as { query?: unknown; variables?: unknown; operationName?: unknown } | null;
  if (!body || typeof body.query !== 'string' || body.query.trim() === '') {
    return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
  }
  call.stats.requests++;
  const schema = loadAdminSchema();
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (error) {
    return { status: 200, body: { errors: [parseError(error as GraphQLError)] } };
  }
  const invalid = shopifyValidationErrors(schema, document);
  if (invalid.length) return { status: 200, body: { errors: invalid.map((e) => e.body) } };
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `No operation named "${operationName}"` : 'An operation name is required';
    return { status: 200, body: { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] } };
  }
  const rawVariables = (body.variables ?? {}) as Record<string, unknown>;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors)
    return { status: 200, body: { errors: coerced.errors.map((e) => variableError(e, rawVariables)) } };
  const fragments = fragmentsOf(document);
  const { requested, errors } = requestedQueryCost(schema, operation, fragments, coerced.coerced);
  call.stats.requestedCost += requested;
  call.stats.maxRequestedCost = Math.max(call.stats.maxRequestedCost, requested);
  if (requested > MAX_QUERY_COST) return { status: 200, body: { errors: [maxCostError(requested)] } };
  const costExtension = (actual: number | null) => ({
    cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: call.bucket.status() },
  });
  if (errors.length) return { status: 200, body: { errors, data: null, extensions: costExtension(null) } };
  if (call.forceThrottle || !call.bucket.take(requested)) {
    call.stats.throttled++;
    return {
      status: 200,
      body: {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: RATE_LIMIT_DOCS } }],
        extensions: costExtension(null),
      },
    };
  }
  const ctx: ExecContext = {
    store: call.store,
    version: call.version,
    origin: call.origin,
    now: call.now,
    bulk: false,
    scope: call.scope ?? '',
    cost: { actual: 0 },
    ...(call.bulkRunner ? { bulkRunner: call.bulkRunner } : {}),
  };
  const result = await execute({
    schema,
    document,
    operationName,
    variableValues: rawVariables,
    contextValue: ctx,
    rootValue: {},
    fieldResolver: fieldResolver(call.extraResolvers),
    typeResolver,
  });
  const actual = operation.operation === 'mutation' ? requested : Math.min(requested, ctx.cost.actual);
  call.bucket.refund(requested - actual);
  call.stats.chargedCost += actual;
  return {
    status: 200,
    body: {
      ...(result.errors?.length ? { errors: result.errors.map(executionError) } : {}),
      data: result.data ?? null,
      extensions: costExtension(actual),
    },
  };
}

/** Executes a query without cost or throttling and with unbounded connections (used by bulk operations). */
export async function executeUnbounded(
  store: ShopStore,
  version: string,
  origin: string,
  now: () => number,
  document: DocumentNode,
  extraResolvers?: ResolverMap,
) {
  const ctx: ExecContext = { store, version, origin, now, bulk: true, scope: '', cost: { actual: 0 } };
  return execute({
    schema: loadAdminSchema(),
    document,
    contextValue: ctx,
    rootValue: {},
    fieldResolver: fieldResolver(extraResolvers),
    typeResolver,
  });
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === 'FragmentDefinition') out[def.name.value] = def;
  return out;
}

function parseError(error: GraphQLError): object {
  const loc = error.locations?.[0];
  const reason = error.message.replace(/^Syntax Error: /, '');
  return {
    message: loc ? `syntax error, ${reason} at [${loc.line}, ${loc.column}]` : `syntax error, ${reason}`,
    ...(loc ? { locations: [{ line: loc.line, column: loc.column }] } : {}),
    extensions: { code: 'PARSE_ERROR' },
  };
}

function variableError(error: GraphQLError, raw: Record<string, unknown>): object {
  const def = error.nodes?.[0] as
    | { kind?: string; variable?: { name: { value: string } }; type?: Parameters<typeof print>[0] }
    | undefined;
  const name = def?.variable?.name.value ?? '';
  const type = def?.type ? print(def.type) : '';
  return {
    message: `Variable $${name} of type ${type} was provided invalid value`,
    locations: error.locations?.map((l) => ({ line: l.line, column: l.column })) ?? [],
    extensions: {
      code: 'INVALID_VARIABLE',
      value: raw[name] ?? null,
      problems: [{ path: [], explanation: error.message }],
    },
  };
}

/** The MAX_COST_EXCEEDED error, worded exactly as Shopify sends it. */
export function maxCostError(cost: number): object {
  return {
    message:
      `Query cost is ${cost}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\n` +
      'See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n' +
      'cost of a query is calculated.\n\n' +
      'To query larger amounts of data with fewer limits, bulk operations should be used instead.\n' +
      'See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n',
    extensions: { code: 'MAX_COST_EXCEEDED', cost, maxCost: MAX_QUERY_COST, documentation: RATE_LIMIT_DOCS },
  };
}

function executionError(error: GraphQLError): object {
  const known = typeof error.extensions.code === 'string';
  const requestId = randomUUID();
  // Resolver bugs surface as INTERNAL_SERVER_ERROR like on Shopify; log the cause so emulator bugs are visible.
  if (!known) console.error('[shopify-emulator] resolver error', error.originalError ?? error);
  return {
    message: known
      ? error.message
      : `Internal error. Looks like something went wrong on our end.\nRequest ID: ${requestId} (include this in support requests).`,
    ...(error.locations ? { locations: error.locations.map((l) => ({ line: l.line, column: l.column })) } : {}),
    ...(error.path ? { path: error.path } : {}),
    extensions: known ? error.extensions : { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}
