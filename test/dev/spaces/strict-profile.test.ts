import http from 'node:http';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  DeleteObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlidingSecond } from '../../../lib/dev/spaces/strict';
import { createS3Store } from '../../../lib/storage/s3-store';
import { startTestSpaces, type TestSpaces } from './helpers';

const BUCKET = 'test-bucket';
const statusOf = (err: unknown) => (err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined);

// Starts a PUT whose body is held back, so the request stays in flight at the proxy until `finish` is called.
function heldPut(endpoint: string, key: string) {
  const url = new URL(`${endpoint}/${BUCKET}/${key}`);
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { 'content-length': '2' } }, (res) => {
      const chunks: Buffer[] = [];
      res
        .on('data', (c: Buffer) => chunks.push(c))
        .on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.flushHeaders();
    held.push(req);
  });
  answer.catch(() => undefined);
  return answer;
}
const held: http.ClientRequest[] = [];

describe('the strict profile of the local Spaces', () => {
  let t: TestSpaces;

  beforeAll(async () => {
    t = await startTestSpaces({ bucket: BUCKET });
  });
  afterAll(() => t.cleanup());

  it('answers 503 SlowDown with an S3 XML body to the 11th concurrent PUT on one object', async () => {
    // Prepare
    t.spaces.resetStats();
    const first = Array.from({ length: 10 }, () => heldPut(t.spaces.endpoint, 'hot/flag.json'));
    // Wait until the proxy has seen all ten (each is counted when its headers arrive).
    for (let i = 0; i < 200 && t.spaces.stats().requestsByOperation.PutObject < 10; i++)
      await new Promise((r) => setTimeout(r, 10));

    // Act
    const eleventhAnswer = heldPut(t.spaces.endpoint, 'hot/flag.json');
    const otherKey = heldPut(t.spaces.endpoint, 'hot/other.json');
    for (let i = 0; i < 200 && t.spaces.stats().requestsByOperation.PutObject < 12; i++)
      await new Promise((r) => setTimeout(r, 10));
    for (const req of held.splice(0)) req.end('{}');
    const answers = await Promise.all(first);
    const eleventh = await eleventhAnswer;

    // Assess
    expect(eleventh.status).toBe(503);
    expect(eleventh.body).toMatch(/<Error><Code>SlowDown<\/Code><Message>Please reduce your request rate\.<\/Message>/);
    expect(answers.every((a) => a.status !== 503)).toBe(true);
    expect((await otherKey).status).not.toBe(503);
    const stats = t.spaces.stats();
    expect(stats.maxConcurrentPutsPerKey).toBe(11);
    expect(stats.maxConcurrentPutsKey).toBe('hot/flag.json');
    expect(stats.slowDownByReason.perKeyPuts).toBe(1);
  });

  it('refuses DeleteObjects without Content-MD5 (the SDK sends CRC32) with 400, and the store sends the MD5', async () => {
    // Prepare
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'del/a.json', Body: '{}' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'del/b.json', Body: '{}' }));
    const bare = s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'del/a.json' }] } }));

    // Act / Assess
    await expect(bare).rejects.toMatchObject({ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
    expect(t.spaces.stats().deleteObjectsMd5Refused).toBeGreaterThanOrEqual(1);
    const store = createS3Store({
      SPACES_ENDPOINT: t.spaces.endpoint,
      SPACES_REGION: t.spaces.region,
      SPACES_BUCKET: BUCKET,
      SPACES_KEY: t.spaces.accessKeyId,
      SPACES_SECRET: t.spaces.secretAccessKey,
    });
    await store.deleteMany(['del/a.json', 'del/b.json']);
    expect(await store.list('del/')).toEqual([]);
  });

  it('the app store retries 503 SlowDown with backoff (three retries) and then reports the failure', async () => {
    // Prepare
    const store = createS3Store({
      SPACES_ENDPOINT: t.spaces.endpoint,
      SPACES_REGION: t.spaces.region,
      SPACES_BUCKET: BUCKET,
      SPACES_KEY: t.spaces.accessKeyId,
      SPACES_SECRET: t.spaces.secretAccessKey,
    });
    for (let i = 0; i < 3; i++) t.spaces.injectFault('503-slowdown', { match: { keyPrefix: 'slow/' } });

    // Act
    await store.putJson('slow/a.json', { ok: true });
    for (let i = 0; i < 4; i++) t.spaces.injectFault('503-slowdown', { match: { keyPrefix: 'slow/' } });
    const failed = store.putJson('slow/b.json', { ok: true });

    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'StorageError', details: { upstream_status: 503 } });
    expect((await store.getJson('slow/a.json'))?.value).toEqual({ ok: true });
    expect(t.spaces.stats().pendingFaults).toBe(0);
  });

  it('counts requests by operation', async () => {
    // Prepare
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'count/x.json', Body: '1' }));
    t.spaces.resetStats();

    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'count/x.json', Body: '2' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'count/y.json', Body: '2' }));
    await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'count/x.json' }))).Body?.transformToString();
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'count/x.json' }));
    await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'count/' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'count/y.json' }));

    await t
      .client({ userAgentAppId: 'shopify-webhook' })
      .send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'count/x.json' }));

    // Assess
    const stats = t.spaces.stats();
    expect(stats.requestsByOperation).toMatchObject({
      PutObject: 2,
      GetObject: 1,
      HeadObject: 2,
      ListObjects: 1,
      DeleteObject: 1,
      DeleteObjects: 0,
    });
    // Per client application, from the SDK's user agent (the local host sets AWS_SDK_UA_APP_ID per function).
    expect(stats.requestsByApp['shopify-webhook']).toEqual({ HeadObject: 1 });
    expect(stats.requests).toBe(7);
    expect(stats.slowDown).toBe(0);
    expect(stats.maxConcurrentPutsPerKey).toBe(1);
  });
});

