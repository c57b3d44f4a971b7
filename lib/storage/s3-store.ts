import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext } from '@smithy/types';
import { PreconditionFailedError, StorageError } from '../errors';

/** Where and how to reach Spaces. */
export interface SpacesConfig {
  SPACES_ENDPOINT: string;
  SPACES_REGION: string;
  SPACES_BUCKET: string;
  SPACES_KEY: string;
  SPACES_SECRET: string;
}

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
}

/**
 * A request whose socket stays silent this long is abandoned and retried. Without it a hung Spaces
 * request holds the function until the platform kills it (a 502 without a message); 4 s leaves a
 * webhook (10 s limit) time for one retry. It bounds silence, not transfer time, so large uploads are fine.
 */
export const SPACES_REQUEST_IDLE_TIMEOUT_MS = 4_000;
/** Connecting to Spaces takes milliseconds; a connect that takes longer is retried. */
export const SPACES_CONNECT_TIMEOUT_MS = 2_000;

/** Attempts per Spaces request (the first and three retries). */
export const SPACES_MAX_ATTEMPTS = 4;

/** Wait before retry `attempt` (1-based): 100–200, 200–400, 400–800 ms. */
export function spacesRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(800, 50 * 2 ** attempt);
  return Math.round(base * (1 + random()));
}

/** Builds the S3 client for Spaces: path-style addressing, bounded waits, and no default checksums (Spaces and s3rver mishandle aws-chunked). */
export function createS3Client(config: SpacesConfig): S3Client {
  const client = new S3Client({
    requestHandler: { socketTimeout: SPACES_REQUEST_IDLE_TIMEOUT_MS, connectionTimeout: SPACES_CONNECT_TIMEOUT_MS },
    endpoint: config.SPACES_ENDPOINT,
    region: config.SPACES_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.SPACES_KEY, secretAccessKey: config.SPACES_SECRET },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // 503 SlowDown (Spaces' answer past its rate and per-object limits), 5xx and network errors are retried with
    // exponential backoff and jitter. The SDK's default waits up to 0.5/1/2 s after a SlowDown, which alone would use a
    // webhook's 3.5 s budget; these waits (≤ 0.2/0.4/0.8 s) keep the three retries inside it.
    retryStrategy: new ConfiguredRetryStrategy(SPACES_MAX_ATTEMPTS, spacesRetryDelayMs),
    maxAttempts: SPACES_MAX_ATTEMPTS,
    // Given here, so the first request does not look for them in AWS_* variables and ~/.aws files (cold start, issue
    // 14).
    retryMode: 'standard',
    defaultsMode: 'legacy',
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    useArnRegion: false,
    disableS3ExpressSessionAuth: false,
    authSchemePreference: [],
    sigv4aSigningRegionSet: [],
  });
  addDeleteObjectsContentMd5(client);
  return client;
}

/**
 * DeleteObjects with `Content-MD5` instead of the CRC32 the SDK sends since early 2025 (even with `WHEN_REQUIRED`):
 * S3-compatible services that require the MD5 answer 400 otherwise (aws-sdk-js-v3 #6819, #6920). This is the
 * middleware the SDK's supplemental documentation (MD5 fallback) describes, placed before signing.
 */
export function addDeleteObjectsContentMd5(client: S3Client): void {
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<any, any>, context: HandlerExecutionContext): FinalizeHandler<any, any> =>
      async (args: FinalizeHandlerArguments<any>) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      if (context.commandName === 'DeleteObjectsCommand' && request.headers) {
        for (const name of Object.keys(request.headers)) {
          const lower = name.toLowerCase();
          if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm') delete request.headers[name];
        }
        const body = request.body;
        if (typeof body === 'string' || body instanceof Uint8Array) {
          request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
        }
      }
      return next(args);
    },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'deleteObjectsContentMd5', override: true },
  );
}

const statusOf = (err: unknown) => (err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined);
const isMissing = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound' || statusOf(err) === 404);
const isPrecondition = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === 'PreconditionFailed' || statusOf(err) === 412);

function storageError(action: string, key: string, err: unknown): StorageError {
  const status = statusOf(err);
  const hint =
    status === 403
      ? 'check SPACES_KEY, SPACES_SECRET and the bucket permissions'
      : status === 404
        ? 'check SPACES_BUCKET and SPACES_REGION'
        : 'check SPACES_ENDPOINT and that Spaces is reachable';
  const name = err instanceof Error ? err.name : 'Error';
  return new StorageError(`Spaces ${action} failed for ${key} (${name}${status ? ` ${status}` : ''}): ${hint}.`, {
    cause: err,
    code: 'storage_error',
    ...(status !== undefined ? { upstreamStatus: status } : {}),
  });
}

