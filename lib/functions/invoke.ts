import ky from 'ky';
import { UpstreamError } from '../errors';

/** Where the OpenWhisk REST API of this namespace is, and the key to use it. */
export interface InvokerConfig {
  FN_API_HOST?: string | undefined;
  FN_API_KEY?: string | undefined;
  FN_NAMESPACE?: string | undefined;
}

/** Invokes other functions of this namespace through the OpenWhisk REST API. */
export interface Invoker {
  readonly available: boolean;
  /** Starts `<pkg>/<fn>` asynchronously; resolves with the activation id. */
  invokeAsync(name: string, params: Record<string, unknown>): Promise<string>;
  /** Runs `<pkg>/<fn>` and waits for its result (DO converts calls over 30 s to async). */
  invokeBlocking<T>(name: string, params: Record<string, unknown>, timeoutMs?: number): Promise<T>;
}

/** Thrown when DO answers 429: the namespace is at its invocation limits. */
export class InvocationThrottledError extends UpstreamError {}

/**
 * Creates the invoker from `FN_API_HOST` (default `__OW_API_HOST`) and `FN_API_KEY` (`<id>:<secret>`).
 * Without both it is unavailable, and callers run the work in-process instead.
 */
export function createInvoker(config: InvokerConfig, env: Record<string, string | undefined> = process.env): Invoker {
  const host = config.FN_API_HOST ?? env.__OW_API_HOST;
  const key = config.FN_API_KEY;
  const namespace = config.FN_NAMESPACE ?? env.__OW_NAMESPACE ?? '_';
  const available = Boolean(host && key);
  const auth = key ? `Basic ${Buffer.from(key).toString('base64')}` : '';
  const url = (name: string, blocking: boolean) =>
    `${host!.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/actions/${name}?blocking=${blocking}${blocking ? '&result=true' : ''}`;

  const call = async (name: string, params: Record<string, unknown>, blocking: boolean, timeoutMs: number) => {
    if (!available) throw new UpstreamError('FN_API_HOST and FN_API_KEY are not set: cannot invoke other functions.', { code: 'invoker_unavailable' });
    const res = await ky.post(url(name, blocking), {
      json: params,
      headers: { Authorization: auth },
      retry: 0,
      timeout: timeoutMs,
      throwHttpErrors: false,
    });
    if (res.status === 429) {
      await res.body?.cancel();
      throw new InvocationThrottledError(`DigitalOcean throttled the invocation of ${name} (429).`, { code: 'invocation_throttled', status: 503 });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new UpstreamError(`DigitalOcean refused FN_API_KEY (${res.status}) when invoking ${name}: check the namespace access key.`, {
        code: 'invoker_unauthorized',
      });
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!res.ok && !(res.status === 202 || (blocking && res.status === 502 && body))) {
      throw new UpstreamError(`Invoking ${name} failed with ${res.status}.`, { code: 'invocation_failed', upstreamStatus: res.status });
    }
    return { status: res.status, body };
  };

  return {
    available,
    async invokeAsync(name, params) {
      const { body } = await call(name, params, false, 10_000);
      const id = body?.activationId;
      if (typeof id !== 'string') throw new UpstreamError(`Invoking ${name} returned no activation id.`, { code: 'invocation_failed' });
      return id;
    },
    async invokeBlocking<T>(name: string, params: Record<string, unknown>, timeoutMs = 25_000) {
      const { status, body } = await call(name, params, true, timeoutMs);
      if (status === 202) throw new UpstreamError(`${name} is still running after the blocking limit.`, { code: 'invocation_timeout' });
      return body as T;
    },
  };
}
