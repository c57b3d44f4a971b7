import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PreconditionFailedError, StorageError } from '../errors';
import { keys } from './keys';
import { createS3Client, type SpacesConfig } from './s3-client';
import type { ObjectStore } from './store';

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

/** Sends one request; null when the object does not exist, a `StorageError` naming `action` on any other failure. */
async function unlessMissing<T>(action: string, key: string, send: () => Promise<T>): Promise<T | null> {
  try {
    return await send();
  } catch (err) {
    if (isMissing(err)) return null;
    throw storageError(action, key, err);
  }
}

/** Implements `ObjectStore` over an S3 client and one bucket. */
export function createS3Store(config: SpacesConfig, client: S3Client = createS3Client(config)): ObjectStore {
  const Bucket = config.SPACES_BUCKET;
  let conditional: Promise<boolean> | undefined;
  let known: boolean | undefined;
  // What this process knows of conditional writes, from its probe or from a write a condition refused.
  const learn = (found: boolean) => {
    known = found;
    conditional = Promise.resolve(found);
    return found;
  };

  const store: ObjectStore = {
    bucket: Bucket,

    async getJson<T>(key: string) {
      const res = await unlessMissing('read', key, () => client.send(new GetObjectCommand({ Bucket, Key: key })));
      if (!res) return null;
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
          // Only a store that evaluates conditions refuses a write for one: no probe is needed any more.
          learn(true);
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
          // One part in flight while the next fills: the bulk path's memory target (200 MB peak RSS for 50,000
          // products) has little room, and a second 5 MB part in flight bought no measurable speed.
          queueSize: 1,
          partSize: 5 * 1024 * 1024,
          leavePartsOnError: false,
        });
        await upload.done();
      } catch (err) {
        throw storageError('upload', key, err);
      }
    },

    async getStream(key) {
      const res = await unlessMissing('read', key, () => client.send(new GetObjectCommand({ Bucket, Key: key })));
      return res ? (res.Body as Readable) : null;
    },

    async exists(key) {
      const head = await unlessMissing('head', key, () => client.send(new HeadObjectCommand({ Bucket, Key: key })));
      return head !== null;
    },

    async delete(key) {
      await unlessMissing('delete', key, () => client.send(new DeleteObjectCommand({ Bucket, Key: key })));
    },

    async deleteMany(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        let res;
        try {
          res = await client.send(
            new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
          );
        } catch (err) {
          throw storageError('delete', batch[0] ?? '', err);
        }
        // DeleteObjects answers 200 even when single keys failed; a missing key is not a failure.
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new StorageError(
            `Spaces delete failed for ${failed.length} of ${batch.length} keys (first: ${first.Key}, ${first.Code}): check that Spaces is reachable.`,
            {
              code: 'storage_error',
            },
          );
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
          res = await client.send(
            new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken, MaxKeys: 1000 }),
          );
        } catch (err) {
          throw storageError('list', prefix, err);
        }
        for (const obj of res.Contents ?? [])
          if (obj.Key) out.push({ key: obj.Key, lastModified: obj.LastModified ?? new Date(0) });
        ContinuationToken = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    },

    supportsConditionalWrites() {
      // Remember the answer, not a failure: a probe that hit a transient Spaces error is retried next time.
      conditional ??= probeConditionalWrites(store).then(learn, (err: unknown) => {
        if (known === undefined) conditional = undefined;
        throw err;
      });
      return conditional;
    },

    conditionalWritesKnown() {
      return known;
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
  const key = keys.conditionalWriteProbe(randomUUID());
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
