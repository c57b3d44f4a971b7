import { webMain } from '../../../lib/http/do-adapter';

/** `facebook/login` (web): sends a merchant with a Shopify session to Facebook's login dialog. Modules load on the first request. */
export const main = webMain('parsed', async (env) => {
  const [{ loadConfig, secretValues }, { handleFacebookLogin }, { systemClock }, { createLogger }] = await Promise.all([
    import('../../../lib/config'),
    import('../../../lib/facebook/login-handler'),
    import('../../../lib/http/clock'),
    import('../../../lib/log'),
  ]);
  const config = loadConfig(env, ['core', 'facebook']);
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) });
  return (request) => handleFacebookLogin(request, { config, clock: systemClock, log });
});
