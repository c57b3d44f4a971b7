import { loadConfig } from '../../../lib/config';
import { createFacebookDeps } from '../../../lib/facebook/deps';
import { runFacebookSyncJob } from '../../../lib/facebook/sync-job';
import { jobMain } from '../../../lib/http/do-adapter';

/** `facebook/sync` (web: false): refreshes the Pages of `{pageId}` or `{uuid}` in Spaces. */
export const main = jobMain((env) => {
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (params) => runFacebookSyncJob(params, deps);
});
