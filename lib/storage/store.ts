import type { Readable } from 'node:stream';
import { PreconditionFailedError } from '../errors';

/** A JSON object and the ETag it was read with. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** Conditions for a compare-and-swap write. */
export interface WriteCondition {
  /** Write only if the object still has this ETag. */
  ifMatch?: string;
  /** `'*'`: write only if the object does not exist yet. */
  ifNoneMatch?: '*';
}

/** The narrow storage interface the app needs. */
export interface ObjectStore {
  readonly bucket: string;
  getJson<T>(key: string): Promise<Versioned<T> | null>;
  putJson(key: string, value: unknown, condition?: WriteCondition): Promise<{ etag: string }>;
  putStream(key: string, body: Readable | Buffer | string, contentType?: string): Promise<void>;
  getStream(key: string): Promise<Readable | null>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes up to any number of keys with batched DeleteObjects requests (1,000 keys each). */
  deleteMany(keys: readonly string[]): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<string[]>;
  /** Like {@link list}, with each object's LastModified (for sweeps by age). */
  listEntries(prefix: string): Promise<Array<{ key: string; lastModified: Date }>>;
  /** Whether the store really honours `If-Match` / `If-None-Match` (probed once, then remembered). */
  supportsConditionalWrites(): Promise<boolean>;
  /** What {@link supportsConditionalWrites} found, or true once a condition refused a write here; never probes. */
  conditionalWritesKnown(): boolean | undefined;
}

/**
 * What {@link createIfAbsent} does on a store that does not honour `If-None-Match` (degraded mode):
 * - `'overwrite'` (the default): send the conditional PUT anyway, without asking the probe; the store writes, and
 *   the call reports that it created the object. For records whose rewrite is harmless (a retry writes the same).
 * - `'check-exists'`: ask the probe; on a store without conditions check `exists` first and PUT unconditionally only
 *   when absent. Narrows, but cannot close, the window in which two callers both create.
 */
export type CreateFallback = 'overwrite' | 'check-exists';

/**
 * Creates `key` with `If-None-Match: *` and says whether this call created it (false: it was there already, or a
 * concurrent caller created it first). See {@link CreateFallback} for stores without conditional writes.
 */
export async function createIfAbsent(
  store: ObjectStore,
  key: string,
  value: unknown,
  options: { fallback?: CreateFallback } = {},
): Promise<boolean> {
  if (options.fallback === 'check-exists' && !(await store.supportsConditionalWrites())) {
    if (await store.exists(key)) return false;
    await store.putJson(key, value);
    return true;
  }
  try {
    await store.putJson(key, value, { ifNoneMatch: '*' });
    return true;
  } catch (err) {
    if (err instanceof PreconditionFailedError) return false;
    throw err;
  }
}

/** The condition that replaces exactly what was read: its ETag, or absence. */
export function casCondition(current: Versioned<unknown> | null): WriteCondition {
  return current ? { ifMatch: current.etag } : { ifNoneMatch: '*' };
}

/** Returned by a change function: leave the object as it is (no write). */
export const UNCHANGED: unique symbol = Symbol('unchanged');
/** Returned by a change function: delete the object (unconditionally: S3 has no conditional delete). */
export const DELETE: unique symbol = Symbol('delete');

/**
 * Computes the next value from the current one (null: absent). It runs once per attempt, each time on a fresh read
 * (so it may mutate `current.value`); it may be async, e.g. to fetch what it writes.
 */
export type Change<T> = (
  current: Versioned<T> | null,
) => T | typeof UNCHANGED | typeof DELETE | Promise<T | typeof UNCHANGED | typeof DELETE>;

/** How {@link updateWithRetry} retries and where it reads and writes. */
export interface UpdateWithRetryOptions<T> {
  /** Read-change-write attempts before giving up. */
  attempts: number;
  /** The message of the `PreconditionFailedError` thrown when every attempt lost a race, or the error to throw. */
  conflict: string | (() => Error);
  /** Waits after failed attempt `attempt` (0-based) before the next; default: no wait. */
  backoff?: (attempt: number) => Promise<void>;
  /** Reads and writes through a codec (e.g. the token vault's encryption) instead of plain JSON at `key`. */
  codec?: {
    read(): Promise<Versioned<T> | null>;
    write(value: T, condition: WriteCondition): Promise<unknown>;
  };
}

/** Returned by a {@link casLoop} attempt whose conditional write lost the race (412): try again. */
export const CONFLICT: unique symbol = Symbol('conflict');

/** Runs a conditional write; {@link CONFLICT} when the store answered 412 (another writer came first). */
export async function conditionalWrite<R>(write: () => Promise<R>): Promise<R | typeof CONFLICT> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof PreconditionFailedError) return CONFLICT;
    throw err;
  }
}

/** When a {@link casLoop} tries again, how long it waits first, and what it throws when it stops trying. */
export interface CasLoopOptions {
  /** Whether attempt `attempt` (0-based) may start: a number of attempts, or a deadline. */
  more: (attempt: number) => boolean;
  /** Waits after lost attempt `attempt` before the next one; default: no wait. */
  backoff?: (attempt: number) => Promise<void>;
  /** The error thrown when no attempt may start any more. */
  conflict: () => Error;
}

/**
 * The compare-and-swap loop, the one place that retries lost races: each attempt reads, computes and writes with a
 * condition ({@link conditionalWrite}), and returns {@link CONFLICT} when the write lost; the loop then waits and
 * tries again on a fresh read, while `more` allows. Only a 412 of the attempt's own conditional write is retried:
 * any other error (a nested 412 included) is thrown as it is.
 */
export async function casLoop<R>(
  attempt: (n: number) => Promise<R | typeof CONFLICT>,
  options: CasLoopOptions,
): Promise<R> {
  for (let n = 0; options.more(n); n++) {
    const result = await attempt(n);
    if (result !== CONFLICT) return result;
    if (options.more(n + 1)) await options.backoff?.(n);
  }
  throw options.conflict();
}

/**
 * Read, change, conditional write, retry: the object at `key` is read with its ETag, `change` computes the next
 * value, and the write is conditional (`If-Match` on the ETag read, or `If-None-Match: *` when absent). A 412 means
 * another writer came first: read again and re-apply. So concurrent updaters never lose each other's change.
 * Degraded mode (the store ignores conditions, probed on the first write): one unconditional write,
 * last-writer-wins. Resolves to the value now stored (null when absent or deleted); throws `PreconditionFailedError`
 * (or `conflict()`) after `attempts` lost races.
 */
export async function updateWithRetry<T>(
  store: ObjectStore,
  key: string,
  change: Change<T>,
  options: UpdateWithRetryOptions<T>,
): Promise<T | null> {
  const read = options.codec?.read ?? (() => store.getJson<T>(key));
  const write = options.codec?.write ?? ((value: T, condition: WriteCondition) => store.putJson(key, value, condition));
  const { conflict } = options;
  return casLoop<T | null>(
    async () => {
      const current = await read();
      const next = await change(current);
      if (next === UNCHANGED) return current?.value ?? null;
      if (next === DELETE) {
        await store.delete(key);
        return null;
      }
      const conditional = await store.supportsConditionalWrites();
      const written = await conditionalWrite(() => write(next, conditional ? casCondition(current) : {}));
      return written === CONFLICT ? CONFLICT : next;
    },
    {
      more: (attempt) => attempt < options.attempts,
      backoff: options.backoff,
      conflict: typeof conflict === 'string' ? () => new PreconditionFailedError(conflict) : conflict,
    },
  );
}
