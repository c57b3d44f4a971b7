import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readEnvFile } from './do/templating';
import { LOCAL_ENV_FILE, writeLocalEnv } from './local-env';
import { DEMO, startStack } from './stack';

/**
 * `npm start`: the whole thing on one machine. Embedded Spaces (unless SPACES_ENDPOINT is set),
 * sandbox Shopify and Facebook when no credentials are set, and the local DO host serving the
 * built bundles on PORT (default 5000). Variables from the environment or .env override defaults.
 */
async function main(): Promise<void> {
  const root = resolve(process.cwd());
  const fileVars = existsSync(join(root, '.env')) ? readEnvFile(join(root, '.env')) : {};
  const env: Record<string, string | undefined> = { ...fileVars, ...process.env };
  const dataDir = join(root, '.data');
  mkdirSync(dataDir, { recursive: true });
  const sandbox = env.SANDBOX !== undefined ? env.SANDBOX === 'true' : !env.SHOPIFY_API_KEY && !env.FACEBOOK_APP_ID;

  if (sandbox && (!env.SESSION_SECRET || !env.TOKEN_ENCRYPTION_KEY)) {
    // Generated once and kept, so a restart can still open what the vault holds.
    const keyFile = join(dataDir, 'dev-keys.json');
    const stored: Record<string, string> = existsSync(keyFile) ? JSON.parse(readFileSync(keyFile, 'utf8')) : {};
    stored.SESSION_SECRET ??= randomBytes(32).toString('base64url');
    stored.TOKEN_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
    writeFileSync(keyFile, JSON.stringify(stored, null, 2), { mode: 0o600 });
    env.SESSION_SECRET ??= stored.SESSION_SECRET;
    env.TOKEN_ENCRYPTION_KEY ??= stored.TOKEN_ENCRYPTION_KEY;
    console.warn(
      `WARNING: SESSION_SECRET/TOKEN_ENCRYPTION_KEY not set; using development keys kept in ${keyFile}. Never use them in production.`,
    );
  }

  const port = Number(env.PORT ?? 5000);
  const stack = await startStack({
    dataDir,
    port,
    publicHost: 'localhost',
    env,
    sandbox,
    shopify: { demo: true },
    facebook: { demo: true },
    // Scheduled triggers run on their cron (UTC), as on DO.
    host: { schedule: true },
  });
  writeLocalEnv(root, stack.env, {
    LOCAL_HOST_URL: stack.host.url,
    LOCAL_PID: String(process.pid),
    LOCAL_STARTED_AT: new Date().toISOString(),
    ...(stack.spaces ? { LOCAL_SPACES_DIR: join(dataDir, 'spaces') } : {}),
  });
  const lines = [
    '',
    `Local DigitalOcean Functions host on ${stack.host.url} (namespace ${stack.host.namespace})`,
    `APP_URL: ${stack.appUrl}`,
    stack.spaces
      ? `Embedded Spaces: ${stack.spaces.endpoint} bucket ${stack.spaces.bucket} (data in ${join(dataDir, 'spaces')}; ` +
        `${stack.spaces.strict ? 'strict profile' : 'lenient'}, conditional writes ${stack.spaces.conditionalWrites})`
      : `Spaces: ${stack.env.SPACES_ENDPOINT}`,
  ];
  if (stack.shopify && stack.facebook) {
    lines.push(
      `Sandbox Shopify: ${stack.shopify.origin} (client id ${stack.env.SHOPIFY_API_KEY})`,
      `Sandbox Facebook: ${stack.facebook.graphOrigin} (app id ${stack.env.FACEBOOK_APP_ID})`,
      `Sandbox webhook verify token: ${stack.env.FACEBOOK_VERIFY_TOKEN === DEMO.FACEBOOK_VERIFY_TOKEN ? DEMO.FACEBOOK_VERIFY_TOKEN : '(from your environment)'}`,
    );
  }
  lines.push('', 'Functions:');
  for (const u of stack.host.urls) {
    const short = u.web === false ? `(web: false; invoke via ${u.url})` : `${stack.appUrl}/${u.fn}`;
    lines.push(`  ${u.fn.padEnd(24)} ${String(u.web).padEnd(5)} ${short}`);
  }
  lines.push(
    '',
    'Start here:',
    `  1. ${stack.appUrl}/shopify/acme-7cu19ngr/login`,
    `  2. ${stack.appUrl}/facebook/login`,
    `  3. ${stack.appUrl}/account/status`,
    '',
    `Local tools read ${LOCAL_ENV_FILE} (this run's store, platforms and keys; mode 0600, git-ignored):`,
    '  npm run sync -- --all            sync every shop and Page now',
    '  npm run spaces -- ls users/      list stored objects; npm run spaces -- get <key> prints one',
    '  npm run trigger -- daily-poll    fire the daily poll now (POSTs /__host/triggers/daily-poll with FN_API_KEY)',
    '',
  );
  console.log(lines.join('\n'));
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
