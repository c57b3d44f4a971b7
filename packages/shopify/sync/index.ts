import { jobMain } from '../../../lib/http/do-adapter';

/** `shopify/sync` (web: false): syncs one shop's whole catalog into Spaces. Modules load on the first invocation. */
export const main = jobMain(async (env) => {
  const [{ loadConfig }, { createShopifyDeps }, { runSyncJob }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/shopify/deps'),
    import('../../../lib/shopify/sync-job'),
  ]);
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  const { SHOPIFY_BULK_THRESHOLD } = loadConfig(env, ['poll']);
  return (params) => runSyncJob(params, deps, { bulkThreshold: SHOPIFY_BULK_THRESHOLD });
});
