import type { Config } from '../config';
import { secretValues } from '../config';
import { createTokenBox } from '../crypto/token-box';
import { createInvoker, type Invoker } from '../functions/invoke';
import { systemClock, type Clock } from '../http/clock';
import { createLogger, type Logger } from '../log';
import { createS3Store } from '../storage/s3-store';
import type { ObjectStore } from '../storage/store';
import { createTokenVault, type TokenVault } from '../vault/token-vault';
import { createAdminClient, type AdminClient } from './admin-client';
import { getAccessToken } from './oauth';

/** Configuration the Shopify functions need. */
export type ShopifyConfig = Config<'core' | 'spaces' | 'shopify' | 'functions'>;

/** Everything a Shopify handler depends on, passed in explicitly. */
export interface ShopifyDeps {
  config: ShopifyConfig;
  store: ObjectStore;
  vault: TokenVault;
  clock: Clock;
  log: Logger;
  invoker: Invoker;
  fetch?: typeof fetch;
  /** An admin client for a shop using its stored (and refreshed) token. */
  adminClient(shop: string, budgetMs?: number): AdminClient;
}

/** Wires the real dependencies from a validated config. */
export function createShopifyDeps(
  config: ShopifyConfig,
  overrides: { store?: ObjectStore; clock?: Clock; log?: Logger; invoker?: Invoker; fetch?: typeof fetch } = {},
): ShopifyDeps {
  const store = overrides.store ?? createS3Store(config);
  const vault = createTokenVault(store, createTokenBox(config.TOKEN_ENCRYPTION_KEY));
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) });
  const invoker = overrides.invoker ?? createInvoker(config);
  const deps: ShopifyDeps = {
    config,
    store,
    vault,
    clock,
    log,
    invoker,
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    adminClient(shop, budgetMs) {
      const tokenDeps = {
        vault,
        config,
        now: () => clock.now(),
        ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
      };
      return createAdminClient({
        shop,
        apiVersion: config.SHOPIFY_API_VERSION,
        adminOriginTemplate: config.SHOPIFY_ADMIN_ORIGIN,
        getToken: () => getAccessToken(shop, tokenDeps),
        onUnauthorized: async () => {
          try {
            return await getAccessToken(shop, tokenDeps, { force: true });
          } catch {
            return null;
          }
        },
        clock,
        ...(budgetMs !== undefined ? { budgetMs } : {}),
        ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
      });
    },
  };
  return deps;
}
