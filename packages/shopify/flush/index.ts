import { jobMain } from '../../../lib/http/do-adapter';

/** `shopify/flush` (web: false): folds a user's pending webhook updates into Spaces. Modules load on the first invocation. */
export const main = jobMain(async (env) => {
  const [{ loadConfig }, { createShopifyDeps }, { runFlushJob }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/shopify/deps'),
    import('../../../lib/shopify/flush-job'),
  ]);
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  return (params) => runFlushJob(params, deps);
});
