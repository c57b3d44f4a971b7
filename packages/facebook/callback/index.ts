import { loadConfig } from '../../../lib/config';
import { handleFacebookCallback } from '../../../lib/facebook/callback-handler';
import { createFacebookDeps } from '../../../lib/facebook/deps';
import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/callback` (web): finishes Facebook login, connects every Page and writes its data to Spaces. */
export const main = webMain('parsed', (env) => {
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (request) => handleFacebookCallback(request, deps);
});
