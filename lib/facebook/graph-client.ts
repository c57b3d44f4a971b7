import ky, { type KyInstance } from 'ky';
import { createHmac } from 'node:crypto';
// Any zod 4 schema (zod/mini or classic): parsed with zod/mini's `safeParse`, which loads no classic zod.
import { safeParse, type core } from 'zod/mini';
import { FacebookApiError } from '../errors';
import { systemClock, type Clock } from '../http/clock';
import { parseGraphError, throttleWaitMs, toFacebookApiError, type GraphFailure } from './graph-errors';

const PER_ATTEMPT_TIMEOUT_MS = 8_000;
const DEFAULT_BUDGET_MS = 15_000;
const MAX_ATTEMPTS = 6;

/** Lower-case hex HMAC-SHA256(key = app secret, message = access token), sent as `appsecret_proof` on every call. */
export function appsecretProof(appSecret: string, accessToken: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/** A schema a Graph reply is parsed with. */
type Schema = core.$ZodType;

/** What a Graph client needs. */
export interface GraphClientOptions {
  graphOrigin: string;
  version: string;
  appSecret: string;
  clock?: Clock;
  fetch?: typeof fetch;
  random?: () => number;
}

/** Per-call options: the time budget (or absolute deadline) that retries and throttle waits must fit in. */
export interface CallOptions {
  budgetMs?: number;
  deadline?: number;
  /** Names the call in errors, e.g. `GET /{page-id}`; paths with ids are fine, URLs with tokens never are. */
  label?: string;
}

/** A Graph API client: every call carries `appsecret_proof`, errors become `FacebookApiError`. */
export interface GraphClient {
  get<S extends Schema>(
    path: string,
    token: string | null,
    params: Record<string, string>,
    schema: S,
    options?: CallOptions,
  ): Promise<core.output<S>>;
  post<S extends Schema>(
    path: string,
    token: string,
    params: Record<string, string>,
    schema: S,
    options?: CallOptions,
  ): Promise<core.output<S>>;
  /** Follows a `paging.next` URL, which must point at the Graph origin (its token is replaced by ours). */
  getNext<S extends Schema>(url: string, token: string, schema: S, options?: CallOptions): Promise<core.output<S>>;
}

/**
 * Creates the Graph client over one ky instance (no ky retries, no thrown HTTP errors). It retries
 * codes 1/2, `is_transient` and the throttles 4/17/32/613/80001 with backoff, honouring
 * `estimated_time_to_regain_access`, but only within the call's time budget; it never retries
 * 190, 10, 200–299 or 100. Tokens travel in the `Authorization` header, never in a message.
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const clock = options.clock ?? systemClock;
  const origin = options.graphOrigin.replace(/\/+$/, '');
  const http: KyInstance = ky.create({
    retry: 0,
    throwHttpErrors: false,
    timeout: PER_ATTEMPT_TIMEOUT_MS,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  async function call<S extends Schema>(
    method: 'GET' | 'POST',
    path: string,
    token: string | null,
    params: URLSearchParams,
    schema: S,
    callOptions: CallOptions = {},
  ): Promise<core.output<S>> {
    const label = callOptions.label ?? `${method} ${path}`;
    const deadline = callOptions.deadline ?? clock.now() + (callOptions.budgetMs ?? DEFAULT_BUDGET_MS);
    const query = new URLSearchParams(params);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) {
      query.set('appsecret_proof', appsecretProof(options.appSecret, token));
      headers.authorization = `Bearer ${token}`;
    }
    const url = `${origin}/${options.version}${path}?${query.toString()}`;
    for (let attempt = 0; ; attempt++) {
      let failure: GraphFailure;
      try {
        const res = await http(url, {
          method,
          headers,
          timeout: Math.max(1, Math.min(PER_ATTEMPT_TIMEOUT_MS, deadline - clock.now())),
        });
        const traceId = res.headers.get('x-fb-trace-id') ?? undefined;
        const body: unknown = await res.json().catch(() => undefined);
        if (res.ok) {
          const parsed = safeParse(schema, body);
          if (parsed.success) return parsed.data;
          throw new FacebookApiError(
            `${label}: the Graph API answered with a shape we do not understand.`,
            undefined,
            undefined,
            {
              code: 'facebook_bad_shape',
              cause: parsed.error,
              ...(traceId ? { requestId: traceId } : {}),
            },
          );
        }
        // Meta may quote the token back; it must never reach a message or a log line.
        failure = parseGraphError(res.status, body, res.headers, traceId, token ? [token] : []);
      } catch (err) {
        if (err instanceof FacebookApiError) throw err;
        failure = {
          kind: 'network',
          message: `the Graph API did not answer (${err instanceof Error ? err.name : 'error'})`,
          retryable: true,
        };
      }
      if (!failure.retryable || attempt + 1 >= MAX_ATTEMPTS) throw toFacebookApiError(label, failure);
      const wait = throttleWaitMs(failure, attempt, options.random);
      // Calls made while throttled still count against the limit: give up rather than hammer.
      if (clock.now() + wait > deadline) throw toFacebookApiError(label, failure, { budgetExceeded: true });
      await clock.sleep(wait);
    }
  }

  return {
    get: (path, token, params, schema, callOptions) =>
      call('GET', path, token, new URLSearchParams(params), schema, callOptions),
    post: (path, token, params, schema, callOptions) =>
      call('POST', path, token, new URLSearchParams(params), schema, callOptions),
    async getNext(next, token, schema, callOptions) {
      const url = new URL(next);
      if (url.origin !== new URL(origin).origin) {
        throw new FacebookApiError(
          'paging.next points outside the Graph API origin; refusing to send a token there.',
          undefined,
          undefined,
          {
            code: 'facebook_bad_shape',
          },
        );
      }
      const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
      const params = new URLSearchParams(url.search);
      params.delete('access_token');
      params.delete('appsecret_proof');
      return call('GET', path, token, params, schema, { label: 'GET paging.next', ...callOptions });
    },
  };
}
