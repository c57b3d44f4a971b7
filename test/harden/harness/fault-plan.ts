import type { FacebookFault } from '../../../lib/dev/emulators/facebook';
import type { GraphqlFault } from '../../../lib/dev/emulators/shopify';
import type { FaultKind } from '../../../lib/dev/spaces';
import { seededRandom } from '../../../lib/dev/spaces/faults';
import type { Harness } from './context';

/** How hard to hit: the rate, and whether to include slow timeouts (each costs a client's full per-attempt timeout). */
export interface FaultIntensity {
  rate: number;
  seed: number;
  timeouts: boolean;
}

const NO_FAULT = { delayMs: 0 } as const;

/** Shopify GraphQL faults: 429 with Retry-After, THROTTLED, 5xx, resets, truncated and garbage JSON, and (optionally) > 10 s stalls. */
export function shopifySchedule(length: number, intensity: FaultIntensity): GraphqlFault[] {
  const kinds: GraphqlFault[] = [
    { status: 429, retryAfter: '1' },
    { throttled: true },
    { status: 500 },
    { status: 502 },
    { status: 503 },
    { status: 504 },
    { reset: true },
    { malformed: 'truncated' },
    { malformed: 'garbage' },
    ...(intensity.timeouts ? [{ delayMs: 10_500 }] : []),
  ];
  const random = seededRandom(intensity.seed);
  return Array.from({ length }, () =>
    random() < intensity.rate ? kinds[Math.floor(random() * kinds.length)]! : NO_FAULT,
  );
}

/** Graph API faults: throttling codes 4, 17, 32, 613, 80001, 500/503, resets, truncated and garbage JSON. */
export function facebookSchedule(length: number, intensity: FaultIntensity): FacebookFault[] {
  const kinds: FacebookFault[] = [
    { code: 4, regainAccessMinutes: 0 },
    { code: 17, regainAccessMinutes: 0 },
    { code: 32, regainAccessMinutes: 0 },
    { code: 613 },
    { code: 80001, regainAccessMinutes: 0 },
    { status: 500 },
    { status: 503 },
    { reset: true },
    { malformed: 'truncated' },
    { malformed: 'garbage' },
    ...(intensity.timeouts ? [{ delayMs: 12_000 }] : []),
  ];
  const random = seededRandom(intensity.seed);
  return Array.from({ length }, () =>
    random() < intensity.rate ? kinds[Math.floor(random() * kinds.length)]! : NO_FAULT,
  );
}

/** Spaces faults at the rate: 500, 503 SlowDown, resets, hangs (cut after 5 s), and failed multipart parts. */
export function spacesKinds(intensity: FaultIntensity): FaultKind[] {
  return ['500', '503-slowdown', 'reset', 'multipart-part-500', ...(intensity.timeouts ? (['timeout'] as const) : [])];
}

const isNoFault = (f: object) => 'delayMs' in f && (f as { delayMs: number }).delayMs === 0;

/**
 * Arms every fault source for one run and returns a function that disarms them and reports how
 * many faults were actually injected (queued platform faults that were consumed, plus Spaces faults).
 */
export function armFaults(
  h: Harness,
  intensity: FaultIntensity,
  options: { shopify?: number; facebook?: number; spaces?: boolean },
): () => number {
  const shopify = h.stack.shopify!;
  const facebook = h.stack.facebook!;
  const spaces = h.stack.spaces!;
  const shopifyQueue = shopifySchedule(options.shopify ?? 0, intensity);
  const facebookQueue = facebookSchedule(options.facebook ?? 0, { ...intensity, seed: intensity.seed + 1 });
  shopify.injectFaults({ graphql: shopifyQueue });
  if (facebookQueue.length > 0) facebook.injectFaults(facebookQueue);
  const spacesBefore = spaces.stats().faultsInjected;
  if (options.spaces)
    spaces.setFaults({
      rate: intensity.rate,
      kinds: spacesKinds(intensity),
      seed: intensity.seed + 2,
      timeoutMs: 5_000,
    });
  return () => {
    const shopifyUsed = shopifyQueue
      .slice(0, shopifyQueue.length - shopify.pendingFaults())
      .filter((f) => !isNoFault(f)).length;
    const facebookUsed = facebookQueue
      .slice(0, facebookQueue.length - facebook.pendingFaults().length)
      .filter((f) => !isNoFault(f)).length;
    shopify.clearFaults();
    facebook.clearFaults();
    spaces.clearFaults();
    return shopifyUsed + facebookUsed + (spaces.stats().faultsInjected - spacesBefore);
  };
}

const TIMESTAMPS = ['syncedAt', 'updatedAt', 'fetchedAt', 'polledAt', 'listingStartedAt', 'fullSyncStartedAt'];

// Maps from product id to our receipt time (webhook writes, deletion tombstones): which ids must match, not when.
const RECEIPT_MAPS = ['webhookWrites', 'tombstones'];

/**
 * The object as text with its top-level `meta` timestamps removed and the receipt times in its per-product maps
 * blanked (ids kept), for byte-for-byte comparison of two runs: a replay receives the same deliveries later.
 */
export function normalized(bytes: Buffer | null): string | null {
  if (!bytes) return null;
  const value = JSON.parse(bytes.toString('utf8')) as { meta?: Record<string, unknown> };
  const meta = value.meta;
  if (meta) {
    for (const key of TIMESTAMPS) delete meta[key];
    for (const key of RECEIPT_MAPS) {
      const map = meta[key];
      if (map && typeof map === 'object')
        meta[key] = Object.fromEntries(Object.keys(map).map((id) => [id, 'received']));
    }
  }
  return JSON.stringify(value);
}

/** True when the bytes are a complete JSON document (not a partial write). */
export function isComplete(bytes: Buffer | null): boolean {
  if (!bytes) return true;
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
