import { loadConfig, secretValues } from '../../../lib/config';
import { handleFacebookLogin } from '../../../lib/facebook/login-handler';
import { systemClock } from '../../../lib/http/clock';
import { webMain } from '../../../lib/http/do-adapter';
import { createLogger } from '../../../lib/log';

/** `facebook/login` (web): sends a merchant with a Shopify session to Facebook's login dialog. */
export const main = webMain('parsed', (env) => {
  const config = loadConfig(env, ['core', 'facebook']);
  const log = createLogger({ level: config.LOG_LEVEL, secrets: secretValues(config) });
  return (request) => handleFacebookLogin(request, { config, clock: systemClock, log });
});
