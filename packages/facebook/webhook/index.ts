import { loadConfig } from '../../../lib/config';
import { createFacebookDeps } from '../../../lib/facebook/deps';
import { handleFacebookWebhook } from '../../../lib/facebook/webhook-handler';
import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/webhook` (web: raw): answers Meta's verification and applies signed Page notifications. */
export const main = webMain('raw', (env) => {
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (request) => handleFacebookWebhook(request, deps);
});
