import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/data-deletion` (web: raw): Meta's data deletion callback; deletes a Facebook user's data. Modules load on the first request. */
export const main = webMain('raw', async (env) => {
  const [{ loadConfig }, { createFacebookDeps }, { handleFacebookDataDeletion }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/facebook/deps'),
    import('../../../lib/facebook/deletion-callbacks'),
  ]);
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (request) => handleFacebookDataDeletion(request, deps);
});
