import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSpaces } from '../../../lib/dev/spaces';
import { mapLimit, startTestSpaces, type TestSpaces } from './helpers';

const BUCKET = 'test-bucket';

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

// Child processes of this test process, minus the `ps` that lists them.
function childPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, comm]) => pid && comm !== 'ps')
    .map(([pid]) => Number(pid))
    .sort();
}

describe('startLocalSpaces', () => {
  let t: TestSpaces;
  let s3: S3Client;

  beforeAll(async () => {
    t = await startTestSpaces({ bucket: BUCKET });
    s3 = t.client();
  });
  afterAll(() => t.cleanup());

  it('serves an endpoint on 127.0.0.1 with s3rver credentials', () => {
    expect(t.spaces.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.spaces).toMatchObject({ bucket: BUCKET, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  });

  it('round-trips put, head, get and delete', async () => {
    // Prepare
    const key = 'users/u1/shopify/shopify_data.json';
    const body = JSON.stringify({ shop: 'demo', products: [1, 2, 3] });

    // Act
    const put = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/json' }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const text = await got.Body?.transformToString();
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));

    // Assess
    expect(head.ETag).toBe(put.ETag);
    expect(head.ContentType).toBe('application/json');
    expect(text).toBe(body);
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('pages ListObjectsV2 past 1000 keys', async () => {
    // Prepare: rate limits out of the way (1,010 quick writes exceed Spaces' 300 writes/s; the limits have their own
    // tests), so the listing is what is tested.
    const fast = await startTestSpaces({
      strict: { bucketOpsPerSecond: 1e6, bucketWritesPerSecond: 1e6, clientRequestsPerSecond: 1e6 },
    });
    try {
      const client = fast.client();
      const Bucket = fast.spaces.bucket;
      const keys = Array.from({ length: 1010 }, (_, i) => `many/${String(i).padStart(5, '0')}.json`);
      await mapLimit(keys, 16, (Key) => client.send(new PutObjectCommand({ Bucket, Key, Body: '{}' })));

      // Act
      const listed: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: 'many/', ContinuationToken: token }));
        listed.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        pages += 1;
      } while (token);

      // Assess
      expect(pages).toBe(2);
      expect(listed).toEqual(keys);
    } finally {
      await fast.cleanup();
    }
  });

  it('lists keys being written and deleted without failing, as Spaces does (s3rver alone answers 500)', async () => {
    // Prepare: rate limits out of the way, and no retries, so a 500 from the twin fails the listing here.
    const fast = await startTestSpaces({ strict: { bucketOpsPerSecond: 1e6, bucketWritesPerSecond: 1e6 } });
    try {
      const writer = fast.client();
      const once = fast.client({ maxAttempts: 1 });
      const Bucket = fast.spaces.bucket;

      // Act: rounds of 64 writers putting, then deleting, keys in a folder that does not exist yet, each listing it
      // in between, the way a burst's first deliveries raise and lower flush flags.
      let listings = 0;
      for (let round = 0; round < 6; round++) {
        const prefix = `going/${round}/`;
        await Promise.all(
          Array.from({ length: 64 }, async (_, i) => {
            await once.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
            await writer.send(new PutObjectCommand({ Bucket, Key: `${prefix}${i}.json`, Body: '{}' }));
            await once.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
            await writer.send(new DeleteObjectCommand({ Bucket, Key: `${prefix}${i}.json` }));
            await once.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
            listings += 3;
          }),
        );
      }

      // Assess
      expect(listings).toBe(6 * 64 * 3);
      const last = await once.send(new ListObjectsV2Command({ Bucket, Prefix: 'going/' }));
      expect(last.KeyCount ?? 0).toBe(0);
    } finally {
      await fast.cleanup();
    }
  });

  it('stores a multipart upload of a > 10 MB stream byte for byte', async () => {
    // Prepare
    const data = randomBytes(12 * 1024 * 1024 + 123);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
      data.subarray(i * 65536, (i + 1) * 65536),
    );

    // Act
    const upload = new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'big/snapshot.bin', Body: Readable.from(chunks) },
      partSize: 5 * 1024 * 1024,
    });
    await upload.done();
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big/snapshot.bin' }));
    const stored = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assess
    expect(stored.length).toBe(data.length);
    expect(md5(stored)).toBe(md5(data));
    expect(t.spaces.stats()).toMatchObject({ multipartCompleted: 1, openMultipartUploads: 0 });
  });
});

describe('LocalSpaces.close', () => {
  it('leaves no s3rver process behind and can be called twice', async () => {
    // Prepare
    const t = await startTestSpaces();
    const { pid } = t.spaces;
    expect(() => process.kill(pid, 0)).not.toThrow();

    // Act
    await t.cleanup();
    await t.spaces.close();

    // Assess
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('keeps objects and open multipart uploads across a restart on the same dataDir', async () => {
    // Prepare
    const dataDir = await mkdtemp(path.join(tmpdir(), 'local-spaces-restart-'));
    try {
      const first = await startLocalSpaces({ dataDir, bucket: BUCKET });
      const client = (spaces: typeof first) =>
        new S3Client({
          endpoint: spaces.endpoint,
          region: spaces.region,
          forcePathStyle: true,
          credentials: { accessKeyId: spaces.accessKeyId, secretAccessKey: spaces.secretAccessKey },
        });
      const s3a = client(first);
      await s3a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.json', Body: '"kept"' }));
      const { UploadId } = await s3a.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'open.bin' }));
      s3a.destroy();
      await first.close();

      // Act
      const second = await startLocalSpaces({ dataDir, bucket: BUCKET });
      const s3b = client(second);
      const got = await s3b.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept.json' }));
      const uploads = await s3b.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
      const stats = second.stats();
      s3b.destroy();
      await second.close();

      // Assess
      expect(await got.Body?.transformToString()).toBe('"kept"');
      expect(uploads.Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
      expect(stats.openMultipartUploads).toBe(1);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rejects without leaving a child when the proxy port is taken', async () => {
    // Prepare
    const t = await startTestSpaces();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'local-spaces-port-'));
    const port = Number(new URL(t.spaces.endpoint).port);
    const childrenBefore = childPids();

    // Act / Assess
    try {
      await expect(startLocalSpaces({ dataDir, bucket: 'other', port })).rejects.toThrow(/EADDRINUSE/);
      expect(childPids()).toEqual(childrenBefore);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await t.cleanup();
    }
  });
});
