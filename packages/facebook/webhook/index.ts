import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/webhook` (web: raw): Meta's verification and signed Page notifications. Modules load on the first request. */
export const main = webMain('raw', async (env) => {
  const [{ loadConfig }, { createFacebookDeps }, { handleFacebookWebhook }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/facebook/deps'),
    import('../../../lib/facebook/webhook-handler'),
  ]);
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (request) => handleFacebookWebhook(request, deps);
});
