// Cold-load benchmark: how long each built bundle takes to `require` (module init included) in a fresh Node process,
// against two references built in the same run: a bundle of only @aws-sdk/client-s3 (an S3Client created at load) and a
// naive bundle importing every runtime dependency at top level.
// Usage: npx tsx test/bench/cold.ts [--json]   (builds first when a bundle is missing)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import BUNDLE_OPTIONS from '../../lib/dev/bundle-options.json';
import { listFunctions, loadProject } from '../../lib/dev/do/project';

const ROOT = resolve(__dirname, '../..');
const RUNS = 7;

const S3_FLOOR = `
import { S3Client } from '@aws-sdk/client-s3';
export const client = new S3Client({ region: 'us-east-1', endpoint: 'https://nyc3.digitaloceanspaces.com', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
export function main() { return {}; }
`;
const NAIVE = `
import * as s3 from '@aws-sdk/client-s3';
import * as storage from '@aws-sdk/lib-storage';
import * as jose from 'jose';
import ky from 'ky';
import { z } from 'zod';
export const client = new s3.S3Client({ region: 'us-east-1', endpoint: 'https://nyc3.digitaloceanspaces.com', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
export const all = [s3, storage, jose, ky, z];
export function main() { return {}; }
`;

interface Measurement {
  load_ms: number;
  bytes: number;
}

/** Median load time of a bundle over {@link RUNS} fresh Node processes. */
function measure(bundle: string): Measurement {
  const code = `const t0 = performance.now(); require(${JSON.stringify(bundle)}); process.stdout.write(String(performance.now() - t0));`;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', TZ: 'UTC' }, timeout: 60_000 });
    if (run.status !== 0) throw new Error(`loading ${bundle} failed:\n${run.stderr}`);
    samples.push(Number(run.stdout));
  }
  samples.sort((a, b) => a - b);
  return { load_ms: Math.round((samples[Math.floor(RUNS / 2)] ?? 0) * 10) / 10, bytes: statSync(bundle).size };
}

async function buildReference(dir: string, name: string, contents: string): Promise<string> {
  const outfile = join(dir, `${name}.js`);
  await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js', sourcefile: `${name}.mjs` },
    outfile,
    ...(BUNDLE_OPTIONS as BuildOptions),
  });
  writeFileSync(join(dir, 'package.json'), '{}\n'); // keep the temp dir a CommonJS scope
  return outfile;
}

function printTable(rows: Array<[string, Measurement]>): void {
  const width = Math.max(8, ...rows.map(([name]) => name.length));
  console.log(`${'bundle'.padEnd(width)}  ${'load ms'.padStart(9)}  ${'KB'.padStart(9)}`);
  for (const [name, m] of rows) {
    console.log(`${name.padEnd(width)}  ${m.load_ms.toFixed(1).padStart(9)}  ${(m.bytes / 1024).toFixed(1).padStart(9)}`);
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const hasProject = existsSync(join(ROOT, 'project.yml'));
  const functions = hasProject ? listFunctions(loadProject(ROOT)) : [];
  const bundles = functions.map((f) => ({ id: `${f.pkg}/${f.name}`, path: join(ROOT, 'packages', f.pkg, f.name, 'index.js') }));
  if (bundles.some((b) => !existsSync(b.path))) {
    execFileSync(process.execPath, [join(ROOT, 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    const floor = measure(await buildReference(dir, 'floor-s3', S3_FLOOR));
    const naive = measure(await buildReference(dir, 'naive-all-deps', NAIVE));
    const measured = bundles.map((b) => [b.id, measure(b.path)] as [string, Measurement]);
    if (!hasProject) console.log('(no project.yml: only the references are measured)');
    printTable([...measured, ['ref: @aws-sdk/client-s3 only', floor], ['ref: naive, all deps', naive]]);
    if (json) {
      console.log(JSON.stringify({ functions: Object.fromEntries(measured), floor_s3_ms: floor.load_ms, naive_ms: naive.load_ms }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
