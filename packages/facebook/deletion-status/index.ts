import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/deletion-status` (web): `?id=<confirmation code>` → the state of a data deletion request. Modules load on the first request. */
export const main = webMain('parsed', async (env) => {
  const [{ loadConfig, secretValues }, { createS3Store }, { createLogger }, { handleFacebookDeletionStatus }] =
    await Promise.all([
      import('../../../lib/config'),
      import('../../../lib/storage/s3-store'),
      import('../../../lib/log'),
      import('../../../lib/facebook/deletion-callbacks'),
    ]);
  const config = loadConfig(env, ['core', 'spaces']);
  const deps = {
    store: createS3Store(config),
    log: createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) }),
  };
  return (request) => handleFacebookDeletionStatus(request, deps);
});
