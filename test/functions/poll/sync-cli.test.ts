import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncCli, summaryTable } from '../../../lib/dev/tools/sync-cli';
import { keys } from '../../../lib/storage/keys';
import { connectShopify, startTestStack, type TestStack } from '../../helpers/stack';

const ROOT = resolve(__dirname, '../../..');
const A = 'cli-one.myshopify.com';
const B = 'cli-two.myshopify.com';

function runCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'lib/dev/tools/sync-cli.ts'), ...args],
      {
        cwd,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run sync (manual sync CLI)', () => {
  let stack: TestStack;
  let cwd: string;
  const uuids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
    stack.shopify!.seedShop(A, { products: 40 });
    stack.shopify!.seedShop(B, { products: 12 });
    for (const shop of [A, B]) uuids[shop] = (await connectShopify(stack, shop.split('.')[0]!)).body.user_uuid;
    cwd = await mkdtemp(join(tmpdir(), 'sync-cli-'));
  });
  afterAll(async () => {
    await stack?.shutdown();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('syncs one shop in a child process, with progress and a summary table', async () => {
    // Prepare
    const gone = stack.shopify!.getProducts(A)[5]!.id;
    stack.shopify!.deleteProduct(A, gone);

    // Act
    const { code, stdout, stderr } = await runCli(['--shop', 'cli-one'], stack.env, cwd);

    // Assess
    expect(stderr).toContain(`${A}: 39/39`);
    // The OAuth callback's full sync left a usable snapshot, so only changes and an id listing are read.
    expect(stdout).toMatch(new RegExp(`shop\\s+${A.replace(/\./g, '\\.')}\\s+success\\s+39\\s+incremental`));
    expect(stdout).toContain('1 of 1 synced.');
    expect(code).toBe(0);
    const snapshot = (await stack.store.getJson<any>(keys.shopifySnapshot(uuids[A]!)))!.value;
    expect(snapshot.meta.source).toBe('manual');
    expect(snapshot.data.products.edges.map((e: any) => e.node.id)).not.toContain(gone);
    // --full walks the whole catalog.
    const full = await runCli(['--shop', 'cli-one', '--full'], stack.env, cwd);
    expect(full.stdout).toMatch(new RegExp(`shop\\s+${A.replace(/\./g, '\\.')}\\s+success\\s+39\\s+paginated`));
  });

  it('syncs every shop with --all and exits 1 when one needs re-authorisation', async () => {
    // Prepare
    stack.shopify!.revokeToken(B);
    const lines: string[] = [];

    // Act
    const code = await runSyncCli(
      ['--all', '--platform', 'shopify'],
      { ...stack.env, SHOPIFY_BULK_THRESHOLD: '30' },
      {
        log: (l) => lines.push(l),
        progress: () => undefined,
        isTty: false,
      },
    );

    // Assess
    const out = lines.join('\n');
    expect(code).toBe(1);
    // Over the threshold with a usable snapshot: the incremental bulk poll (bulk queries of what changed).
    expect(out).toMatch(/shop\s+cli-one\.myshopify\.com\s+success\s+39\s+incremental/);
    expect(out).toMatch(/shop\s+cli-two\.myshopify\.com\s+reauth_required/);
    expect(out).toContain('1 of 2 synced, 1 need attention.');
  });

  it('explains its usage on bad arguments', async () => {
    const lines: string[] = [];
    const code = await runSyncCli(
      ['--shop'],
      {},
      { log: (l) => lines.push(l), progress: () => undefined, isTty: false },
    );
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(/give exactly one of --shop, --page or --all[\s\S]*Usage: npm run sync/);
    expect(summaryTable([])).toMatch(/^kind\s+id\s+status/);
  });
});
