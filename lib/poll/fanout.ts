import ky from 'ky';
import { UpstreamError } from '../errors';
import type { InvokerConfig } from '../functions/invoke';

/**
 * Counts invocation starts in a sliding window, like DigitalOcean's per-minute limit. `scale`
 * shortens the minute for benchmarks against a host running on a scaled clock.
 */
export class StartPacer {
  private readonly starts: number[] = [];
  private peak = 0;

  constructor(private readonly perMinute: number, private readonly windowMs: number, private readonly now: () => number) {}

  /** Ms to wait before another start fits in the window (0: start now). */
  waitMs(): number {
    this.prune();
    if (this.starts.length < this.perMinute) return 0;
    return Math.max(1, this.starts[0]! + this.windowMs - this.now());
  }

  /** Records one accepted start. */
  record(): void {
    this.prune();
    this.starts.push(this.now());
    this.peak = Math.max(this.peak, this.starts.length);
  }

  /** Most starts seen in any window. */
  get peakPerWindow(): number {
    return this.peak;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.starts.length > 0 && this.starts[0]! <= cutoff) this.starts.shift();
  }
}

/** What an activation record says: still running, or finished with a result. */
export type ActivationState = { done: false } | { done: true; success: boolean; result: Record<string, unknown> };

/** Reads activation records through the OpenWhisk REST API (`GET …/activations/<id>`). */
export interface ActivationReader {
  get(activationId: string): Promise<ActivationState>;
}

/**
 * Creates the activation reader over the same FN_API_HOST / FN_API_KEY as the invoker. OpenWhisk
 * answers 404 while an activation runs, so 404 means "not finished yet".
 */
export function createActivationReader(config: InvokerConfig, env: Record<string, string | undefined> = process.env): ActivationReader {
  const host = (config.FN_API_HOST ?? env.__OW_API_HOST ?? '').replace(/\/+$/, '');
  const namespace = config.FN_NAMESPACE ?? env.__OW_NAMESPACE ?? '_';
  const auth = `Basic ${Buffer.from(config.FN_API_KEY ?? '').toString('base64')}`;
  return {
    async get(activationId) {
      const res = await ky.get(`${host}/api/v1/namespaces/${encodeURIComponent(namespace)}/activations/${encodeURIComponent(activationId)}`, {
        headers: { Authorization: auth },
        retry: 0,
        timeout: 10_000,
        throwHttpErrors: false,
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return { done: false };
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new UpstreamError(`Reading activation ${activationId} failed with ${res.status}.`, { code: 'activation_read_failed', upstreamStatus: res.status });
      }
      const record = (await res.json()) as { response?: { success?: boolean; result?: Record<string, unknown> } };
      return { done: true, success: record.response?.success === true, result: record.response?.result ?? {} };
    },
  };
}
