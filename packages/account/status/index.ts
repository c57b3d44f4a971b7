import { webMain } from '../../../lib/http/do-adapter';

/** `account/status` (web): the signed-in merchant's sync status. Modules load on the first request, keeping cold starts short. */
export const main = webMain('parsed', async (env) => {
  const [{ loadConfig }, { createS3Store }, { handleAccountStatus }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/storage/s3-store'),
    import('../../../lib/account/status-handler'),
  ]);
  const config = loadConfig(env, ['core', 'spaces']);
  const store = createS3Store(config);
  return (request) => handleAccountStatus(request, { config, store, now: Date.now });
});
