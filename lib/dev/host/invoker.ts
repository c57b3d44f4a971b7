import { join } from 'node:path';
import type { FunctionSpec } from '../do/project';
import { ActivationStore, newActivationId, type ActivationRecord } from './activations';
import { FunctionPool } from './function-pool';
import type { RunOutcome } from './function-process';
import type { RateLimiter } from './rate-limiter';

/** DO's limit on both parameters and results (contract §10). */
export const PAYLOAD_LIMIT_BYTES = 1024 * 1024;

/** Why an activation ended as a developer error, for mapping to HTTP. */
export type DeveloperErrorReason = 'init' | 'timeout' | 'crash' | 'invalid' | 'too-large';

/** A finished activation plus the host-side reason of a developer error. */
export interface Completed {
  record: ActivationRecord;
  developerReason?: DeveloperErrorReason;
}

/** An accepted activation: its id, its live record and the promise of its end. */
export interface Started {
  ok: true;
  activationId: string;
  record: ActivationRecord;
  done: Promise<Completed>;
}

/** A refused activation (429 over limits, 413 oversized params). */
export interface Refused {
  ok: false;
  status: 413 | 429;
  error: string;
}

/** Settings shared by every activation of one host. */
export interface InvokerOptions {
  projectDir: string;
  namespace: string;
  apiHost: () => string;
  apiKey: string;
  log: (line: string) => void;
  poolCap: number;
  store: ActivationStore;
  limiter: RateLimiter;
}

/** Runs activations of project functions in warm per-function process pools. */
export class Invoker {
  private readonly pools = new Map<string, FunctionPool>();
  // One-shot crash plans per function: the next activation's process is killed after its N-th Spaces request.
  private readonly crashPlans = new Map<string, number[]>();
  private crashesFired = 0;

  constructor(private readonly options: InvokerOptions) {}

