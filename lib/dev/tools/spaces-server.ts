import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conditionalWritesFromEnv, spacesEnv, startLocalSpaces } from '../spaces';

/**
 * Runs embedded Spaces (s3rver + conditional-write proxy) in a process of its own and prints one
 * JSON line with the `SPACES_*` variables to use; stops on SIGTERM or SIGINT and removes its data.
 * Benchmarks use it so that a platform emulator busy on the benchmark's event loop (a 50,000-product
 * bulk file is built synchronously) cannot stall Spaces, which in production is another service.
 */
async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'spaces-server-'));
  const spaces = await startLocalSpaces({
    dataDir,
    bucket: process.argv[2] ?? 'gpt-sales-bot',
    conditionalWrites: conditionalWritesFromEnv(),
  });
  const stop = async () => {
    await spaces.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdout.write(`${JSON.stringify(spacesEnv(spaces))}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
