import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSpaces, type LocalSpaces, type LocalSpacesStats } from '../../../lib/dev/spaces';
import { startTestSpaces, type TestSpaces } from './helpers';

const BUCKET = 'index-bucket';

type Counter = 'requests' | 'forwarded' | 'etagIndexHits' | 'etagHeadRequests' | 'preconditionFailed';

function clientFor(
  endpoint: string,
  spaces: Pick<LocalSpaces, 'region' | 'accessKeyId' | 'secretAccessKey'>,
): S3Client {
  return new S3Client({
    endpoint,
    region: spaces.region,
    forcePathStyle: true,
    credentials: { accessKeyId: spaces.accessKeyId, secretAccessKey: spaces.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

describe('the proxy ETag index', () => {
  let t: TestSpaces;
  let s3: S3Client;
  let direct: S3Client;

  beforeAll(async () => {
    // The proxy's compare-and-swap mechanics under more than 10 writers per key and raw DeleteObjects: the
    // strict profile's limits (tested in strict-profile.test.ts) would refuse part of that load.
    t = await startTestSpaces({ bucket: BUCKET, strict: false });
    s3 = t.client({ maxAttempts: 1 });
    direct = clientFor(t.spaces.upstreamEndpoint, t.spaces);
  });
  afterEach(() => t.spaces.clearFaults());
  afterAll(async () => {
    direct.destroy();
    await t.cleanup();
  });

  // Counter changes while `act` runs.
  async function counting<T>(
    act: () => Promise<T>,
  ): Promise<{ result: PromiseSettledResult<T>; delta: Record<Counter, number> }> {
    const before: LocalSpacesStats = t.spaces.stats();
    const [result] = await Promise.allSettled([act()]);
    const after = t.spaces.stats();
    const names: Counter[] = ['requests', 'forwarded', 'etagIndexHits', 'etagHeadRequests', 'preconditionFailed'];
    const delta = Object.fromEntries(names.map((name) => [name, after[name] - before[name]])) as Record<
      Counter,
      number
    >;
    return { result: result as PromiseSettledResult<T>, delta };
  }

  const put = (Key: string, Body: string, conditions: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...conditions }));
  const text = async (Key: string) =>
    (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString()) ?? '';
  const rejection = (result: PromiseSettledResult<unknown>) =>
    result.status === 'rejected' ? result.reason : undefined;

  it('answers a 412 for If-None-Match: * on an indexed key without any request to s3rver', async () => {
    // Prepare
    await put('indexed.json', '"first"');

    // Act
    const { result, delta } = await counting(() => put('indexed.json', '"second"', { IfNoneMatch: '*' }));

    // Assess
    expect(rejection(result)).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    expect(delta).toEqual({ requests: 1, forwarded: 0, etagIndexHits: 1, etagHeadRequests: 0, preconditionFailed: 1 });
    expect(await text('indexed.json')).toBe('"first"');
  });

  it('stays exact across put → If-None-Match 412 → delete → If-None-Match 200, without a HEAD', async () => {
    // Prepare
    const key = 'cycle.json';
    const heads = t.spaces.stats().etagHeadRequests;

    // Act
    await put(key, '1');
    const refused = await counting(() => put(key, '2', { IfNoneMatch: '*' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const created = await counting(() => put(key, '3', { IfNoneMatch: '*' }));

    // Assess
    expect(statusOf(rejection(refused.result))).toBe(412);
    expect(created.result.status).toBe('fulfilled');
    expect(created.delta).toMatchObject({ forwarded: 1, etagIndexHits: 1, etagHeadRequests: 0 });
    expect(t.spaces.stats().etagHeadRequests).toBe(heads);
    expect(await text(key)).toBe('3');
  });

  it('accepts If-Match with the ETag of the latest put and refuses the previous one', async () => {
    // Prepare
    const v1 = await put('swap.json', '{"v":1}');
    const v2 = await put('swap.json', '{"v":2}');

    // Act
    const stale = await counting(() => put('swap.json', '{"v":"stale"}', { IfMatch: v1.ETag }));
    const fresh = await counting(() => put('swap.json', '{"v":3}', { IfMatch: v2.ETag }));

    // Assess
    expect(statusOf(rejection(stale.result))).toBe(412);
    expect(stale.delta).toMatchObject({ forwarded: 0, etagHeadRequests: 0 });
    expect(fresh.result.status).toBe('fulfilled');
    expect(fresh.delta).toMatchObject({ forwarded: 1, etagHeadRequests: 0 });
    expect(await text('swap.json')).toBe('{"v":3}');
  });

  it('marks every key of a DeleteObjects missing, so If-None-Match: * puts succeed without a HEAD', async () => {
    // Prepare
    const keys = ['batch/a.json', 'batch/b&c.json', `batch/<'quoted'> "x".json`, 'batch/ünï.json'];
    for (const Key of keys) await put(Key, 'old');
    // A client with the SDK's default checksum settings, so the buffered body carries a checksum s3rver must still accept.
    const appLike = t.client({
      requestChecksumCalculation: 'WHEN_SUPPORTED',
      responseChecksumValidation: 'WHEN_SUPPORTED',
    });

    // Act
    const deleted = await appLike.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const recreated = await counting(() => Promise.all(keys.map((Key) => put(Key, 'new', { IfNoneMatch: '*' }))));

    // Assess
    expect(deleted.Errors ?? []).toEqual([]);
    expect(recreated.result.status).toBe('fulfilled');
    expect(recreated.delta).toMatchObject({ forwarded: keys.length, etagIndexHits: keys.length, etagHeadRequests: 0 });
    for (const Key of keys) expect(await text(Key)).toBe('new');
  });

  it('drops the index when s3rver does not report deleting exactly the keys a DeleteObjects named', async () => {
    // Prepare: s3rver's XML parser turns <Key>0123</Key> into the number 123, and then fails on it.
    await put('0123', 'leading zero');
    await put('123', 'number');
    expect(t.spaces.stats().etagIndexSize).toBeGreaterThan(0);

    // Act
    const batch = await counting(() =>
      s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: '0123' }] } })),
    );
    const sizeAfter = t.spaces.stats().etagIndexSize;
    const onLeadingZero = await counting(() => put('0123', 'again', { IfNoneMatch: '*' }));
    const onNumber = await counting(() => put('123', 'again', { IfNoneMatch: '*' }));

    // Assess: whatever s3rver did, the proxy asks it again instead of trusting the index.
    expect(batch.delta.forwarded).toBe(1);
    expect(sizeAfter).toBe(0);
    expect(onLeadingZero.delta.etagHeadRequests).toBe(1);
    expect(onNumber.delta.etagHeadRequests).toBe(1);
    expect(statusOf(rejection(onLeadingZero.result))).toBe(412);
    expect(statusOf(rejection(onNumber.result))).toBe(412);
  });

  it('records the ETag of a completed multipart upload', async () => {
    // Prepare
    const upload = new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'big.bin', Body: Buffer.alloc(6 * 1024 * 1024, 5) },
      partSize: 5 * 1024 * 1024,
    });
    const { ETag } = await upload.done();
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }));

    // Act
    const swapped = await counting(() => put('big.bin', 'small now', { IfMatch: ETag }));

    // Assess
    expect(head.ETag).toBe(ETag);
    expect(swapped.result.status).toBe('fulfilled');
    expect(swapped.delta).toMatchObject({ etagIndexHits: 1, etagHeadRequests: 0 });
  });

  it('asks s3rver again after a CopyObject onto a key', async () => {
    // Prepare
    const source = await put('copy/source.json', '"source"');
    await put('copy/target.json', '"target"');

    // Act
    await s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/target.json', CopySource: `${BUCKET}/copy/source.json` }),
    );
    const swapped = await counting(() => put('copy/target.json', '"swapped"', { IfMatch: source.ETag }));

    // Assess
    expect(swapped.result.status).toBe('fulfilled');
    expect(swapped.delta).toMatchObject({ etagHeadRequests: 1 });
  });

  it('forgets a key whose write failed with a fault only if s3rver saw it', async () => {
    // Prepare
    await put('faulted.json', '"kept"');
    t.spaces.injectFault('500', { match: { method: 'PUT', keyPrefix: 'faulted.json' } });

    // Act
    const faulted = await counting(() => put('faulted.json', '"lost"'));
    const refused = await counting(() => put('faulted.json', '"x"', { IfNoneMatch: '*' }));

    // Assess
    expect(statusOf(rejection(faulted.result))).toBe(500);
    expect(faulted.delta.forwarded).toBe(0);
    expect(statusOf(rejection(refused.result))).toBe(412);
    expect(refused.delta).toMatchObject({ forwarded: 0, etagHeadRequests: 0 });
  });

  it('lets exactly one of 20 concurrent If-None-Match: * writers create a key', async () => {
    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => put('race.json', `"${i}"`, { IfNoneMatch: '*' })),
    );

    // Assess
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => statusOf(rejection(r)))).toEqual(
      Array(19).fill(412),
    );
    expect(await text('race.json')).toBe(`"${winners[0]}"`);
  });

  it('looks up an object written straight to s3rver (pre-existing data) with one HEAD, then from the index', async () => {
    // Prepare
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'preexisting.json', Body: '"on disk"' }));

    // Act
    const first = await counting(() => put('preexisting.json', '"overwrite"', { IfNoneMatch: '*' }));
    const second = await counting(() => put('preexisting.json', '"overwrite"', { IfNoneMatch: '*' }));

    // Assess
    expect(statusOf(rejection(first.result))).toBe(412);
    expect(first.delta).toMatchObject({ etagHeadRequests: 1, forwarded: 0 });
    expect(second.delta).toMatchObject({ etagHeadRequests: 0, etagIndexHits: 1, forwarded: 0 });
    expect(await text('preexisting.json')).toBe('"on disk"');
  });

  it('does not see a write that bypasses the proxy to a key it already indexed (unsupported)', async () => {
    // Prepare: the proxy knows the key is missing, then s3rver gets it behind the proxy's back.
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'bypassed.json' }));
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bypassed.json', Body: '"behind the back"' }));

    // Act
    const create = await counting(() => put('bypassed.json', '"through the proxy"', { IfNoneMatch: '*' }));

    // Assess: the documented limitation — the index still says "missing", so the write goes through.
    expect(create.result.status).toBe('fulfilled');
    expect(create.delta.etagHeadRequests).toBe(0);
  });

  it('answers 501 to a conditional write on a virtual-hosted request, and drops the index after other writes there', async () => {
    // Prepare
    await put('vhost.json', '{}');
    const { port } = new URL(t.spaces.endpoint);
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/vhost.json', headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end('{}');
      });

    // Act
    const conditional = await send({ host: `${BUCKET}.example.test`, 'if-none-match': '*' });
    const sizeBefore = t.spaces.stats().etagIndexSize;
    const unconditional = await send({ host: `${BUCKET}.example.test` });

    // Assess
    expect(conditional).toBe(501);
    expect(sizeBefore).toBeGreaterThan(0);
    expect(unconditional).toBeGreaterThanOrEqual(400); // unsigned: s3rver refuses it, but the proxy cannot know that in advance
    expect(t.spaces.stats().etagIndexSize).toBe(0);
  });
});

describe('the ETag index across a restart', () => {
  it('starts empty and finds objects already in dataDir with a HEAD', async () => {
    // Prepare
    const dataDir = await mkdtemp(path.join(tmpdir(), 'local-spaces-index-'));
    try {
      const first = await startLocalSpaces({ dataDir, bucket: BUCKET });
      const s3a = clientFor(first.endpoint, first);
      await s3a.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.json', Body: '"kept"', IfNoneMatch: '*' }));
      s3a.destroy();
      await first.close();

      // Act
      const second = await startLocalSpaces({ dataDir, bucket: BUCKET });
      const s3b = clientFor(second.endpoint, second);
      const sizeAtStart = second.stats().etagIndexSize;
      const attempt = await s3b
        .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept.json', Body: '"replaced"', IfNoneMatch: '*' }))
        .then(
          () => 200,
          (err: unknown) => statusOf(err),
        );
      const stats = second.stats();
      s3b.destroy();
      await second.close();

      // Assess
      expect(sizeAtStart).toBe(0);
      expect(attempt).toBe(412);
      expect(stats).toMatchObject({ etagHeadRequests: 1, etagIndexHits: 0, forwarded: 0, etagIndexSize: 1 });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
