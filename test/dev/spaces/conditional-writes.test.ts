import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpaces, type TestSpaces } from './helpers';

const BUCKET = 'cas-bucket';

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

describe('conditional writes through the local Spaces proxy', () => {
  let t: TestSpaces;
  let s3: S3Client;

  beforeAll(async () => {
    // The proxy's compare-and-swap mechanics under more than 10 writers per key and raw DeleteObjects: the
    // strict profile's limits (tested in strict-profile.test.ts) would refuse part of that load.
    t = await startTestSpaces({ bucket: BUCKET, strict: false });
    s3 = t.client();
  });
  afterAll(() => t.cleanup());

  const put = (Key: string, Body: string, conditions: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...conditions }));
  const read = async (Key: string) => {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    return { etag: got.ETag ?? '', text: (await got.Body?.transformToString()) ?? '' };
  };

  it('creates a new key with If-None-Match: * and refuses to overwrite it with 412', async () => {
    // Act
    const created = await put('create-once.json', '"first"', { IfNoneMatch: '*' });
    const second = put('create-once.json', '"second"', { IfNoneMatch: '*' });

    // Assess
    expect(created.ETag).toBeTruthy();
    await expect(second).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect((await read('create-once.json')).text).toBe('"first"');
  });

  it('refuses a stale If-Match with 412 and accepts the current ETag', async () => {
    // Prepare
    const v1 = await put('swap.json', '{"v":1}');
    const v2 = await put('swap.json', '{"v":2}', { IfMatch: v1.ETag });

    // Act
    const stale = put('swap.json', '{"v":"stale"}', { IfMatch: v1.ETag });
    await expect(stale).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    const v3 = await put('swap.json', '{"v":3}', { IfMatch: v2.ETag });

    // Assess
    expect(await read('swap.json')).toEqual({ etag: v3.ETag, text: '{"v":3}' });
  });

  it('answers 404 NoSuchKey for If-Match on a missing key and writes nothing', async () => {
    // Act
    const attempt = put('never-written.json', '{}', { IfMatch: '"0123456789abcdef0123456789abcdef"' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'never-written.json' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('honours If-Match on DELETE', async () => {
    // Prepare
    const v1 = await put('delete-me.json', '1');
    const v2 = await put('delete-me.json', '2');

    // Act
    const stale = s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'delete-me.json', IfMatch: v1.ETag }));
    await expect(stale).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'delete-me.json', IfMatch: v2.ETag }));

    // Assess
    await expect(read('delete-me.json')).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('honours If-None-Match: * on a multipart upload completed by lib-storage', async () => {
    // Prepare
    await put('multipart-once.bin', 'existing');
    const body = Buffer.alloc(6 * 1024 * 1024, 7);

    // Act
    const upload = new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'multipart-once.bin', Body: body, IfNoneMatch: '*' },
      partSize: 5 * 1024 * 1024,
    });

    // Assess
    await expect(upload.done()).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    expect((await read('multipart-once.bin')).text).toBe('existing');
    expect(t.spaces.stats().openMultipartUploads).toBe(0); // lib-storage aborted it
  });

  it('loses no update when 50 writers read-modify-write one counter with If-Match', async () => {
    // Prepare
    const key = 'counter.json';
    await put(key, JSON.stringify({ count: 0 }));
    const before = t.spaces.stats().preconditionFailed;
    const increment = async (): Promise<number> => {
      for (let attempt = 1; ; attempt += 1) {
        const { etag, text } = await read(key);
        const next = { count: (JSON.parse(text) as { count: number }).count + 1 };
        try {
          await put(key, JSON.stringify(next), { IfMatch: etag });
          return attempt;
        } catch (err) {
          if (statusOf(err) !== 412) throw err;
        }
      }
    };

    // Act
    const attempts = await Promise.all(Array.from({ length: 50 }, increment));

    // Assess
    expect(JSON.parse((await read(key)).text)).toEqual({ count: 50 });
    const conflicts = attempts.reduce((sum, n) => sum + n - 1, 0);
    expect(conflicts).toBeGreaterThan(0);
    expect(t.spaces.stats().preconditionFailed - before).toBe(conflicts);
  });
});
