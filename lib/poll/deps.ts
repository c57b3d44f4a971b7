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
  /** Null when the Facebook variables are not set: pages are then reported, not synced. */
  facebook: FacebookDeps | null;
  /** Why `facebook` is null. */
  facebookProblem?: string;
  store: ObjectStore;
  clock: Clock;
  log: Logger;
}

/**
 * Wires the poll's dependencies from the environment: Shopify (required), Facebook (optional) and
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
  let facebook: FacebookDeps | null = null;
  let facebookProblem: string | undefined;
  try {
    const fbConfig = loadConfig(env, ['core', 'spaces', 'facebook', 'functions']);
    const { createFacebookDeps } = await import('../facebook/deps');
    facebook = createFacebookDeps(fbConfig, { ...shared, invoker: shopify.invoker });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    facebookProblem = `Facebook is not configured (${err.issues.join('; ')})`;
  }
  return { settings, shopify, facebook, ...(facebookProblem ? { facebookProblem } : {}), ...shared };
}

/** The current activation's deadline (`__OW_DEADLINE`, epoch ms), or 15 minutes from now outside DO. */
export function activationDeadline(env: Record<string, string | undefined> = process.env, now = Date.now()): number {
  const deadline = Number(env.__OW_DEADLINE);
  return Number.isFinite(deadline) && deadline > now ? deadline : now + 900_000;
}
