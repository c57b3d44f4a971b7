import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSpaces, type TestSpaces } from './helpers';

const BUCKET = 'mp-bucket';

describe('multipart bookkeeping', () => {
  let t: TestSpaces;
  let s3: S3Client;

  beforeAll(async () => {
    t = await startTestSpaces({ bucket: BUCKET });
    s3 = t.client();
  });
  afterAll(() => t.cleanup());

  it('lists an in-progress upload with its part, and forgets it after AbortMultipartUpload', async () => {
    // Prepare
    const Key = 'users/u1/shopify/shopify_data.json';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
    const part = await s3.send(
      new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }),
    );

    // Act
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    const parts = await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key, UploadId }));
    const openBefore = t.spaces.stats().openMultipartUploads;
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId }));
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));

    // Assess
    expect(listed.Uploads).toEqual([expect.objectContaining({ Key, UploadId, Initiated: expect.any(Date) })]);
    expect(parts.Parts).toEqual([expect.objectContaining({ PartNumber: 1, ETag: part.ETag, Size: 1024 })]);
    expect(openBefore).toBe(1);
    expect(after.Uploads ?? []).toEqual([]);
    expect(t.spaces.stats()).toMatchObject({ openMultipartUploads: 0, multipartAborted: 1 });
  });

  it('filters ListMultipartUploads by prefix', async () => {
    // Prepare
    const a = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'a/1.bin' }));
    const b = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'b/1.bin' }));

    // Act
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'b/' }));

    // Assess
    expect(listed.Uploads?.map((u) => u.UploadId)).toEqual([b.UploadId]);
    for (const [Key, UploadId] of [
      ['a/1.bin', a.UploadId],
      ['b/1.bin', b.UploadId],
    ] as const) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId }));
    }
  });

  it('answers 404 NoSuchUpload when aborting an unknown upload id', async () => {
    // Act
    const attempt = s3.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'x.bin', UploadId: 'f'.repeat(32) }),
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
  });
});

describe('fault injection', () => {
  let t: TestSpaces;

  beforeAll(async () => {
    t = await startTestSpaces({ bucket: BUCKET });
  });
  afterEach(() => t.spaces.clearFaults());
  afterAll(() => t.cleanup());

  it('lets the SDK see 503 SlowDown when it may not retry', async () => {
    // Prepare
    const s3 = t.client({ maxAttempts: 1 });
    t.spaces.injectFault('503-slowdown', { match: { method: 'PUT', keyPrefix: 'slow/' } });

    // Act
    const attempt = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'slow/1.json', Body: '{}' }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(t.spaces.stats().faultsByKind['503-slowdown']).toBe(1);
    expect(t.spaces.stats().pendingFaults).toBe(0);
  });

  it('is absorbed by the SDK retries when a one-shot 500 hits', async () => {
    // Prepare
    const s3 = t.client({ maxAttempts: 3 });
    t.spaces.injectFault('500');

    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'retried.json', Body: '{"ok":true}' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retried.json' }));

    // Assess
    expect(await got.Body?.transformToString()).toBe('{"ok":true}');
    expect(t.spaces.stats().faultsByKind['500']).toBe(1);
  });

  it('resets the connection on a reset fault', async () => {
    // Prepare
    const s3 = t.client({ maxAttempts: 1 });
    t.spaces.injectFault('reset', { match: { method: 'GET' } });

    // Act / Assess
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retried.json' }))).rejects.toThrow();
    expect(t.spaces.stats().faultsByKind.reset).toBe(1);
  });

  it('holds a request without answering on a timeout fault', async () => {
    // Prepare
    const s3 = t.client({ maxAttempts: 1 });
    t.spaces.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 60_000 });
    const started = Date.now();

    // Act
    const attempt = s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'retried.json' }), {
      abortSignal: AbortSignal.timeout(300),
    });

    // Assess
    await expect(attempt).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(t.spaces.stats().faultsByKind.timeout).toBeGreaterThanOrEqual(1);
  });

  it('fails only UploadPart with multipart-part-500, and lib-storage aborts the upload', async () => {
    // Prepare
    const s3 = t.client({ maxAttempts: 1 });
    t.spaces.injectFault('multipart-part-500');
    const upload = new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'parts/broken.bin', Body: Buffer.alloc(11 * 1024 * 1024, 3) },
      partSize: 5 * 1024 * 1024,
      queueSize: 1,
    });

    // Act / Assess
    await expect(upload.done()).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    expect(t.spaces.stats()).toMatchObject({ openMultipartUploads: 0, multipartAborted: 1 });
    expect(t.spaces.stats().faultsByKind['multipart-part-500']).toBe(1);
  });

  it('injects random faults at the configured rate, reproducibly for a seed', async () => {
    // Prepare
    const s3 = t.client({ maxAttempts: 1 });
    const run = async (): Promise<boolean[]> => {
      t.spaces.setFaults({ rate: 0.5, kinds: ['500', '503-slowdown'], seed: 42 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 20; i += 1) {
        const ok = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `rnd/${i}`, Body: '1' })).then(
          () => true,
          () => false,
        );
        outcomes.push(ok);
      }
      return outcomes;
    };

    // Act
    const first = await run();
    const second = await run();

    // Assess
    expect(second).toEqual(first);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(2);
    expect(first.filter(Boolean).length).toBeGreaterThan(2);
  });
});