describe('rate limits of the strict profile', () => {
  it('a sliding second admits `limit` requests, then refuses until the oldest is a second old', () => {
    let now = 0;
    const window = new SlidingSecond(3, () => now);
    expect([window.tryTake(), window.tryTake(), window.tryTake(), window.tryTake()]).toEqual([true, true, true, false]);
    now = 999;
    expect(window.tryTake()).toBe(false);
    now = 1000;
    expect([window.tryTake(), window.tryTake(), window.tryTake(), window.tryTake()]).toEqual([true, true, true, false]);
  });

  for (const [limit, reason] of [
    [{ bucketOpsPerSecond: 1 }, 'bucketOps'],
    [{ bucketWritesPerSecond: 1 }, 'bucketWrites'],
    [{ clientRequestsPerSecond: 1 }, 'client'],
  ] as const) {
    it(`answers 503 SlowDown past the ${reason} limit`, async () => {
      // Prepare
      const t = await startTestSpaces({ bucket: BUCKET, strict: limit });
      try {
        const s3 = t.client({ maxAttempts: 1 });

        // Act: five writes at once against a limit of one per second.
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) =>
            s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `rate/${i}.json`, Body: '{}' })),
          ),
        );

        // Assess
        const refused = results.filter((r) => r.status === 'rejected');
        expect(refused.length).toBeGreaterThanOrEqual(1);
        for (const r of refused) expect(r).toMatchObject({ reason: { name: 'SlowDown' } });
        expect(statusOf((refused[0] as PromiseRejectedResult).reason)).toBe(503);
        expect(t.spaces.stats().slowDownByReason[reason]).toBe(refused.length);
      } finally {
        await t.cleanup();
      }
    });
  }

  it('with conditionalWrites: ignore, drops If-None-Match and If-Match silently', async () => {
    // Prepare
    const t = await startTestSpaces({ bucket: BUCKET, conditionalWrites: 'ignore' });
    try {
      const s3 = t.client();
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas/x.json', Body: '"first"' }));

      // Act
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas/x.json', Body: '"second"', IfNoneMatch: '*' }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas/x.json', Body: '"third"', IfMatch: '"0000"' }));

      // Assess
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cas/x.json' }));
      expect(await got.Body?.transformToString()).toBe('"third"');
      expect(t.spaces.stats().preconditionFailed).toBe(0);
      const store = createS3Store({
        SPACES_ENDPOINT: t.spaces.endpoint,
        SPACES_REGION: t.spaces.region,
        SPACES_BUCKET: BUCKET,
        SPACES_KEY: t.spaces.accessKeyId,
        SPACES_SECRET: t.spaces.secretAccessKey,
      });
      expect(await store.supportsConditionalWrites()).toBe(false);
    } finally {
      await t.cleanup();
    }
  });
});
