import { loadConfig } from '../../../lib/config';
import { webMain } from '../../../lib/http/do-adapter';
import { createShopifyDeps } from '../../../lib/shopify/deps';
import { handleShopifyWebhook } from '../../../lib/shopify/webhook-handler';

/** `shopify/webhook` (web: raw): verifies and applies Shopify webhook deliveries. */
export const main = webMain('raw', (env) => {
  const deps = createShopifyDeps(loadConfig(env, ['core', 'spaces', 'shopify', 'functions']));
  return (request) => handleShopifyWebhook(request, deps);
});
