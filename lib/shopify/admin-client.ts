import ky, { type KyInstance } from 'ky';
import { ShopifyApiError, UpstreamShapeError } from '../errors';
import { backoffMs, systemClock, type Clock } from '../http/clock';
import { adminOrigin } from './shop-domain';

/** Shopify's per-query ceiling on requested cost, on every plan. */
export const MAX_QUERY_COST = 1000;
const PER_ATTEMPT_TIMEOUT_MS = 10_000;

/** `extensions.cost` of a GraphQL response. */
export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

interface GraphqlBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }> | string;
  extensions?: { cost?: QueryCost };
}

/** What an admin client needs to know. */
export interface AdminClientOptions {
  shop: string;
  apiVersion: string;
  adminOriginTemplate: string;
  /** Returns a valid access token (refreshing an expiring one as needed). */
  getToken(): Promise<string>;
  /** Called once after a 401; returns a fresh token to retry with, or null to give up. */
  onUnauthorized?(): Promise<string | null>;
  /** Total time this client may spend retrying, per call. */
  budgetMs?: number;
  clock?: Clock;
  fetch?: typeof fetch;
}

/** A cost-aware GraphQL Admin client for one shop. */
export interface AdminClient {
  query<T>(query: string, variables?: Record<string, unknown>): Promise<{ data: T; cost?: QueryCost }>;
  /** Requested cost last seen for a document, to size pages. */
  lastRequestedCost(query: string): number | undefined;
  stats(): { requests: number; throttled: number; waitedMs: number };
}

/**
 * Creates the admin client. It paces requests by `throttleStatus` so a page is only sent once the
 * bucket holds its requested cost, retries THROTTLED, 429 (`Retry-After`), 5xx and network errors
 * within the time budget, refreshes once on 401, and never retries 400/402/403/404/422/423.
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const clock = options.clock ?? systemClock;
  const budgetMs = options.budgetMs ?? 20_000;
  const http: KyInstance = ky.create({
    retry: 0,
    throwHttpErrors: false,
    timeout: PER_ATTEMPT_TIMEOUT_MS,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const url = `${adminOrigin(options.adminOriginTemplate, options.shop)}/admin/api/${options.apiVersion}/graphql.json`;
  const costs = new Map<string, number>();
  let bucket: { available: number; max: number; rate: number; at: number } | undefined;
  const stats = { requests: 0, throttled: 0, waitedMs: 0 };

  const wait = async (ms: number, deadline: number, why: string) => {
    if (clock.now() + ms > deadline) {
      throw new ShopifyApiError(`Shopify kept ${why}; gave up after the time budget. The next sync will retry.`, {
        code: 'shopify_unavailable',
        status: 503,
      });
    }
    stats.waitedMs += ms;
    await clock.sleep(ms);
  };

  // Leaky-bucket estimate: wait until the requested cost has been restored.
  const pace = async (expected: number | undefined, deadline: number) => {
    if (!bucket || expected === undefined) return;
    const elapsed = (clock.now() - bucket.at) / 1000;
    const available = Math.min(bucket.max, bucket.available + elapsed * bucket.rate);
    if (expected > available) await wait(((expected - available) / bucket.rate) * 1000, deadline, 'throttling');
  };

  return {
    lastRequestedCost: (q) => costs.get(q),
    stats: () => ({ ...stats }),
    async query<T>(query: string, variables: Record<string, unknown> = {}) {
      const deadline = clock.now() + budgetMs;
      let token = await options.getToken();
      let refreshed = false;
      for (let attempt = 0; ; attempt++) {
        await pace(costs.get(query), deadline);
        stats.requests++;
        let res: Response;
        try {
          res = await http.post(url, {
            json: { query, variables },
            headers: { 'X-Shopify-Access-Token': token, Accept: 'application/json' },
          });
        } catch (err) {
          await wait(backoffMs(attempt), deadline, 'timing out');
          if (attempt >= 6)
            throw new ShopifyApiError(`Shopify did not answer for ${options.shop}.`, {
              cause: err,
              code: 'shopify_unreachable',
            });
          continue;
        }
        const requestId = res.headers.get('x-request-id') ?? undefined;
        if (res.status === 401) {
          await res.body?.cancel();
          const next = !refreshed && options.onUnauthorized ? await options.onUnauthorized() : null;
          if (next) {
            token = next;
            refreshed = true;
            continue;
          }
          throw new ShopifyApiError(
            `Shopify rejected the access token for ${options.shop} (401): the app was uninstalled or the token revoked. Reconnect at /shopify/<shop>/login.`,
            { code: 'shopify_unauthorized', status: 401, upstreamStatus: 401, ...(requestId ? { requestId } : {}) },
          );
        }
        if (res.status === 429 || res.status >= 500) {
          await res.body?.cancel();
          const retryAfter = Number(res.headers.get('retry-after'));
          const ms = res.status === 429 && retryAfter > 0 ? retryAfter * 1000 : backoffMs(attempt);
          await wait(ms, deadline, res.status === 429 ? 'rate limiting (429)' : `failing (${res.status})`);
          continue;
        }
        if (!res.ok) {
          const detail = await res.text().catch(() => '');
          const hint =
            res.status === 403
              ? "missing scope, or this IP is not on the app's allowlist"
              : res.status === 402
                ? 'the shop is frozen (unpaid)'
                : res.status === 423
                  ? 'the shop is locked'
                  : 'request refused';
          throw new ShopifyApiError(
            `Shopify answered ${res.status} for ${options.shop}: ${hint}. ${detail.slice(0, 200)}`.trim(),
            {
              code: 'shopify_error',
              upstreamStatus: res.status,
              ...(requestId ? { requestId } : {}),
            },
          );
        }
        let body: GraphqlBody<T>;
        try {
          body = (await res.json()) as GraphqlBody<T>;
        } catch (err) {
          await wait(backoffMs(attempt), deadline, 'sending malformed JSON');
          if (attempt >= 6) {
            throw new UpstreamShapeError('shopify', `Shopify sent malformed JSON for ${options.shop}.`, {
              cause: err,
              code: 'shopify_malformed_json',
              ...(requestId ? { requestId } : {}),
            });
          }
          continue;
        }
        const cost = body.extensions?.cost;
        if (cost) {
          costs.set(query, cost.requestedQueryCost);
          const t = cost.throttleStatus;
          bucket = { available: t.currentlyAvailable, max: t.maximumAvailable, rate: t.restoreRate, at: clock.now() };
        }
        const errors = Array.isArray(body.errors) ? body.errors : body.errors ? [{ message: body.errors }] : [];
        if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
          stats.throttled++;
          const t = cost?.throttleStatus;
          const ms =
            t && cost
              ? ((cost.requestedQueryCost - t.currentlyAvailable) / t.restoreRate) * 1000 + 50
              : backoffMs(attempt);
          await wait(Math.max(ms, 50), deadline, 'throttling');
          continue;
        }
        if (errors.length > 0 || !body.data) {
          const codes = errors.map((e) => e.extensions?.code).filter(Boolean);
          throw new ShopifyApiError(
            `Shopify GraphQL error for ${options.shop}: ${errors.map((e) => e.message).join('; ') || 'no data'}`,
            {
              code: codes.includes('ACCESS_DENIED') ? 'shopify_access_denied' : 'shopify_graphql_error',
              details: { graphql_codes: codes },
            },
          );
        }
        return { data: body.data, ...(cost ? { cost } : {}) };
      }
    },
  };
}
