import { fork, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FunctionSpec } from '../do/project';

/** OpenWhisk's end-of-activation marker, printed by the runner on both streams after each activation. */
const SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';
/** How long to wait for the log sentinels after a result before giving up on late lines. */
const LOG_DRAIN_MS = 1000;

/** What one run of a function process produced. */
export type RunOutcome =
  | { kind: 'result'; json: string }
  | { kind: 'developer-error'; reason: 'init' | 'timeout' | 'crash' | 'invalid'; message: string };

const CRASHED: RunOutcome = {
  kind: 'developer-error',
  reason: 'crash',
  message: 'The action did not produce a valid response and exited unexpectedly.',
};

/** Callback receiving each line the function prints. */
export type LineSink = (stream: 'stdout' | 'stderr', line: string) => void;

type RunnerMessage =
  | { type: 'ready' }
  | { type: 'init-done'; ok: boolean; error?: string }
  | { type: 'result'; json?: string; developerError?: string };

/** Path of the CommonJS runner; `__dirname` is provided both by tsx (CommonJS scope) and by vitest. */
export const RUNNER_PATH = join(__dirname, 'runner.cjs');

/** One warm child process hosting one function; runs one activation at a time and is killed on timeout or crash. */
export class FunctionProcess {
  private readonly child: ChildProcess;
  private initialized = false;
  private sink: LineSink | undefined;
  private sentinels = 0;
  private onSentinel: (() => void) | undefined;
  private onMessage: ((msg: RunnerMessage) => void) | undefined;
  private onExit: ((code: number | null, signal: string | null) => void) | undefined;
  /** False once the process has exited or been killed. */
  alive = true;
  /** Resolves once Node has booted in the child (or it died trying). */
  private readonly ready: Promise<void>;

  constructor(
    private readonly spec: FunctionSpec,
    private readonly functionDir: string,
    env: Record<string, string>,
    /** Receives lines printed between activations (timers left running, late callbacks). */
    private readonly idleSink: LineSink,
  ) {
    // The function's name in argv only labels the process (ps, top); the runner ignores it.
    this.child = fork(RUNNER_PATH, [`${spec.pkg}/${spec.name}`], {
      cwd: tmpdir(),
      // The AWS SDK adds `app/<id>` to its user agent: the local Spaces counts requests per function with it.
      env: { AWS_SDK_UA_APP_ID: `${spec.pkg}-${spec.name}`, ...env },
      // Never inherit the host's loaders (tsx, vitest): DO's runtime is plain node.
      execArgv: [`--max-old-space-size=${spec.limits.memory}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.child[stream];
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
        if (line === SENTINEL) {
          this.sentinels += 1;
          this.onSentinel?.();
        } else {
          (this.sink ?? this.idleSink)(stream, line);
        }
      });
    }
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    this.child.on('message', (msg: RunnerMessage) => (msg.type === 'ready' ? markReady() : this.onMessage?.(msg)));
    this.child.once('exit', () => markReady());
    this.child.on('exit', (code, signal) => {
      this.alive = false;
      this.onExit?.(code, signal);
    });
    this.child.on('error', () => {
      this.alive = false;
    });
  }

  /** Runs one activation (initializing the function first when cold) within `timeoutMs`, sending printed lines to `sink`. */
  async run(
    args: Record<string, unknown>,
    owEnv: Record<string, string>,
    timeoutMs: number,
    sink: LineSink,
    /** Kill the process right after the answer to its N-th Spaces request of this activation (crash tests). */
    crashAfterSpacesRequests?: number,
  ): Promise<RunOutcome> {
    this.sink = sink;
    this.sentinels = 0;
    await this.ready;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RunOutcome>((resolve) => {
      timer = setTimeout(() => {
        this.kill();
        resolve({
          kind: 'developer-error',
          reason: 'timeout',
          message: `The action exceeded its time limits of ${timeoutMs} milliseconds.`,
        });
      }, timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.initAndRun(args, owEnv, crashAfterSpacesRequests), timeout]);
      if (this.alive) await this.drainLogs();
      return outcome;
    } finally {
      clearTimeout(timer);
      this.sink = undefined;
      this.onMessage = undefined;
      this.onExit = undefined;
    }
  }

  private async initAndRun(
    args: Record<string, unknown>,
    owEnv: Record<string, string>,
    crashAfter?: number,
  ): Promise<RunOutcome> {
    if (!this.initialized) {
      const init = await this.request({ type: 'init', dir: this.functionDir, main: this.spec.main });
      if (init.type !== 'init-done') return CRASHED;
      if (!init.ok) {
        await this.drainLogs();
        this.kill();
        return {
          kind: 'developer-error',
          reason: 'init',
          message: `Initialization has failed due to: ${init.error ?? 'unknown error'}`,
        };
      }
      this.initialized = true;
    }
    const reply = await this.request({
      type: 'run',
      args,
      env: owEnv,
      ...(crashAfter ? { crashAfterSpacesRequests: crashAfter } : {}),
    });
    if (reply.type !== 'result') return CRASHED;
    if (reply.developerError !== undefined)
      return { kind: 'developer-error', reason: 'invalid', message: reply.developerError };
    return { kind: 'result', json: reply.json ?? '{}' };
  }

  private request(message: object): Promise<RunnerMessage | { type: 'exit' }> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve({ type: 'exit' });
      this.onMessage = resolve;
      this.onExit = () => resolve({ type: 'exit' });
      this.child.send(message, (err) => {
        if (err) resolve({ type: 'exit' });
      });
    });
  }

  private drainLogs(): Promise<void> {
    if (this.sentinels >= 2) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, LOG_DRAIN_MS);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.onSentinel = undefined;
        resolve();
      }
      this.onSentinel = () => {
        if (this.sentinels >= 2) done();
      };
    });
  }

  /** Kills the process immediately (SIGKILL), as the platform does on timeout. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.child.kill('SIGKILL');
  }
}
