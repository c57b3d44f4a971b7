/** What the index knows about one object: its current ETag, or `null` when it is known not to exist. */
export type KnownEtag = string | null;

/** Entries kept before the oldest are dropped; a dropped entry just costs one HEAD on its next conditional write. */
export const DEFAULT_ETAG_INDEX_LIMIT = 100_000;

/**
 * The proxy's in-memory record of each object's current ETag, so a conditional write can usually be
 * checked without a HEAD to s3rver. Keyed by `objectId` (request-info.ts). Every write reaches s3rver through
 * the proxy, so the proxy can keep it exact:
 *
 * - an entry is only written by a request holding that object's exclusive lock, with what s3rver
 *   answered (the ETag of a PUT, `null` after a DELETE, a HEAD's answer on a miss);
 * - a write whose outcome is unclear (an error, a copy, an unknown operation) removes the entry;
 * - a write that may touch objects the proxy did not lock (a POST form upload, a DeleteObjects
 *   whose answer does not match its request) empties the whole index with {@link clear}, which also
 *   starts a new generation so that requests still in flight from before cannot record stale answers.
 *
 * An unknown object (never seen, evicted, or written before this proxy started) is simply looked up
 * with a HEAD, so correctness never depends on what the index holds. Writes sent straight to s3rver,
 * bypassing the proxy, are not seen: the index may then be stale for objects it already knew.
 */
export class EtagIndex {
  readonly #entries = new Map<string, KnownEtag>();
  readonly #limit: number;
  #generation = 0;

  constructor(limit = DEFAULT_ETAG_INDEX_LIMIT) {
    if (!(Number.isInteger(limit) && limit >= 0))
      throw new RangeError(`ETag index limit must be a non-negative integer, got ${limit}`);
    this.#limit = limit;
  }

  /** Number of objects the index knows about. */
  get size(): number {
    return this.#entries.size;
  }

  /** Changes on every {@link clear}; read it when taking an object's lock and pass it to {@link record}. */
  get generation(): number {
    return this.#generation;
  }

  /** The object's ETag, `null` if it is known not to exist, `undefined` if the index does not know. */
  lookup(id: string): KnownEtag | undefined {
    return this.#entries.get(id);
  }

  /**
   * Records what s3rver answered about an object whose exclusive lock the caller holds. Ignored (and
   * the entry dropped) if the index was cleared since `generation` was read, since the answer may
   * predate a write the proxy could not attribute.
   */
  record(id: string, etag: KnownEtag, generation: number): void {
    this.#entries.delete(id);
    if (generation !== this.#generation || this.#limit === 0) return;
    this.#entries.set(id, etag);
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets one object, so its next conditional write asks s3rver. */
  invalidate(id: string): void {
    this.#entries.delete(id);
  }

  /** Forgets every object and starts a new generation. */
  clear(): void {
    this.#entries.clear();
    this.#generation += 1;
  }
}
