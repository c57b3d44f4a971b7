import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/callback` (web): finishes Facebook login, connects every Page and writes its data. Modules load on the first request. */
export const main = webMain('parsed', async (env) => {
  const [{ loadConfig }, { createFacebookDeps }, { handleFacebookCallback }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/facebook/deps'),
    import('../../../lib/facebook/callback-handler'),
  ]);
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (request) => handleFacebookCallback(request, deps);
});
