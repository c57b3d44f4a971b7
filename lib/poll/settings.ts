import { z } from 'zod';
import { ConfigError } from '../errors';

/**
 * Tuning of the daily poll, read from the environment next to `loadConfig`'s areas. Every value has
 * a safe default; the limits stay under DigitalOcean's namespace limits (600 invocations/min,
 * 120 concurrent; contracts/do-functions.md §10) with headroom for webhooks.
 */
const int = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === undefined || (typeof v === 'string' && (v.trim() === '' || /^<[A-Za-z0-9_]+>$/.test(v.trim()))) ? undefined : v),
    z.coerce.number().int().min(min).max(max).default(fallback));

const PollSettingsSchema = z.object({
  /** Worker invocations started per (scaled) minute. */
  POLL_MAX_PER_MINUTE: int(1, 600, 400),
  /** Worker activations in flight at once. */
  POLL_MAX_CONCURRENCY: int(1, 120, 80),
  /** Merchants (shops or pages) per worker invocation. */
  POLL_BATCH_SIZE: int(1, 500, 25),
  /** Merchants a worker syncs in parallel. */
  POLL_WORKER_CONCURRENCY: int(1, 32, 4),
  /** Batches run in parallel when there is no FN_API_KEY (in-process mode). */
  POLL_INPROCESS_CONCURRENCY: int(1, 32, 4),
  /** Catalogs with at least this many products are read with a bulk operation. */
  SHOPIFY_BULK_THRESHOLD: int(1, 10_000_000, 2000),
  /** Benchmarks only: a "minute" of the pacing window lasts 60000 / scale ms (the host's `clockScale`). */
  POLL_CLOCK_SCALE: int(1, 1000, 1),
  /** Benchmarks only: each merchant's sync is replaced by a sleep of this many ms. */
  POLL_SIMULATED_WORK_MS: int(0, 600_000, 0),
});

/** The validated poll settings. */
export type PollSettings = z.infer<typeof PollSettingsSchema>;

/** Validates the poll settings; throws one `ConfigError` naming every invalid variable. */
export function loadPollSettings(env: Record<string, string | undefined>): PollSettings {
  const result = PollSettingsSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${String(i.path[0])} is invalid: ${i.message}`));
  }
  return result.data;
}
