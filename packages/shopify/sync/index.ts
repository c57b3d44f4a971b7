import { loadConfig } from '../../../lib/config';
import { jobMain } from '../../../lib/http/do-adapter';
import { createShopifyDeps } from '../../../lib/shopify/deps';
import { runSyncJob } from '../../../lib/shopify/sync-job';

/** `shopify/sync` (web: false): syncs one shop's whole catalog into Spaces. */
export const main = jobMain((env) => {
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  return (params) => runSyncJob(params, deps);
});
