/** Releases a lock taken with {@link KeyLocks}; calling it more than once is harmless. */
export type Release = () => void;

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

interface LockState {
  readers: number;
  writer: boolean;
  queue: Waiter[];
}

/**
 * Per-key readers–writer locks with FIFO fairness: a writer waits for earlier readers, and readers
 * that arrive after a waiting writer queue behind it, so a steady stream of GETs cannot starve a PUT.
 */
export class KeyLocks {
  readonly #locks = new Map<string, LockState>();

  /** Resolves once `key` is held exclusively (no other reader or writer). */
  exclusive(key: string): Promise<Release> {
    return this.#acquire(key, true);
  }

  /** Resolves once `key` is held shared (no writer). */
  shared(key: string): Promise<Release> {
    return this.#acquire(key, false);
  }

  /** Number of keys currently locked or waited on. */
  get size(): number {
    return this.#locks.size;
  }

  #acquire(key: string, exclusive: boolean): Promise<Release> {
    let state = this.#locks.get(key);
    if (!state) {
      state = { readers: 0, writer: false, queue: [] };
      this.#locks.set(key, state);
    }
    const lock = state;
    return new Promise<Release>((resolve) => {
      const grant = (): void => {
        if (exclusive) lock.writer = true;
        else lock.readers += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          if (exclusive) lock.writer = false;
          else lock.readers -= 1;
          this.#drain(key, lock);
        });
      };
      lock.queue.push({ exclusive, grant });
      this.#drain(key, lock);
    });
  }

  #drain(key: string, lock: LockState): void {
    while (lock.queue.length > 0 && !lock.writer) {
      const next = lock.queue[0];
      if (!next) break;
      if (next.exclusive && lock.readers > 0) break;
      lock.queue.shift();
      next.grant();
      if (next.exclusive) break;
    }
    if (!lock.writer && lock.readers === 0 && lock.queue.length === 0) this.#locks.delete(key);
  }
}
