import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { keys } from '../../../lib/storage/keys';

/** Every object of the bucket: key → ETag (content changes show as a new ETag). */
export type ObjectListing = Map<string, string>;

/** Lists the whole bucket with ETags. */
export async function listObjects(client: S3Client, bucket: string, prefix = ''): Promise<ObjectListing> {
  const out: ObjectListing = new Map();
  let token: string | undefined;
  do {
    const res = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 }),
    );
    for (const obj of res.Contents ?? []) if (obj.Key) out.set(obj.Key, obj.ETag ?? '');
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Keys created, changed or deleted between two listings. */
export function diffListings(
  before: ObjectListing,
  after: ObjectListing,
): { created: string[]; changed: string[]; deleted: string[] } {
  const created: string[] = [];
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [key, etag] of after) {
    const old = before.get(key);
    if (old === undefined) created.push(key);
    else if (old !== etag) changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) deleted.push(key);
  return { created, changed, deleted };
}

/**
 * Bookkeeping an accepted delivery may legitimately write: webhook dedupe markers, a catalog delivery's pending
 * record (its claim), flush flags and the store's conditional-write probe (only on a store that ignores conditions,
 * and deleted again).
 */
export function isDeliveryBookkeeping(key: string): boolean {
  const prefixes = ['private/webhooks/', 'private/pending/', 'private/flush/', keys.conditionalWriteProbePrefix()];
  return prefixes.some((prefix) => key.startsWith(prefix));
}

/** Reads one object's raw bytes, or null when it does not exist. */
export async function readObject(client: S3Client, bucket: string, key: string): Promise<Buffer | null> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return null;
    throw err;
  }
}
