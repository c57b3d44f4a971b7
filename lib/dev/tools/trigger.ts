import { LOCAL_ENV_FILE, localStackRunning, readLocalEnv } from '../local-env';

/**
 * `npm run trigger -- <name>`: fires one of the running `npm start`'s triggers now (`daily-poll`),
 * with the host's URL and `FN_API_KEY` read from `.data/local.env`, so no key is ever printed or typed.
 */
export async function runTrigger(argv: readonly string[], root: string, log: (line: string) => void): Promise<number> {
  const name = argv[0];
  if (!name || name.startsWith('-') || argv.length > 1) {
    log('Usage: npm run trigger -- <trigger name>   (e.g. daily-poll; the names are in project.yml)');
    return 2;
  }
  const vars = readLocalEnv(root);
  if (!vars?.LOCAL_HOST_URL || !vars.FN_API_KEY) {
    log(`${LOCAL_ENV_FILE} is missing or incomplete: start the local stack with \`npm start\` first.`);
    return 2;
  }
  if (!(await localStackRunning(vars))) {
    log(`The npm start that wrote ${LOCAL_ENV_FILE} (PID ${vars.LOCAL_PID}) is not running: run \`npm start\`.`);
    return 2;
  }
  const res = await fetch(`${vars.LOCAL_HOST_URL}/__host/triggers/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(vars.FN_API_KEY).toString('base64')}` },
  });
  const text = await res.text();
  log(`${res.status} ${text}`);
  return res.ok ? 0 : 1;
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  runTrigger(process.argv.slice(2), process.cwd(), (line) => console.log(line))
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
