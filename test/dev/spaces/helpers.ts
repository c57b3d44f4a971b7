import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { loadConfig } from '../../../lib/config';
import { spacesEnv, startLocalSpaces, type LocalSpaces, type LocalSpacesOptions } from '../../../lib/dev/spaces';
import { createS3Store } from '../../../lib/storage/s3-store';
import { createS3Client } from '../../../lib/storage/s3-client';
import type { ObjectStore } from '../../../lib/storage/store';
import { testEnv } from '../../helpers/test-config';

/** A local Spaces on a fresh temp directory, and a way to tear both down. */
export interface TestSpaces {
  spaces: LocalSpaces;
  /** Where s3rver keeps the objects (`<dataDir>/<bucket>/<key>._S3rver_object`). */
  dataDir: string;
  /** The app's own store (`createS3Store` over a valid `spaces` config) on this Spaces. */
  appStore(): ObjectStore;
  /** A real S3 client configured the way the app talks to Spaces. */
  client(overrides?: S3ClientConfig): S3Client;
  /** Closes clients, the proxy and s3rver, and removes the temp directory. */
  cleanup(): Promise<void>;
}

/** Starts a local Spaces for one suite; pair with `afterAll(() => t.cleanup())`. */
export async function startTestSpaces(options: Partial<LocalSpacesOptions> = {}): Promise<TestSpaces> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'local-spaces-test-'));
  const clients: S3Client[] = [];
  let spaces: LocalSpaces;
  try {
    spaces = await startLocalSpaces({ dataDir, bucket: 'test-bucket', ...options });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    spaces,
    dataDir,
    appStore: () => {
      const env = testEnv(spacesEnv(spaces));
      const config = loadConfig(env, ['spaces']);
      const client = createS3Client(config);
      clients.push(client);
      return createS3Store(config, client);
    },
    client: (overrides = {}) => {
      const client = new S3Client({
        endpoint: spaces.endpoint,
        region: spaces.region,
        forcePathStyle: true,
        credentials: { accessKeyId: spaces.accessKeyId, secretAccessKey: spaces.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    cleanup: async () => {
      for (const client of clients) client.destroy();
      await spaces.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
