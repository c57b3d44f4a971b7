import ky from 'ky';
import { InvocationThrottledError, UpstreamError } from '../errors';

/** Where the OpenWhisk REST API of this namespace is, and the key to use it. */
export interface InvokerConfig {
  FN_API_HOST?: string | undefined;
  FN_API_KEY?: string | undefined;
  FN_NAMESPACE?: string | undefined;
}

/** The OpenWhisk REST API of this namespace: the one client behind the invoker and the activation reader. */
interface FunctionsApi {
  readonly available: boolean;
  /** `<method> <host>/api/v1/namespaces/<ns>/<path>`; answers every HTTP status, throws only when nothing answered. */
  request(method: 'GET' | 'POST', path: string, options: { json?: unknown; timeoutMs: number }): Promise<Response>;
}

/**
 * Builds the client from `FN_API_HOST` (default `__OW_API_HOST`), `FN_API_KEY` (`<id>:<secret>`) and
 * `FN_NAMESPACE` (default `__OW_NAMESPACE`). Without a host and a key it is unavailable.
 */
function createFunctionsApi(config: InvokerConfig, env: Record<string, string | undefined>): FunctionsApi {
  const host = (config.FN_API_HOST ?? env.__OW_API_HOST ?? '').replace(/\/+$/, '');
  const key = config.FN_API_KEY;
  const namespace = config.FN_NAMESPACE ?? env.__OW_NAMESPACE ?? '_';
  const available = Boolean(host && key);
  const http = ky.create({
    headers: { Authorization: `Basic ${Buffer.from(key ?? '').toString('base64')}` },
    retry: 0,
    throwHttpErrors: false,
  });
  return {
    available,
    request(method, path, { json, timeoutMs }) {
      if (!available) {
        throw new UpstreamError('FN_API_HOST and FN_API_KEY are not set: cannot call the functions API.', {
          code: 'invoker_unavailable',
        });
      }
      const url = `${host}/api/v1/namespaces/${encodeURIComponent(namespace)}/${path}`;
      return http(url, { method, timeout: timeoutMs, ...(json === undefined ? {} : { json }) });
    },
  };
}

/** Invokes other functions of this namespace through the OpenWhisk REST API. */
export interface Invoker {
  readonly available: boolean;
  /** Starts `<pkg>/<fn>` asynchronously; resolves with the activation id. */
  invokeAsync(name: string, params: Record<string, unknown>): Promise<string>;
  /** Runs `<pkg>/<fn>` and waits for its result (DO converts calls over 30 s to async). */
  invokeBlocking<T>(name: string, params: Record<string, unknown>, timeoutMs?: number): Promise<T>;
}

/**
 * Creates the invoker over the functions API. Without `FN_API_HOST`/`FN_API_KEY` it is unavailable, and
 * callers run the work in-process instead.
 */
export function createInvoker(config: InvokerConfig, env: Record<string, string | undefined> = process.env): Invoker {
  const api = createFunctionsApi(config, env);

  const call = async (name: string, params: Record<string, unknown>, blocking: boolean, timeoutMs: number) => {
    const query = `blocking=${blocking}${blocking ? '&result=true' : ''}`;
    const res = await api.request('POST', `actions/${name}?${query}`, { json: params, timeoutMs });
    if (res.status === 429) {
      await res.body?.cancel();
      throw new InvocationThrottledError(`DigitalOcean throttled the invocation of ${name} (429).`, {
        code: 'invocation_throttled',
        status: 503,
      });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new UpstreamError(
        `DigitalOcean refused FN_API_KEY (${res.status}) when invoking ${name}: check the namespace access key.`,
        { code: 'invoker_unauthorized' },
      );
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok && !(res.status === 202 || (blocking && res.status === 502 && body))) {
      throw new UpstreamError(`Invoking ${name} failed with ${res.status}.`, {
        code: 'invocation_failed',
        upstreamStatus: res.status,
      });
    }
    return { status: res.status, body };
  };

  return {
    available: api.available,
    async invokeAsync(name, params) {
      const { body } = await call(name, params, false, 10_000);
      const id = body?.activationId;
      if (typeof id !== 'string') {
        throw new UpstreamError(`Invoking ${name} returned no activation id.`, { code: 'invocation_failed' });
      }
      return id;
    },
    async invokeBlocking<T>(name: string, params: Record<string, unknown>, timeoutMs = 25_000) {
      const { status, body } = await call(name, params, true, timeoutMs);
      if (status === 202) {
        throw new UpstreamError(`${name} is still running after the blocking limit.`, { code: 'invocation_timeout' });
      }
      return body as T;
    },
  };
}

/** What an activation record says: still running, or finished with a result. */
export type ActivationState = { done: false } | { done: true; success: boolean; result: Record<string, unknown> };

/** Reads activation records through the OpenWhisk REST API (`GET …/activations/<id>`). */
export interface ActivationReader {
  get(activationId: string): Promise<ActivationState>;
}

/**
 * Creates the activation reader over the same functions API as the invoker. OpenWhisk answers 404 while an
 * activation runs, so 404 means "not finished yet".
 */
export function createActivationReader(
  config: InvokerConfig,
  env: Record<string, string | undefined> = process.env,
): ActivationReader {
  const api = createFunctionsApi(config, env);
  return {
    async get(activationId) {
      const res = await api.request('GET', `activations/${encodeURIComponent(activationId)}`, { timeoutMs: 10_000 });
      if (res.status === 404) {
        await res.body?.cancel();
        return { done: false };
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new UpstreamError(`Reading activation ${activationId} failed with ${res.status}.`, {
          code: 'activation_read_failed',
          upstreamStatus: res.status,
        });
      }
      const record = (await res.json()) as { response?: { success?: boolean; result?: Record<string, unknown> } };
      return { done: true, success: record.response?.success === true, result: record.response?.result ?? {} };
    },
  };
}
