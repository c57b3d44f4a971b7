import type { Config } from '../config';
import { secretValues } from '../config';
import { createTokenBox } from '../crypto/token-box';
import { createInvoker, type Invoker } from '../functions/invoke';
import { systemClock, type Clock } from '../http/clock';
import { createLogger, type Logger } from '../log';
import { createS3Store } from '../storage/s3-store';
import type { ObjectStore } from '../storage/store';
import { createTokenVault, type TokenVault } from '../vault/token-vault';
import { createGraphClient, type GraphClient } from './graph-client';

/** Configuration the Facebook functions need. */
export type FacebookConfig = Config<'core' | 'spaces' | 'facebook' | 'functions'>;

/** Everything a Facebook handler depends on, passed in explicitly. */
export interface FacebookDeps {
  config: FacebookConfig;
  store: ObjectStore;
  vault: TokenVault;
  clock: Clock;
  log: Logger;
  invoker: Invoker;
  graph: GraphClient;
  /** Used for the Graph API, the webhook self-test and messaging forwarding. */
  fetch: typeof fetch;
}

/** Wires the real dependencies from a validated config; tests override the store, clock, log, invoker or fetch. */
export function createFacebookDeps(
  config: FacebookConfig,
  overrides: {
    store?: ObjectStore;
    clock?: Clock;
    log?: Logger;
    invoker?: Invoker;
    fetch?: typeof fetch;
    random?: () => number;
  } = {},
): FacebookDeps {
  const store = overrides.store ?? createS3Store(config);
  const clock = overrides.clock ?? systemClock;
  const fetchImpl = overrides.fetch ?? ((input, init) => fetch(input, init));
  return {
    config,
    store,
    vault: createTokenVault(store, createTokenBox(config.TOKEN_ENCRYPTION_KEY)),
    clock,
    log: overrides.log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) }),
    invoker: overrides.invoker ?? createInvoker(config),
    fetch: fetchImpl,
    graph: createGraphClient({
      graphOrigin: config.FACEBOOK_GRAPH_ORIGIN,
      version: config.FACEBOOK_GRAPH_VERSION,
      appSecret: config.FACEBOOK_APP_SECRET,
      clock,
      fetch: fetchImpl,
      ...(overrides.random ? { random: overrides.random } : {}),
    }),
  };
}
