import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { readEnvFile } from './do/templating';

/**
 * `.data/local.env`: what `npm start` hands to the local tools (`npm run sync`, `npm run spaces`,
 * `npm run trigger`): the embedded store's endpoint and keys, the platform origins, the sandbox
 * secrets, `FN_API_KEY` and the host's URL. Holds secrets, so it is git-ignored (under `.data/`)
 * and readable only by its owner (0600). Ports change on every start; the file follows them.
 */
export const LOCAL_ENV_FILE = join('.data', 'local.env');

const KEPT = /^(SPACES_|SHOPIFY_|FACEBOOK_|FN_API_)|^(APP_URL|SESSION_SECRET|TOKEN_ENCRYPTION_KEY|LOG_LEVEL|SANDBOX)$/;

/** The local run's own entries, besides the function settings. */
export interface LocalRunInfo {
  LOCAL_HOST_URL: string;
  LOCAL_PID: string;
  LOCAL_STARTED_AT: string;
  LOCAL_SPACES_DIR?: string;
}

/** Writes the file atomically with mode 0600 (also when it existed with a wider mode). */
export function writeLocalEnv(root: string, env: Record<string, string | undefined>, info: LocalRunInfo): string {
  const file = join(root, LOCAL_ENV_FILE);
  const lines = ['# Written by `npm start` for the local tools. Holds secrets: never commit or share it.'];
  const entries = { ...Object.fromEntries(Object.entries(env).filter(([k]) => KEPT.test(k))), ...info };
  for (const [key, value] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
    // Single quotes keep every value verbatim; the few values that cannot be quoted that way are left out.
    if (typeof value === 'string' && value !== '' && !/['\r\n]/.test(value)) lines.push(`${key}='${value}'`);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}

/** The file's variables, or null when `npm start` never wrote one in `root`. */
export function readLocalEnv(root: string): Record<string, string> | null {
  const file = join(root, LOCAL_ENV_FILE);
  return existsSync(file) ? readEnvFile(file) : null;
}

/** Whether the `npm start` that wrote the file still runs (its process is alive and its store answers). */
export async function localStackRunning(vars: Record<string, string>): Promise<boolean> {
  const pid = Number(vars.LOCAL_PID);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!vars.SPACES_ENDPOINT) return true;
  const url = new URL(vars.SPACES_ENDPOINT);
  return new Promise((done) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 80) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('timeout', () => (socket.destroy(), done(false)));
    socket.once('error', () => done(false));
  });
}
