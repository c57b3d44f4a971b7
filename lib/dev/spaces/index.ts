import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FaultPlan, type FaultKind, type FaultMatch, type FaultSettings } from './faults';
import { MultipartUploads } from './multipart';
import { startProxy, type ProxyCounters } from './proxy';
import { spawnS3rver } from './s3rver-process';
import { DEFAULT_STRICT_PROFILE, type ConditionalWritesMode, type StrictProfile } from './strict';

export { FAULT_KINDS, DEFAULT_FAULT_TIMEOUT_MS } from './faults';
export type { FaultKind, FaultMatch, FaultSettings } from './faults';
export { conditionalWritesFromEnv, DEFAULT_STRICT_PROFILE } from './strict';
export type { ConditionalWritesMode, CountedOperation, StrictCounters, StrictProfile } from './strict';

/** s3rver's one built-in account; any other key is rejected with InvalidAccessKeyId. */
const S3RVER_KEY = 'S3RVER';

/** Options for {@link startLocalSpaces}. */
export interface LocalSpacesOptions {
  /** Where s3rver keeps buckets and objects (created if missing), e.g. `./.data/spaces` or a temp dir. */
  dataDir: string;
  /** The bucket to create at startup (kept if it exists). */
  bucket: string;
  /** Port for the proxy (the endpoint clients use); 0 or omitted picks a free one. s3rver always gets an ephemeral port. */
  port?: number;
  accessKeyId?: typeof S3RVER_KEY;
  secretAccessKey?: typeof S3RVER_KEY;
  /** Silence s3rver's request log and stderr; default true. */
  silent?: boolean;
  /** Random faults to inject from the start. */
  faults?: FaultSettings;
  /**
   * Spaces' documented limits (per-object PUT concurrency, request rates, Content-MD5 on DeleteObjects): on by
   * default with {@link DEFAULT_STRICT_PROFILE}; override single limits, or `false` for the lenient store.
   */
  strict?: Partial<StrictProfile> | false;
  /** `honour` (default) checks `If-Match` / `If-None-Match` atomically; `ignore` drops them like a store without them. */
  conditionalWrites?: ConditionalWritesMode;
}

/** Counters for assertions in reliability tests. */
export interface LocalSpacesStats extends ProxyCounters {
  /** Multipart uploads started (or found on disk at startup) and not yet completed or aborted. */
  openMultipartUploads: number;
  /** One-shot faults queued with `injectFault` and not yet used. */
  pendingFaults: number;
  /** Objects whose current ETag (or absence) the proxy knows without asking s3rver. */
  etagIndexSize: number;
}

/** A running local Spaces: s3rver in a child process behind a conditional-write, fault-injecting proxy. */
export interface LocalSpaces {
  /** `http://127.0.0.1:<proxyPort>`; use with `forcePathStyle: true`. */
  endpoint: string;
  bucket: string;
  region: 'us-east-1';
  accessKeyId: string;
  secretAccessKey: string;
  /** Whether writes honour `If-Match` / `If-None-Match` or silently ignore them. */
  conditionalWrites: ConditionalWritesMode;
  /** The strict profile in force, or null. */
  strict: StrictProfile | null;
  /** The s3rver child's process id (to prove it is gone after `close`). */
  pid: number;
  /**
   * s3rver's own endpoint, bypassing the proxy; for debugging only. Do not write through it while the
   * proxy runs: the proxy keeps an index of current ETags, fed by the writes it forwards, and only
   * asks s3rver about objects it has not seen (such as data already in `dataDir` at start). A write
   * sent here to an object the proxy already knows goes unnoticed, and conditional writes through the
   * proxy are then checked against the old ETag.
   */
  upstreamEndpoint: string;
  /** Replaces the random fault settings (rate 0 turns them off). */
  setFaults(settings: FaultSettings): void;
  /** Queues one fault for the next matching request (a `multipart-part-500` only hits UploadPart). */
  injectFault(kind: FaultKind, options?: { match?: FaultMatch }): void;
  /** Turns off random faults and drops queued ones. */
  clearFaults(): void;
  /** A snapshot of the counters. */
  stats(): LocalSpacesStats;
  /** Sets the request counters back to zero (e.g. between a benchmark's levels). */
  resetStats(): void;
  /** Stops the proxy and the s3rver process; resolves once the child has exited. Idempotent. */
  close(): Promise<void>;
}

/** The `SPACES_*` settings that point the app (`loadConfig(…, ['spaces'])`) at a running local Spaces. */
export function spacesEnv(
  spaces: LocalSpaces,
): Record<'SPACES_ENDPOINT' | 'SPACES_REGION' | 'SPACES_BUCKET' | 'SPACES_KEY' | 'SPACES_SECRET', string> {
  return {
    SPACES_ENDPOINT: spaces.endpoint,
    SPACES_REGION: spaces.region,
    SPACES_BUCKET: spaces.bucket,
    SPACES_KEY: spaces.accessKeyId,
    SPACES_SECRET: spaces.secretAccessKey,
  };
}

/** Starts s3rver in its own process and a proxy in front of it on 127.0.0.1, resolving once both accept requests. */
export async function startLocalSpaces(options: LocalSpacesOptions): Promise<LocalSpaces> {
  const directory = path.resolve(options.dataDir);
  await mkdir(directory, { recursive: true });
  const faults = new FaultPlan();
  if (options.faults) faults.set(options.faults);
  const uploads = new MultipartUploads(directory);
  const strict = options.strict === false ? null : { ...DEFAULT_STRICT_PROFILE, ...options.strict };
  const conditionalWrites = options.conditionalWrites ?? 'honour';

  const s3rver = await spawnS3rver({ directory, bucket: options.bucket, silent: options.silent ?? true });
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    await uploads.load(options.bucket);
    proxy = await startProxy({
      port: options.port ?? 0,
      upstreamPort: s3rver.port,
      directory,
      faults,
      uploads,
      strict,
      conditionalWrites,
    });
  } catch (err) {
    await s3rver.stop();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${proxy.port}`,
    bucket: options.bucket,
    region: 'us-east-1',
    accessKeyId: options.accessKeyId ?? S3RVER_KEY,
    secretAccessKey: options.secretAccessKey ?? S3RVER_KEY,
    conditionalWrites,
    strict,
    pid: s3rver.pid,
    upstreamEndpoint: `http://127.0.0.1:${s3rver.port}`,
    setFaults: (settings) => faults.set(settings),
    injectFault: (kind, faultOptions) => faults.enqueue(kind, faultOptions?.match),
    clearFaults: () => faults.clear(),
    stats: () => ({
      ...proxy.counters(),
      openMultipartUploads: uploads.openCount,
      pendingFaults: faults.pending,
      etagIndexSize: proxy.etagIndexSize(),
    }),
    resetStats: () => proxy.resetCounters(),
    close: () => {
      closing ??= proxy.close().finally(() => s3rver.stop());
      return closing;
    },
  };
}
