import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../config';
import { ConfigError } from '../../errors';
import { appWebhookFields, explainRegistrationFailure, registerPageWebhook } from '../../facebook/app-subscription';
import { createGraphClient } from '../../facebook/graph-client';
import { readEnvFile } from '../do/templating';

/** Options of {@link runSetupFacebook}. */
export interface SetupFacebookOptions {
  /** Replace a page callback that receives Messenger events even without FACEBOOK_MESSAGING_FORWARD_URL. */
  force?: boolean;
  /** Where lines go (stdout by default); errors are prefixed with `ERROR:`. */
  print?: (line: string) => void;
}

/**
 * `npm run setup:facebook`: registers the Meta app's `page` webhook subscription (callback
 * `${APP_URL}/facebook/webhook`, FACEBOOK_VERIFY_TOKEN) with the app token, idempotently. Returns
 * the process exit code: 0 when registered or already registered, 1 with a message naming the fix.
 */
export async function runSetupFacebook(
  env: Record<string, string | undefined>,
  options: SetupFacebookOptions = {},
): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  // Only APP_URL and the FACEBOOK_* variables matter here; session and vault keys are not needed.
  const issues: string[] = [];
  const appUrl = env.APP_URL?.trim().replace(/\/+$/, '') ?? '';
  if (!/^https?:\/\/[^/]/.test(appUrl))
    issues.push(appUrl ? 'APP_URL is invalid: must be the http(s) base URL of the functions' : 'APP_URL is missing');
  let config;
  try {
    config = loadConfig(env, ['facebook']);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  if (!config || issues.length > 0) {
    print(
      `ERROR: Configuration is invalid: ${issues.join('; ')}. Set these in .env or the environment and run npm run setup:facebook again.`,
    );
    return 1;
  }
  const callbackUrl = `${appUrl}/facebook/webhook`;
  if (!callbackUrl.startsWith('https://') && config.FACEBOOK_GRAPH_ORIGIN === 'https://graph.facebook.com') {
    print(
      `WARNING: ${callbackUrl} is not HTTPS; Meta only calls HTTPS callbacks with a valid certificate (use a tunnel such as ngrok locally).`,
    );
  }
  const forwardMessaging = Boolean(config.FACEBOOK_MESSAGING_FORWARD_URL);
  const fields = appWebhookFields({ forwardMessaging });
  print(
    `Registering the page webhook of app ${config.FACEBOOK_APP_ID} (Graph ${config.FACEBOOK_GRAPH_VERSION} at ${config.FACEBOOK_GRAPH_ORIGIN})`,
  );
  print(`  callback_url: ${callbackUrl}`);
  print(`  fields:       ${fields.join(',')}`);
  const graph = createGraphClient({
    graphOrigin: config.FACEBOOK_GRAPH_ORIGIN,
    version: config.FACEBOOK_GRAPH_VERSION,
    appSecret: config.FACEBOOK_APP_SECRET,
  });
  try {
    const result = await registerPageWebhook(graph, {
      appId: config.FACEBOOK_APP_ID,
      appSecret: config.FACEBOOK_APP_SECRET,
      callbackUrl,
      verifyToken: config.FACEBOOK_VERIFY_TOKEN,
      fields,
      forwardMessaging,
      force: options.force ?? false,
    });
    if (result.state === 'already_registered') {
      print(`Page webhook already registered for ${callbackUrl} (fields: ${result.fields.join(',')}); nothing to do.`);
      return 0;
    }
    if (result.replacedCallbackUrl) print(`Replaced the previous page callback ${result.replacedCallbackUrl}.`);
    print(`Page webhook registered: Meta verified ${callbackUrl} (fields: ${result.fields.join(',')}).`);
    print(
      'Each Page is subscribed (subscribed_apps) when its owner connects it at /facebook/login; the daily poll re-subscribes dropped Pages.',
    );
    return 0;
  } catch (err) {
    print(`ERROR: ${explainRegistrationFailure(err, callbackUrl)}`);
    return 1;
  }
}

if (process.argv[1] && /setup-facebook\.ts$/.test(process.argv[1])) {
  // Like `npm start`: .env first, the process environment overrides it.
  const root = resolve(process.cwd());
  const fileVars = existsSync(join(root, '.env')) ? readEnvFile(join(root, '.env')) : {};
  runSetupFacebook({ ...fileVars, ...process.env }, { force: process.argv.includes('--force') }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
