import { webMain } from '../../../lib/http/do-adapter';

/** `shopify/webhook` (web: raw). Modules load on the first request, keeping cold starts short. */
export const main = webMain('raw', async (env) => {
  const [{ loadConfig }, { createShopifyDeps }, { handleShopifyWebhook }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/shopify/deps'),
    import('../../../lib/shopify/webhook-handler'),
  ]);
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  return (request) => handleShopifyWebhook(request, deps);
});
