import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStatus, recordSyncOutcome } from '../../../lib/account/status';
import { loadConfig } from '../../../lib/config';
import { readLocalEnv, writeLocalEnv } from '../../../lib/dev/local-env';
import { spacesEnv, startLocalSpaces } from '../../../lib/dev/spaces';
import { runSpacesCli } from '../../../lib/dev/tools/spaces-cli';
import { runSyncCli } from '../../../lib/dev/tools/sync-cli';
import { runTrigger } from '../../../lib/dev/tools/trigger';
import { connectPage } from '../../../lib/facebook/registry';
import { keys } from '../../../lib/storage/keys';
import { createS3Store } from '../../../lib/storage/s3-store';
import { createS3Client } from '../../../lib/storage/s3-client';
import { connectShopify, startTestStack, type TestStack } from '../../helpers/stack';

const ROOT = resolve(__dirname, '../../..');
const SHOP = 'tools-one.myshopify.com';

function run(
  tool: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, tool), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

const collect = () => {
  const lines: string[] = [];
  return { lines, io: { log: (l: string) => lines.push(l), progress: () => undefined, isTty: false } };
};

describe('local tools: .data/local.env, npm run sync, npm run spaces', () => {
  let stack: TestStack;
  let cwd: string;
  let uuid: string;

  beforeAll(async () => {
    stack = await startTestStack({ shopify: { clockScale: 50 } });
    stack.shopify!.seedShop(SHOP, { products: 8 });
    uuid = (await connectShopify(stack, 'tools-one')).body.user_uuid;
    cwd = await mkdtemp(join(tmpdir(), 'local-tools-'));
    mkdirSync(join(cwd, '.data'));
    // What npm start writes; this test process stands in for its PID.
    writeLocalEnv(
      cwd,
      { ...stack.env, PATH: '/usr/bin', HOME: '/root' },
      {
        LOCAL_HOST_URL: stack.host.url,
        LOCAL_PID: String(process.pid),
        LOCAL_STARTED_AT: new Date().toISOString(),
      },
    );
  });
  afterAll(async () => {
    await stack?.shutdown();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('writes .data/local.env readable by its owner only, with the settings tools need and nothing else', () => {
    const file = join(cwd, '.data', 'local.env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const vars = readLocalEnv(cwd)!;
    const names = ['SPACES_ENDPOINT', 'SPACES_KEY', 'SPACES_SECRET', 'SPACES_BUCKET', 'SHOPIFY_ADMIN_ORIGIN'];
    names.push('SHOPIFY_API_SECRET', 'FACEBOOK_GRAPH_ORIGIN', 'FACEBOOK_APP_SECRET', 'FN_API_KEY');
    names.push('TOKEN_ENCRYPTION_KEY');
    for (const name of [...names, 'LOCAL_HOST_URL']) {
      expect(vars[name], name).toBe(name === 'LOCAL_HOST_URL' ? stack.host.url : stack.env[name]);
    }
    expect(vars.PATH).toBeUndefined();
  });

  it('npm run sync reads .data/local.env when its own variables are unset, and says so', async () => {
    const { code, stdout, stderr } = await run('lib/dev/tools/sync-cli.ts', ['--shop', 'tools-one'], cwd);
    expect(stderr).toContain('using the settings of npm start');
    expect(stderr).toContain('.data/local.env');
    expect(stdout).toContain('1 of 1 synced.');
    expect(code).toBe(0);
  });

  it('npm run sync exits non-zero for an unknown shop or Page, naming what exists', async () => {
    const shop = await run('lib/dev/tools/sync-cli.ts', ['--shop', 'nosuch-shop'], cwd);
    expect(shop.code).toBe(1);
    expect(shop.stdout).toContain('nosuch-shop.myshopify.com is not connected. Connected shops:');
    expect(shop.stdout).toContain(SHOP);
    expect(shop.stdout).not.toContain('synced.');
    const { lines, io } = collect();
    expect(await runSyncCli(['--page', '123456'], stack.env, io)).toBe(1);
    expect(lines.join('\n')).toMatch(/Page 123456 is not connected\. (No Page is connected yet|Connected Pages:)/);
  });

  it('leaves merchant status untouched and says what is missing when Facebook settings are missing', async () => {
    // Prepare: a connected Page with a recorded status.
    const at = new Date(Date.now() - 60_000).toISOString();
    await connectPage(stack.store, { pageId: '4242', uuid, asid: '77', name: 'Tools Page' }, Date.now());
    await recordSyncOutcome(stack.store, uuid, {
      kind: 'page',
      value: { pageId: '4242', state: 'connected', lastSyncAt: at, lastResult: 'success' },
    });
    const env = Object.fromEntries(Object.entries(stack.env).filter(([k]) => !k.startsWith('FACEBOOK_')));
    const before = await stack.store.getJson(keys.status(uuid));

    // Act
    const all = collect();
    const allCode = await runSyncCli(['--all'], env, all.io);
    const one = collect();
    const oneCode = await runSyncCli(['--page', '4242'], env, one.io);

    // Assess
    expect(allCode).toBe(1);
    expect(all.lines.join('\n')).toMatch(
      /1 Facebook Page\(s\) not synced: Facebook is not configured .*FACEBOOK_APP_SECRET/,
    );
    expect(all.lines.join('\n')).toContain('1 Page(s) skipped: Facebook settings missing');
    expect(oneCode).toBe(2);
    expect(one.lines.join('\n')).toContain("the Pages' status was left untouched");
    const after = (await readStatus(stack.store, uuid))!;
    expect(after.pages['4242']).toEqual((before!.value as any).pages['4242']);
    expect(JSON.stringify(after)).not.toContain('not configured');
  });

  it('npm run spaces ls and get read the running store named by .data/local.env', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (l: string) => err.push(l) };
    expect(await runSpacesCli(['ls', `users/${uuid}/`], cwd, {}, io)).toBe(0);
    expect(out.join('')).toContain(`users/${uuid}/shopify/shopify_data.json`);
    expect(err.join('\n')).toContain("Reading the running npm start's store");
    out.length = 0;
    expect(await runSpacesCli(['get', keys.shopifySnapshot(uuid)], cwd, {}, io)).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^\{\n {2}"/);
    expect(JSON.parse(text).meta.productCount).toBe(8);
    expect(await runSpacesCli(['get', `users/${uuid}/nothing.json`], cwd, {}, io)).toBe(1);
    expect(err.join('\n')).toContain(
      `No object users/${uuid}/nothing.json. Under users/${uuid}/: users/${uuid}/shopify/shopify_data.json`,
    );
    expect(await runSpacesCli(['cat'], cwd, {}, io)).toBe(2);
  });

  it('npm run trigger fires a trigger of the running npm start with the key from .data/local.env', async () => {
    const lines: string[] = [];
    expect(await runTrigger(['no-such-trigger'], cwd, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toContain('404 {"error":"unknown trigger \'no-such-trigger\'"}');
    expect(await runTrigger(['daily-poll'], cwd, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toMatch(/^200 /);
    expect(lines.join('\n')).not.toContain(stack.env.FN_API_KEY!);
    expect(await runTrigger([], cwd, (l) => lines.push(l))).toBe(2);
  });

  it('npm run spaces serves .data/spaces itself when npm start is not running', async () => {
    // Prepare: a data directory with one object, and no local.env (npm start never ran here).
    const dir = await mkdtemp(join(tmpdir(), 'spaces-cli-'));
    try {
      const dataDir = join(dir, '.data', 'spaces');
      const spaces = await startLocalSpaces({ dataDir, bucket: 'gpt-sales-bot', silent: true });
      const config = loadConfig(spacesEnv(spaces), ['spaces']);
      const client = createS3Client(config);
      const stored = { data: { shop: { name: 'Offline' } } };
      await createS3Store(config, client).putJson('users/u1/shopify/shopify_data.json', stored);
      client.destroy();
      await spaces.close();

      // Act
      const get = ['get', 'users/u1/shopify/shopify_data.json'];
      const { code, stdout, stderr } = await run('lib/dev/tools/spaces-cli.ts', get, dir);
      const ls = await run('lib/dev/tools/spaces-cli.ts', ['ls'], dir);

      // Assess
      expect(stderr).toContain('npm start is not running: serving');
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({ data: { shop: { name: 'Offline' } } });
      expect(ls.stdout.trim().split('\n')).toEqual(['users/u1/shopify/shopify_data.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
