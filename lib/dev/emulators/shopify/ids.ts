/** Smallest id the emulator hands out: 2^53 + 1, so any client that parses ids as JS numbers loses precision at once. */
export const FIRST_ID = 9_007_199_254_740_993n;

/** Returns `gid://shopify/<type>/<id>`. */
export function gid(type: string, id: bigint | string): string {
  return `gid://shopify/${type}/${id.toString()}`;
}

/** Parses a GID into its type and numeric id string, or null when it is not one. */
export function parseGid(value: string): { type: string; id: string } | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(value);
  return match ? { type: match[1] ?? '', id: match[2] ?? '' } : null;
}

/** A small deterministic PRNG (mulberry32) so catalogs are identical across runs. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns an integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Picks one element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('Prng.pick on an empty array');
    return item;
  }
}

/** Returns a stable 32-bit FNV-1a hash of a string (used to seed per-shop catalogs and ids). */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Hands out increasing bigint ids above 2^53, distinct per shop. */
export class IdSequence {
  private current: bigint;

  constructor(seed: string) {
    this.current = FIRST_ID + BigInt(hash32(seed) % 100_000) * 1_000_000_000n;
  }

  /** Returns the next id as a decimal string. */
  next(): string {
    this.current += 1n;
    return this.current.toString();
  }
}

/** Formats epoch milliseconds the way the Admin API prints DateTime (`2026-05-05T20:33:59Z`). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Compares two non-negative decimal id strings numerically. */
export function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