/** Implements `ObjectStore` over an S3 client and one bucket. */
export function createS3Store(config: SpacesConfig, client: S3Client = createS3Client(config)): ObjectStore {
  const Bucket = config.SPACES_BUCKET;
  let conditional: Promise<boolean> | undefined;

  const store: ObjectStore = {
    bucket: Bucket,

    async getJson<T>(key: string) {
      let res;
      try {
        res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
      } catch (err) {
        if (isMissing(err)) return null;
        throw storageError('read', key, err);
      }
      const text = await res.Body!.transformToString('utf-8');
      try {
        return { value: JSON.parse(text) as T, etag: res.ETag ?? '' };
      } catch (err) {
        throw storageError('parse', key, err);
      }
    },

    async putJson(key, value, condition = {}) {
      const Body = JSON.stringify(value);
      try {
        if (condition.ifMatch || condition.ifNoneMatch) {
          const res = await client.send(
            new PutObjectCommand({
              Bucket,
              Key: key,
              Body,
              ContentType: 'application/json',
              ACL: 'private',
              ...(condition.ifMatch ? { IfMatch: condition.ifMatch } : {}),
              ...(condition.ifNoneMatch ? { IfNoneMatch: condition.ifNoneMatch } : {}),
            }),
          );
          return { etag: res.ETag ?? '' };
        }
        const { Upload } = await import('@aws-sdk/lib-storage');
        const upload = new Upload({
          client,
          params: { Bucket, Key: key, Body, ContentType: 'application/json', ACL: 'private' },
          leavePartsOnError: false,
        });
        const res = await upload.done();
        return { etag: res.ETag ?? '' };
      } catch (err) {
        if (isPrecondition(err) || (condition.ifMatch && isMissing(err))) {
          throw new PreconditionFailedError(`${key} changed while we were writing it`, { cause: err });
        }
        throw storageError('write', key, err);
      }
    },

    async putStream(key, body, contentType = 'application/json') {
      try {
        const { Upload } = await import('@aws-sdk/lib-storage');
        const upload = new Upload({
          client,
          params: { Bucket, Key: key, Body: body, ContentType: contentType, ACL: 'private' },
          queueSize: 2,
          partSize: 5 * 1024 * 1024,
          leavePartsOnError: false,
        });
        await upload.done();
      } catch (err) {
        throw storageError('upload', key, err);
      }
    },

    async getStream(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return res.Body as Readable;
      } catch (err) {
        if (isMissing(err)) return null;
        throw storageError('read', key, err);
      }
    },

    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (err) {
        if (isMissing(err)) return false;
        throw storageError('head', key, err);
      }
    },

    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (err) {
        if (!isMissing(err)) throw storageError('delete', key, err);
      }
    },

    async deleteMany(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        let res;
        try {
          res = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
        } catch (err) {
          throw storageError('delete', batch[0] ?? '', err);
        }
        // DeleteObjects answers 200 even when single keys failed; a missing key is not a failure.
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new StorageError(`Spaces delete failed for ${failed.length} of ${batch.length} keys (first: ${first.Key}, ${first.Code}): check that Spaces is reachable.`, {
            code: 'storage_error',
          });
        }
      }
    },

    async deletePrefix(prefix) {
      const all = await store.list(prefix);
      await store.deleteMany(all);
      return all.length;
    },

    async list(prefix) {
      return (await store.listEntries(prefix)).map((e) => e.key);
    },

    async listEntries(prefix) {
      const out: Array<{ key: string; lastModified: Date }> = [];
      let ContinuationToken: string | undefined;
      do {
        let res;
        try {
          res = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken, MaxKeys: 1000 }));
        } catch (err) {
          throw storageError('list', prefix, err);
        }
        for (const obj of res.Contents ?? []) if (obj.Key) out.push({ key: obj.Key, lastModified: obj.LastModified ?? new Date(0) });
        ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    },

    supportsConditionalWrites() {
      // Remember the answer, not a failure: a probe that hit a transient Spaces error is retried next time.
      conditional ??= probeConditionalWrites(store).catch((err: unknown) => {
        conditional = undefined;
        throw err;
      });
      return conditional;
    },
  };
  return store;
}

/**
 * One request on a key of its own, so cold starts never queue on a shared key: `If-Match` on a key that
 * does not exist is answered 404 (or 412) by a store that honours conditions, and creates the object on
 * one that ignores them (which is then deleted). A store that refuses the header (501) has none.
 */
async function probeConditionalWrites(store: ObjectStore): Promise<boolean> {
  const key = `${PROBE_PREFIX}${randomUUID()}.json`;
  try {
    await store.putJson(key, { probe: true }, { ifMatch: '"00000000000000000000000000000000"' });
  } catch (err) {
    if (err instanceof PreconditionFailedError) return true;
    if (err instanceof StorageError && err.details.upstream_status === 501) return false;
    throw err;
  }
  await store.delete(key);
  return false;
}

/** Where the conditional-write probe writes (only on a store without conditions, and deletes again). */
export const PROBE_PREFIX = 'private/probe/';
