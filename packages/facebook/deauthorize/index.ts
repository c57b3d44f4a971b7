import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/deauthorize` (web: raw): Meta's deauthorize callback; revokes a user's tokens and disconnects their Pages. Modules load on the first request. */
export const main = webMain('raw', async (env) => {
  const [{ loadConfig }, { createFacebookDeps }, { handleFacebookDeauthorize }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/facebook/deps'),
    import('../../../lib/facebook/deletion-callbacks'),
  ]);
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (request) => handleFacebookDeauthorize(request, deps);
});
