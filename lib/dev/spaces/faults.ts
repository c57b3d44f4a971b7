/** The failures the proxy can inject in place of forwarding a request. */
export type FaultKind = '500' | '503-slowdown' | 'timeout' | 'reset' | 'multipart-part-500';

/** All fault kinds, for validation and exhaustive tests. */
export const FAULT_KINDS: readonly FaultKind[] = ['500', '503-slowdown', 'timeout', 'reset', 'multipart-part-500'];

/** Default time a `timeout` fault holds a request before dropping its connection. */
export const DEFAULT_FAULT_TIMEOUT_MS = 30_000;

/** Random fault injection: each request fails with probability `rate`, with a kind drawn from `kinds`. */
export interface FaultSettings {
  rate: number;
  kinds: FaultKind[];
  /** Seed for the generator, so a failing run can be replayed; random when omitted. */
  seed?: number;
  /** How long a `timeout` fault holds the request; default 30 s. */
  timeoutMs?: number;
}

/** Which requests a one-shot fault may hit; all given fields must match. */
export interface FaultMatch {
  method?: string;
  /** Prefix of the decoded object key (without the bucket). */
  keyPrefix?: string;
}

/** The facts about a request that fault selection needs. */
export interface FaultTarget {
  method: string;
  key: string | undefined;
  isUploadPart: boolean;
}

interface QueuedFault {
  kind: FaultKind;
  match: FaultMatch;
}

/** mulberry32: tiny and seedable, so a fault schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function applies(kind: FaultKind, target: FaultTarget): boolean {
  return kind !== 'multipart-part-500' || target.isUploadPart;
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== target.method) return false;
  if (match.keyPrefix !== undefined && !target.key?.startsWith(match.keyPrefix)) return false;
  return true;
}

/** Decides, request by request, whether to inject a fault: queued one-shot faults first, then the random rate. */
export class FaultPlan {
  #settings: FaultSettings | undefined;
  #random: () => number = Math.random;
  readonly #queue: QueuedFault[] = [];

  /** Replaces the random fault settings; throws on an out-of-range rate or unknown kind. */
  set(settings: FaultSettings): void {
    if (!(settings.rate >= 0 && settings.rate <= 1))
      throw new RangeError(`fault rate must be in [0, 1], got ${settings.rate}`);
    for (const kind of settings.kinds) {
      if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind: ${kind}`);
    }
    this.#settings = { ...settings, kinds: [...settings.kinds] };
    this.#random = seededRandom(settings.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** Removes random settings and every queued one-shot fault. */
  clear(): void {
    this.#settings = undefined;
    this.#queue.length = 0;
  }

  /** Queues a fault for the next request that matches and to which `kind` applies. */
  enqueue(kind: FaultKind, match: FaultMatch = {}): void {
    if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind: ${kind}`);
    this.#queue.push({ kind, match });
  }

  /** How long a `timeout` fault holds its request. */
  get timeoutMs(): number {
    return this.#settings?.timeoutMs ?? DEFAULT_FAULT_TIMEOUT_MS;
  }

  /** Number of one-shot faults not yet used. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Picks the fault for this request, consuming a queued fault if one matches; `undefined` means forward it. */
  pick(target: FaultTarget): FaultKind | undefined {
    const queued = this.#queue.findIndex((f) => applies(f.kind, target) && matches(f.match, target));
    if (queued >= 0) return this.#queue.splice(queued, 1)[0]?.kind;
    const settings = this.#settings;
    if (!settings || settings.rate === 0) return undefined;
    const candidates = settings.kinds.filter((kind) => applies(kind, target));
    if (candidates.length === 0 || this.#random() >= settings.rate) return undefined;
    return candidates[Math.floor(this.#random() * candidates.length)];
  }
}
