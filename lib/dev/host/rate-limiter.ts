/** Namespace limits (contract §10) with a scalable clock for tests. */
export interface RateLimits {
  concurrent: number;
  perMinute: number;
  /** A "minute" lasts 60000 / clockScale ms. */
  clockScale: number;
}

/** Observed load, for reports and tests. */
export interface HostStats {
  peakConcurrency: number;
  rejected429: number;
  invocationsPerMinuteMax: number;
}

/** DO's documented namespace limits. */
export const DEFAULT_RATE_LIMITS: RateLimits = { concurrent: 120, perMinute: 600, clockScale: 1 };

/** Counts running activations and starts per sliding minute; rejects like DO with a 429 message. */
export class RateLimiter {
  private running = 0;
  private starts: number[] = [];
  private readonly statsValue: HostStats = { peakConcurrency: 0, rejected429: 0, invocationsPerMinuteMax: 0 };

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admits one activation or returns the 429 message; with `enforce: false` it only counts. */
  admit(enforce: boolean): string | undefined {
    const now = this.now();
    const windowMs = 60_000 / this.limits.clockScale;
    this.starts = this.starts.filter((t) => now - t < windowMs);
    if (enforce) {
      if (this.starts.length >= this.limits.perMinute) {
        this.statsValue.rejected429 += 1;
        return `Too many requests in the last minute (count: ${this.starts.length}, allowed: ${this.limits.perMinute}).`;
      }
      if (this.running >= this.limits.concurrent) {
        this.statsValue.rejected429 += 1;
        return `Too many concurrent requests in flight (count: ${this.running}, allowed: ${this.limits.concurrent}).`;
      }
    }
    this.starts.push(now);
    this.running += 1;
    this.statsValue.peakConcurrency = Math.max(this.statsValue.peakConcurrency, this.running);
    this.statsValue.invocationsPerMinuteMax = Math.max(this.statsValue.invocationsPerMinuteMax, this.starts.length);
    return undefined;
  }

  /** Marks one admitted activation as finished. */
  finish(): void {
    this.running = Math.max(0, this.running - 1);
  }

  /** A snapshot of the observed load. */
  stats(): HostStats {
    return { ...this.statsValue };
  }
}
