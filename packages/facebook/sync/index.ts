import { jobMain } from '../../../lib/http/do-adapter';

/** `facebook/sync` (web: false): refreshes the Pages of `{pageId}` or `{uuid}`. Modules load on the first invocation. */
export const main = jobMain(async (env) => {
  const [{ loadConfig }, { createFacebookDeps }, { runFacebookSyncJob }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/facebook/deps'),
    import('../../../lib/facebook/sync-job'),
  ]);
  const deps = createFacebookDeps(loadConfig(env, ['core', 'spaces', 'facebook', 'functions']));
  return (params) => runFacebookSyncJob(params, deps);
});
