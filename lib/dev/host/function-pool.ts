import type { FunctionSpec } from '../do/project';
import { FunctionProcess, type LineSink } from './function-process';

/**
 * Default cap of processes per function: DO gives every concurrent activation its own container, up to the
 * namespace's 120 concurrent activations, so per-object concurrency seen locally is what Spaces would see.
 */
export const DEFAULT_POOL_CAP = 120;

/** Warm processes of one function: reuses idle ones, grows up to `cap` under concurrency, queues beyond it. */
export class FunctionPool {
  private readonly idle: FunctionProcess[] = [];
  private readonly all = new Set<FunctionProcess>();
  private readonly waiters: Array<(p: FunctionProcess) => void> = [];
  private closed = false;

  constructor(
    private readonly spec: FunctionSpec,
    private readonly functionDir: string,
    private readonly env: Record<string, string>,
    private readonly idleSink: LineSink,
    private readonly cap: number = DEFAULT_POOL_CAP,
  ) {}

  /** Number of live processes (idle or busy). */
  get size(): number {
    return this.all.size;
  }

  /** Resolves with a process reserved for one activation. */
  acquire(): Promise<FunctionProcess> {
    if (this.closed) return Promise.reject(new Error(`pool for ${this.spec.pkg}/${this.spec.name} is closed`));
    let proc = this.idle.pop();
    while (proc && !proc.alive) {
      this.all.delete(proc);
      proc = this.idle.pop();
    }
    if (proc) return Promise.resolve(proc);
    if (this.all.size < this.cap) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Returns a process after its activation; dead processes are dropped and replaced for any waiter. */
  release(proc: FunctionProcess): void {
    if (!proc.alive || this.closed) {
      this.all.delete(proc);
      proc.kill();
      const waiter = this.closed ? undefined : this.waiters.shift();
      if (waiter) waiter(this.spawn());
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(proc);
    else this.idle.push(proc);
  }

  /** Kills every process of this pool. */
  close(): void {
    this.closed = true;
    for (const proc of this.all) proc.kill();
    this.all.clear();
    this.idle.length = 0;
  }

  private spawn(): FunctionProcess {
    const proc = new FunctionProcess(this.spec, this.functionDir, this.env, this.idleSink);
    this.all.add(proc);
    return proc;
  }
}
