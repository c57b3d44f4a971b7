import { join } from 'node:path';
import { loadConfig } from '../../config';
import { createS3Store } from '../../storage/s3-store';
import { createS3Client } from '../../storage/s3-client';
import type { ObjectStore } from '../../storage/store';
import { LOCAL_ENV_FILE, localStackRunning, readLocalEnv } from '../local-env';
import { spacesEnv, startLocalSpaces } from '../spaces';
import { DEMO } from '../stack';
import { resolveCliEnv } from './sync-cli';

/**
 * `npm run spaces -- ls [prefix]` and `npm run spaces -- get <key>`: reads objects from the store the
 * configuration names: real Spaces when `SPACES_*` (environment or `.env`) say so, else the running
 * `npm start`'s embedded store (from `.data/local.env`); when `npm start` is not running, it serves
 * `.data/spaces` itself for the length of the command. Read-only.
 */

const USAGE = `Usage: npm run spaces -- ls [prefix]    list keys (e.g. users/ or users/<uuid>/)
       npm run spaces -- get <key>      print one object (JSON pretty-printed)`;

/** Where the CLI writes. */
export interface SpacesCliOutput {
  out: (text: string) => void;
  err: (line: string) => void;
}

/** Runs one command against a store; resolves with the exit code. */
export async function runSpacesCommand(
  argv: readonly string[],
  store: ObjectStore,
  io: SpacesCliOutput,
): Promise<number> {
  const [command, arg, ...rest] = argv;
  if (command === 'ls' && rest.length === 0) {
    const keys = await store.list(arg ?? '');
    for (const key of keys) io.out(`${key}\n`);
    io.err(`${keys.length} object(s)${arg ? ` under ${arg}` : ''}.`);
    return 0;
  }
  if (command === 'get' && arg && rest.length === 0) {
    const stream = await store.getStream(arg);
    if (!stream) {
      const parent = arg.includes('/') ? arg.slice(0, arg.lastIndexOf('/') + 1) : '';
      const near = (await store.list(parent)).slice(0, 20);
      const hint = near.length
        ? ` Under ${parent || 'the bucket root'}: ${near.join(', ')}`
        : ` Try npm run spaces -- ls ${parent}`;
      io.err(`No object ${arg}.${hint}`);
      return 1;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      io.out(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    } catch {
      io.out(text.endsWith('\n') ? text : `${text}\n`);
    }
    return 0;
  }
  io.err(USAGE);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

/** Picks the store (configured, running `npm start`, or `.data/spaces` served for this command), runs the command. */
export async function runSpacesCli(
  argv: readonly string[],
  cwd: string,
  processEnv: Record<string, string | undefined>,
  io: SpacesCliOutput,
): Promise<number> {
  if (argv[0] !== 'ls' && argv[0] !== 'get') return runSpacesCommand(argv, null as unknown as ObjectStore, io);
  const { env } = resolveCliEnv(cwd, processEnv);
  const local = readLocalEnv(cwd);
  const fromLocal = local !== null && env.SPACES_ENDPOINT === local.SPACES_ENDPOINT && !processEnv.SPACES_ENDPOINT;
  if (env.SPACES_ENDPOINT && !(fromLocal && !(await localStackRunning(local)))) {
    io.err(
      fromLocal
        ? `Reading the running npm start's store (${env.SPACES_ENDPOINT}, from ${LOCAL_ENV_FILE}).`
        : `Reading ${env.SPACES_ENDPOINT}.`,
    );
    const client = createS3Client(loadConfig(env, ['spaces']));
    try {
      return await runSpacesCommand(argv, createS3Store(loadConfig(env, ['spaces']), client), io);
    } finally {
      client.destroy();
    }
  }
  // Nothing running: serve the embedded store's data directory ourselves, only for this command.
  const dataDir = local?.LOCAL_SPACES_DIR ?? join(cwd, '.data', 'spaces');
  const bucket = env.SPACES_BUCKET ?? DEMO.SPACES_BUCKET;
  io.err(`npm start is not running: serving ${dataDir} (bucket ${bucket}) for this command.`);
  const spaces = await startLocalSpaces({ dataDir, bucket, silent: true });
  const config = loadConfig(spacesEnv(spaces), ['spaces']);
  const client = createS3Client(config);
  try {
    return await runSpacesCommand(argv, createS3Store(config, client), io);
  } finally {
    client.destroy();
    await spaces.close();
  }
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  runSpacesCli(process.argv.slice(2), process.cwd(), process.env, {
    out: (t) => process.stdout.write(t),
    err: (l) => console.error(l),
  })
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    });
}
