import { loadConfig } from '../../../lib/config';
import { webMain } from '../../../lib/http/do-adapter';
import { handleShopifyCallback } from '../../../lib/shopify/callback-handler';
import { createShopifyDeps } from '../../../lib/shopify/deps';

/** `shopify/callback` (web: raw): finishes the OAuth install and syncs the catalog. */
export const main = webMain('raw', (env) => {
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  return (request) => handleShopifyCallback(request, deps);
});
