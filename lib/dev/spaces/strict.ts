import { createHash } from 'node:crypto';
import type { S3ErrorSpec } from './s3-xml';

/**
 * The strict profile: what DigitalOcean documents for Spaces (contracts/spaces-and-local-s3.md, "Spaces limits and
 * strictness") and the worst case where it is silent. On by default in `npm start`, `npm test` and the benchmarks.
 */
export interface StrictProfile {
  /** At most this many concurrent PUT/COPY requests to one object; past it, 503 SlowDown. Default 10. */
  maxConcurrentPutsPerKey: number;
  /** Requests per second to the bucket (sliding second); past it, 503 SlowDown. Default 500. */
  bucketOpsPerSecond: number;
  /** PUT, POST, COPY, DELETE and LIST requests per second to the bucket. Default 300. */
  bucketWritesPerSecond: number;
  /** Requests per second from one client IP address, all buckets together. Default 1,500. */
  clientRequestsPerSecond: number;
  /** DeleteObjects without a valid `Content-MD5` gets 400, as the stricter S3-compatible services answer. Default true. */
  requireDeleteObjectsMd5: boolean;
}

/** DigitalOcean's documented limits (older buckets: 500 ops/s, 300 of them writes and lists). */
export const DEFAULT_STRICT_PROFILE: StrictProfile = {
  maxConcurrentPutsPerKey: 10,
  bucketOpsPerSecond: 500,
  bucketWritesPerSecond: 300,
  clientRequestsPerSecond: 1500,
  requireDeleteObjectsMd5: true,
};

/** Whether the store honours `If-Match` / `If-None-Match` on writes, or silently drops them (the probe's degraded mode). */
export type ConditionalWritesMode = 'honour' | 'ignore';

/**
 * The mode a stack's local Spaces runs in, from `LOCAL_SPACES_CONDITIONAL_WRITES` (`honour`, the default, or `ignore`).
 * Only developer tools read it: CI's second test run sets it to prove the degraded mode.
 */
export function conditionalWritesFromEnv(env: Record<string, string | undefined> = process.env): ConditionalWritesMode {
  const value = env.LOCAL_SPACES_CONDITIONAL_WRITES?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'honour' || value === 'honor') return 'honour';
  if (value === 'ignore') return 'ignore';
  throw new Error(`LOCAL_SPACES_CONDITIONAL_WRITES must be "honour" or "ignore", got "${value}"`);
}

/** How the strict profile counts requests: by S3 operation, as a client names them. */
export type CountedOperation =
  | 'GetObject'
  | 'HeadObject'
  | 'PutObject'
  | 'CopyObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'ListObjects'
  | 'Multipart'
  | 'Other';

/** Operations that count against the bucket's write limit (PUT, POST, COPY, DELETE, LIST). */
export const WRITE_CLASS: ReadonlySet<CountedOperation> = new Set([
  'PutObject',
  'CopyObject',
  'DeleteObject',
  'DeleteObjects',
  'ListObjects',
  'Multipart',
]);

/** Counters of the strict profile, for tests and benchmarks. */
export interface StrictCounters {
  /** Requests received, by operation (including refused ones). */
  requestsByOperation: Record<CountedOperation, number>;
  /**
   * The same, per client application: the `app/<id>` the AWS SDK puts in its user agent (the local DO host sets
   * `AWS_SDK_UA_APP_ID` to `<pkg>-<fn>` for each function), `other` without one.
   */
  requestsByApp: Record<string, Partial<Record<CountedOperation, number>>>;
  /** 503 SlowDown answers the profile gave (not injected faults), in total and by reason. */
  slowDown: number;
  slowDownByReason: { perKeyPuts: number; bucketOps: number; bucketWrites: number; client: number };
  /** DeleteObjects refused for a missing or wrong Content-MD5. */
  deleteObjectsMd5Refused: number;
  /** The highest number of PUT/COPY requests in flight on one object (counting the one that arrived), and that key. */
  maxConcurrentPutsPerKey: number;
  maxConcurrentPutsKey: string;
}

export function emptyStrictCounters(): StrictCounters {
  return {
    requestsByOperation: {
      GetObject: 0,
      HeadObject: 0,
      PutObject: 0,
      CopyObject: 0,
      DeleteObject: 0,
      DeleteObjects: 0,
      ListObjects: 0,
      Multipart: 0,
      Other: 0,
    },
    requestsByApp: {},
    slowDown: 0,
    slowDownByReason: { perKeyPuts: 0, bucketOps: 0, bucketWrites: 0, client: 0 },
    deleteObjectsMd5Refused: 0,
    maxConcurrentPutsPerKey: 0,
    maxConcurrentPutsKey: '',
  };
}

/** Requests in the last second, as a ring of timestamps (bounded by the limit, so memory stays small). */
export class SlidingSecond {
  readonly #times: number[] = [];
  #start = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one request, or returns false (and counts nothing) when `limit` requests arrived in the last second. */
  tryTake(): boolean {
    const now = this.now();
    while (this.#start < this.#times.length && now - this.#times[this.#start]! >= 1000) this.#start++;
    if (this.#start > 1024) {
      this.#times.splice(0, this.#start);
      this.#start = 0;
    }
    if (this.#times.length - this.#start >= this.limit) return false;
    this.#times.push(now);
    return true;
  }

  /** Gives back a request taken by {@link tryTake} that another limit then refused. */
  untake(): void {
    if (this.#times.length > this.#start) this.#times.pop();
  }
}

/** What S3 answers for a multi-object delete without `Content-MD5` (services that require it). */
export const MISSING_CONTENT_MD5: S3ErrorSpec = {
  status: 400,
  code: 'InvalidRequest',
  message: 'Missing required header for this request: Content-MD5',
};

/** What S3 answers when `Content-MD5` does not match the body. */
export const BAD_DIGEST: S3ErrorSpec = {
  status: 400,
  code: 'BadDigest',
  message: 'The Content-MD5 you specified did not match what we received.',
};

/** Checks a DeleteObjects body against its `Content-MD5` header; the error to answer, or undefined when valid. */
export function checkContentMd5(header: string | string[] | undefined, body: Buffer): S3ErrorSpec | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return MISSING_CONTENT_MD5;
  return value.trim() === createHash('md5').update(body).digest('base64') ? undefined : BAD_DIGEST;
}

/** The `app/<id>` of an AWS SDK user agent (`x-amz-user-agent` or `user-agent`), or `other`. */
export function clientApp(headers: { [name: string]: string | string[] | undefined }): string {
  const agents = [headers['x-amz-user-agent'], headers['user-agent']]
    .flat()
    .filter((v): v is string => typeof v === 'string');
  for (const agent of agents) {
    const match = /(?:^|\s)app\/([^\s]+)/.exec(agent);
    if (match?.[1]) return match[1];
  }
  return 'other';
}