  /**
   * A fault mode for crash tests: the next activation of `pkgFn` (one per call, in order) has its process killed
   * (SIGKILL) right after the answer to its `n`-th Spaces request arrives, so that request took effect and nothing
   * after it did. The activation ends as DO's "action developer error" for a crashed process.
   */
  crashAfterSpacesRequests(pkgFn: string, n: number): void {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`crash point must be a positive integer, got ${n}`);
    this.crashPlans.set(pkgFn, [...(this.crashPlans.get(pkgFn) ?? []), n]);
  }

  /** Crash plans not used yet, and how many crashes fired. */
  crashStats(): { pending: number; fired: number } {
    return {
      pending: [...this.crashPlans.values()].reduce((n, plans) => n + plans.length, 0),
      fired: this.crashesFired,
    };
  }

  /** Drops every unused crash plan. */
  clearCrashes(): void {
    this.crashPlans.clear();
  }

  /** Starts one activation with final `args`; `enforceLimits` makes it subject to the namespace 429 limits. */
  start(
    fn: FunctionSpec,
    args: Record<string, unknown>,
    opts: { enforceLimits: boolean; transactionId?: string },
  ): Started | Refused {
    const size = Buffer.byteLength(JSON.stringify(args));
    if (size > PAYLOAD_LIMIT_BYTES) {
      return {
        ok: false,
        status: 413,
        error: `The request content was too large (${size} > ${PAYLOAD_LIMIT_BYTES} bytes).`,
      };
    }
    const refusal = this.options.limiter.admit(opts.enforceLimits);
    if (refusal) return { ok: false, status: 429, error: refusal };
    const { namespace } = this.options;
    const activationId = newActivationId();
    const record: ActivationRecord = {
      activationId,
      name: `${fn.pkg}/${fn.name}`,
      namespace,
      start: Date.now(),
      logs: [],
      annotations: [
        { key: 'path', value: `${namespace}/${fn.pkg}/${fn.name}` },
        { key: 'kind', value: fn.runtime },
        { key: 'limits', value: { ...fn.limits } },
      ],
    };
    const done = this.execute(fn, args, record, opts.transactionId ?? newActivationId())
      .catch((err: unknown) => this.internalError(record, err))
      .finally(() => this.options.limiter.finish());
    this.options.store.add(
      record,
      done.then((c) => c.record),
    );
    return { ok: true, activationId, record, done };
  }

  /** Kills every function process. */
  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private pool(fn: FunctionSpec): FunctionPool {
    const key = `${fn.pkg}/${fn.name}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const env: Record<string, string> = {
        ...fn.environment,
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        TZ: 'UTC',
        __OW_API_HOST: this.options.apiHost(),
      };
      const dir = join(this.options.projectDir, 'packages', fn.pkg, fn.name);
      const idleSink = (stream: 'stdout' | 'stderr', line: string) =>
        this.options.log(`${key} ${stream === 'stderr' ? '! ' : ''}${line}`);
      pool = new FunctionPool(fn, dir, env, idleSink, this.options.poolCap);
      this.pools.set(key, pool);
    }
    return pool;
  }

  private owEnv(
    fn: FunctionSpec,
    record: ActivationRecord,
    transactionId: string,
    deadline: number,
  ): Record<string, string> {
    const { namespace } = this.options;
    const env: Record<string, string> = {
      __OW_API_HOST: this.options.apiHost(),
      __OW_NAMESPACE: namespace,
      __OW_ACTION_NAME: `/${namespace}/${fn.pkg}/${fn.name}`,
      __OW_ACTION_VERSION: '0.0.1',
      __OW_ACTIVATION_ID: record.activationId,
      __OW_TRANSACTION_ID: transactionId,
      __OW_DEADLINE: String(deadline),
    };
    if (fn.annotations['provide-api-key']) env.__OW_API_KEY = this.options.apiKey;
    return env;
  }

  private async execute(
    fn: FunctionSpec,
    args: Record<string, unknown>,
    record: ActivationRecord,
    transactionId: string,
  ): Promise<Completed> {
    const pool = this.pool(fn);
    const proc = await pool.acquire();
    const started = Date.now();
    record.annotations.push({ key: 'waitTime', value: started - record.start });
    const deadline = started + fn.limits.timeout;
    const prefix = `${fn.pkg}/${fn.name}`;
    let outcome: RunOutcome;
    const crashAfter = this.crashPlans.get(prefix)?.shift();
    if (crashAfter !== undefined) record.annotations.push({ key: 'crashAfterSpacesRequests', value: crashAfter });
    try {
      const sink = (stream: 'stdout' | 'stderr', line: string) => {
        record.logs.push(`${new Date().toISOString()} ${stream}: ${line}`);
        this.options.log(`${prefix} ${stream === 'stderr' ? '! ' : ''}${line}`);
      };
      outcome = await proc.run(
        args,
        this.owEnv(fn, record, transactionId, deadline),
        fn.limits.timeout,
        sink,
        crashAfter,
      );
    } finally {
      pool.release(proc);
    }
    if (crashAfter !== undefined && outcome.kind === 'developer-error' && outcome.reason === 'crash')
      this.crashesFired++;
    return this.finish(record, outcome, fn.limits.timeout);
  }

  private internalError(record: ActivationRecord, err: unknown): Completed {
    record.end = Date.now();
    record.duration = record.end - record.start;
    record.response = {
      status: 'whisk internal error',
      success: false,
      result: { error: err instanceof Error ? err.message : String(err) },
    };
    return { record, developerReason: 'crash' };
  }

  private finish(record: ActivationRecord, outcome: RunOutcome, timeoutMs: number): Completed {
    record.end = Date.now();
    record.duration = record.end - record.start;
    record.annotations.push({
      key: 'timeout',
      value: outcome.kind === 'developer-error' && outcome.reason === 'timeout',
    });
    const developerError = (reason: DeveloperErrorReason, message: string): Completed => {
      record.response = { status: 'action developer error', success: false, result: { error: message } };
      return { record, developerReason: reason };
    };
    if (outcome.kind === 'developer-error') {
      if (outcome.reason === 'timeout')
        record.logs.push(
          `${new Date().toISOString()} stderr: The action exceeded its time limits of ${timeoutMs} milliseconds.`,
        );
      return developerError(outcome.reason, outcome.message);
    }
    const size = Buffer.byteLength(outcome.json);
    if (size > PAYLOAD_LIMIT_BYTES) {
      return developerError(
        'too-large',
        `The action produced a response that exceeded the allowed length: ${size} > ${PAYLOAD_LIMIT_BYTES} bytes.`,
      );
    }
    const result = JSON.parse(outcome.json) as Record<string, unknown>;
    const failed = 'error' in result;
    record.response = { status: failed ? 'application error' : 'success', success: !failed, result };
    return { record };
  }
}
