import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** How long s3rver may take to print its port before startup is treated as failed. */
const READY_TIMEOUT_MS = 15_000;
/** How long a SIGTERMed s3rver may take to exit before it is SIGKILLed. */
const STOP_GRACE_MS = 2_000;

/** Options for {@link spawnS3rver}. */
export interface S3rverProcessOptions {
  directory: string;
  bucket: string;
  silent: boolean;
}

/** A running s3rver child process on 127.0.0.1. */
export interface S3rverProcess {
  port: number;
  pid: number;
  /** Stops the process; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// Children also exit when their stdin closes; this hook covers a parent that exits normally while
// the pipe is still referenced elsewhere. Process-wide by nature, so it is the one global here.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function runnerPath(): string {
  const here = typeof import.meta.url === 'string' ? path.dirname(fileURLToPath(import.meta.url)) : __dirname;
  return path.join(here, 's3rver-runner.cjs');
}

/** Spawns s3rver in its own Node process (with the OpenSSL legacy provider it needs for paging) and resolves once it listens. */
export async function spawnS3rver(options: S3rverProcessOptions): Promise<S3rverProcess> {
  installExitHook();
  const config = JSON.stringify({ port: 0, ...options });
  const child = spawn(process.execPath, ['--openssl-legacy-provider', runnerPath(), config], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  exited.then(() => live.delete(child));

  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
    if (!options.silent) process.stderr.write(chunk);
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  try {
    const port = await waitForReady(child, () => stderrTail);
    if (child.pid === undefined) throw new Error('s3rver child has no pid');
    // After the ready line, stdout carries only s3rver's request log.
    if (options.silent) child.stdout?.resume();
    else child.stdout?.pipe(process.stdout, { end: false });
    return { port, pid: child.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function waitForReady(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const fail = (message: string): void => {
      cleanup();
      reject(new Error(`${message}${stderr() ? `\n${stderr()}` : ''}`));
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const message = parseLine(line);
        if (message?.s3rverReady) {
          cleanup();
          resolve(message.s3rverReady.port);
          return;
        }
        if (message?.s3rverError) return fail(`s3rver failed to start: ${message.s3rverError}`);
      }
    };
    const onExit = (code: number | null): void => fail(`s3rver exited before it was ready (code ${code})`);
    const timer = setTimeout(() => fail(`s3rver not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (err) => fail(`could not spawn s3rver: ${err.message}`));
  });
}

function parseLine(line: string): { s3rverReady?: { port: number }; s3rverError?: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as { s3rverReady?: { port: number }; s3rverError?: string };
  } catch {
    return undefined;
  }
}
