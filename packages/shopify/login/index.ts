import { loadConfig } from '../../../lib/config';
import { webMain } from '../../../lib/http/do-adapter';
import { handleShopifyLogin } from '../../../lib/shopify/login-handler';

/** `shopify/login` (web): starts the OAuth install for a shop. */
export const main = webMain('parsed', (env) => {
  const config = loadConfig(env, ['core', 'shopify']);
  return (request) => handleShopifyLogin(request, { config, now: Date.now });
});
