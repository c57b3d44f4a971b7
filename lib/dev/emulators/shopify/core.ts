import { LeakyBucket, type Plan } from './bucket';
import { FaultQueue } from './faults';
import type { ShopStats } from './graphql';
import { ShopRegistry } from './store';
import { TokenStore } from './tokens';

/** Resolved emulator settings plus the state every route shares. */
export interface EmulatorCore {
  apiKey: string;
  apiSecret: string;
  appName: string;
  allowedRedirectUris: string[];
  demo: boolean;
  plan: Plan;
  clockScale: number;
  now: () => number;
  expiringTokens: boolean | undefined;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  origin: string;
  shops: ShopRegistry;
  tokens: TokenStore;
  faults: FaultQueue;
  /** One-shot faults for `/admin/oauth/access_token`. */
  tokenFaults: FaultQueue;
  buckets: Map<string, LeakyBucket>;
  stats: Map<string, ShopStats>;
  /** Timers to clear on close. */
  timers: Set<NodeJS.Timeout>;
  /** Bulk result files served at `/__files/<name>`. */
  files: Map<string, Buffer>;
}

/** Creates the shared state. */
export function createCore(
  settings: Omit<
    EmulatorCore,
    'shops' | 'tokens' | 'faults' | 'tokenFaults' | 'buckets' | 'stats' | 'timers' | 'origin' | 'files'
  >,
): EmulatorCore {
  return {
    ...settings,
    origin: '',
    shops: new ShopRegistry(),
    tokens: new TokenStore(settings.now),
    faults: new FaultQueue(),
    tokenFaults: new FaultQueue(),
    buckets: new Map(),
    stats: new Map(),
    timers: new Set(),
    files: new Map(),
  };
}

/** The shop's leaky bucket (one app, so one bucket per shop). */
export function bucketOf(core: EmulatorCore, shop: string): LeakyBucket {
  let bucket = core.buckets.get(shop);
  if (!bucket) {
    bucket = new LeakyBucket(core.plan, core.clockScale, core.now);
    core.buckets.set(shop, bucket);
  }
  return bucket;
}

/** The shop's usage counters. */
export function statsOf(core: EmulatorCore, shop: string): ShopStats {
  let stats = core.stats.get(shop);
  if (!stats) {
    stats = { requests: 0, throttled: 0, chargedCost: 0, requestedCost: 0, maxRequestedCost: 0 };
    core.stats.set(shop, stats);
  }
  return stats;
}

/** Runs `fn` after `ms` (divided by the clock scale), unless the emulator closes first. */
export function schedule(core: EmulatorCore, ms: number, fn: () => void): void {
  const timer = setTimeout(
    () => {
      core.timers.delete(timer);
      fn();
    },
    Math.max(0, ms / core.clockScale),
  );
  timer.unref();
  core.timers.add(timer);
}
