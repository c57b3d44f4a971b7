import { loadConfig } from '../config';
import { ConfigError } from '../errors';
import type { FacebookDeps } from '../facebook/deps';
import { systemClock, type Clock } from '../http/clock';
import type { Logger } from '../log';
import type { ShopifyDeps } from '../shopify/deps';
import type { ObjectStore } from '../storage/store';
import { loadPollSettings, type PollSettings } from './settings';

/** Everything the dispatcher and the worker depend on. */
export interface PollDeps {
  settings: PollSettings;
  shopify: ShopifyDeps;
  /**
   * The Facebook dependencies, wired on the first call (once per container), so that a dispatch or a batch without
   * Pages neither loads the Facebook modules nor parses their settings. `{problem}` when the Facebook variables are
   * not set: pages are then reported, not synced.
   */
  facebook(): Promise<{ deps: FacebookDeps } | { problem: string }>;
  store: ObjectStore;
  clock: Clock;
  log: Logger;
}

/**
 * Wires the poll's dependencies from the environment: Shopify (required), Facebook (optional, on first use) and
 * the poll settings, sharing one store, clock and logger.
 */
export async function createPollDeps(
  env: Record<string, string | undefined>,
  overrides: { store?: ObjectStore; clock?: Clock; log?: Logger } = {},
): Promise<PollDeps> {
  const settings = loadPollSettings(env);
  const { createShopifyDeps } = await import('../shopify/deps');
  const shopify = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']), overrides);
  const shared = { store: shopify.store, clock: overrides.clock ?? systemClock, log: shopify.log };
  let facebook: Promise<{ deps: FacebookDeps } | { problem: string }> | undefined;
  const wireFacebook = async () => {
    try {
      const fbConfig = loadConfig(env, ['core', 'spaces', 'facebook', 'functions']);
      const { createFacebookDeps } = await import('../facebook/deps');
      return { deps: createFacebookDeps(fbConfig, { ...shared, invoker: shopify.invoker }) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { problem: `Facebook is not configured (${err.issues.join('; ')})` };
    }
  };
  return { settings, shopify, facebook: () => (facebook ??= wireFacebook()), ...shared };
}

/** The current activation's deadline (`__OW_DEADLINE`, epoch ms), or 15 minutes from now outside DO. */
export function activationDeadline(env: Record<string, string | undefined> = process.env, now = Date.now()): number {
  const deadline = Number(env.__OW_DEADLINE);
  return Number.isFinite(deadline) && deadline > now ? deadline : now + 900_000;
}
