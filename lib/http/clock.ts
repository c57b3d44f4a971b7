/** Time and waiting, passed in so tests and benchmarks control them. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Exponential backoff with full jitter: a uniform wait in [0, min(cap, base·2^attempt)). Spreading over the whole
 * interval rather than its upper half ("equal jitter") decorrelates competing retries best (AWS Architecture Blog,
 * "Exponential Backoff And Jitter").
 */
export function backoffMs(attempt: number, baseMs = 500, capMs = 8000, random: () => number = Math.random): number {
  return Math.min(capMs, baseMs * 2 ** attempt) * random();
}
