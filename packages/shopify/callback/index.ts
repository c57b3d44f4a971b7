import { webMain } from '../../../lib/http/do-adapter';

/** `shopify/callback` (web: raw). Modules load on the first request, keeping cold starts short. */
export const main = webMain('raw', async (env) => {
  const [{ loadConfig }, { createShopifyDeps }, { handleShopifyCallback }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/shopify/deps'),
    import('../../../lib/shopify/callback-handler'),
  ]);
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  return (request) => handleShopifyCallback(request, deps);
});
