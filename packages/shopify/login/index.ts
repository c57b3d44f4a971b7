import { webMain } from '../../../lib/http/do-adapter';

/** `shopify/login` (web): starts the OAuth install. Modules load on the first request, keeping cold starts short. */
export const main = webMain('parsed', async (env) => {
  const [{ loadConfig }, { handleShopifyLogin }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/shopify/login-handler'),
  ]);
  const config = loadConfig(env, ['core', 'shopify']);
  return (request) => handleShopifyLogin(request, { config, now: Date.now });
});
