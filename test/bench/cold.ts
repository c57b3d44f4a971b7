// Cold-start benchmark, timed as DigitalOcean pays it (issue 14): in a fresh Node process per sample, evaluate the text
// of a
// function's single bundle the way DO's runner does, then call `main` once with a request the function really serves
// (test/bench/cold-requests.ts); the clock stops at the first socket the code opens, or when `main` answers if it opens
// none (test/bench/cold-child.cjs). Every service in the configuration points at a closed local port, so each function
// really builds its dependencies and stops at its first network call. Two references are timed the same way in the same
// run: the S3-client floor (a bundle of @aws-sdk/client-s3 whose `main` builds a client and sends one small PutObject)
// and
// a naive bundle importing every runtime dependency at top level before doing the same.
//
// Targets (exit 1 when missed): a function with a Spaces client ≤ 1.15× the floor, one without ≤ 0.5× the floor; a
// first
// call answered with 4xx/5xx (or a job error) also exits 1, so refusing early can never look fast.
// Usage: npx tsx test/bench/cold.ts [--json] [--runs N] [--only <pkg/fn>,…] [--compile-cache] [--baseline <dir>]
//   --baseline <dir>  also times the bundles <dir>/<pkg>/<fn>/index.js (e.g. a copy from before a change) in the same
// run
//   --compile-cache  also times require() with and without Node 22's compile cache, primed at build time (README)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import BUNDLE_OPTIONS from '../../lib/dev/bundle-options.json';
import { listFunctions, loadProject } from '../../lib/dev/do/project';
import { benchEnv, firstRequests, NO_SPACES, type DoArgs } from './cold-requests';

const ROOT = resolve(__dirname, '../..');
const CHILD = join(__dirname, 'cold-child.cjs');
/** Ratio limits of issue 14, against the S3-client floor measured in the same run. */
export const SPACES_TARGET = 1.15;
export const NO_SPACES_TARGET = 0.5;

const FLOOR = `
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
export async function main() {
  const client = new S3Client({
    region: 'us-east-1', endpoint: process.env.SPACES_ENDPOINT, forcePathStyle: true,
    credentials: { accessKeyId: process.env.SPACES_KEY, secretAccessKey: process.env.SPACES_SECRET },
  });
  await client.send(new PutObjectCommand({ Bucket: 'bench-bucket', Key: 'floor.json', Body: '{"floor":true}' }));
  return {};
}
`;
const NAIVE = `
import * as s3 from '@aws-sdk/client-s3';
import * as storage from '@aws-sdk/lib-storage';
import * as jose from 'jose';
import ky from 'ky';
import { z } from 'zod';
export const all = [s3, storage, jose, ky, z];
export async function main() {
  const client = new s3.S3Client({
    region: 'us-east-1', endpoint: process.env.SPACES_ENDPOINT, forcePathStyle: true,
    credentials: { accessKeyId: process.env.SPACES_KEY, secretAccessKey: process.env.SPACES_SECRET },
  });
  await client.send(new s3.PutObjectCommand({ Bucket: 'bench-bucket', Key: 'naive.json', Body: '{"naive":true}' }));
  return {};
}
`;

interface Target {
  id: string;
  /** The function whose first request this target gets (`<pkg>/<fn>`); references have none. */
  fn?: string;
  file: string;
  args: DoArgs;
  load: 'text' | 'require';
  compileCache?: string;
}

interface Sample {
  require_ms: number;
  first_call_ms: number;
  cpu_ms: number;
  via: 'socket' | 'answer' | 'crash';
  status?: number;
  error?: string;
  body?: string;
}

/** Median figures of one target. */
export interface ColdFigures {
  require_ms: number;
  first_call_ms: number;
  bytes: number;
}

function parseArgs(argv: string[]) {
  const args = { json: false, runs: 7, only: [] as string[], compileCache: false, baseline: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--compile-cache') args.compileCache = true;
    else if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--baseline') args.baseline = resolve(argv[++i] ?? '');
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else
      throw new Error(
        `unknown argument '${a}' (usage: cold.ts [--json] [--runs N] [--only pkg/fn,…] [--compile-cache] [--baseline dir])`,
      );
  }
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs must be a positive integer');
  return args;
}

/** A port nothing listens on: bound once by us, then closed. Connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

async function buildReference(dir: string, name: string, contents: string): Promise<string> {
  const outfile = join(dir, `${name}.js`);
  await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js', sourcefile: `${name}.mjs` },
    outfile,
    ...(BUNDLE_OPTIONS as BuildOptions),
  });
  return outfile;
}

function sampleOnce(target: Target, env: Record<string, string>, dir: string): Sample {
  const jobFile = join(dir, 'job.json');
  const outFile = join(dir, 'result.json');
  writeFileSync(jobFile, JSON.stringify({ ...target, env }));
  rmSync(outFile, { force: true });
  const run = spawnSync(process.execPath, [CHILD, jobFile, outFile], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC' },
    timeout: 120_000,
  });
  let sample: Sample | undefined;
  try {
    sample = JSON.parse(readFileSync(outFile, 'utf8')) as Sample;
  } catch {
    throw new Error(
      `${target.id}: the cold-start process wrote no result (exit ${run.status}):\n${run.stdout}\n${run.stderr}`,
    );
  }
  if (sample.via === 'crash') throw new Error(`${target.id}: main threw on its first call:\n${sample.error}`);
  return sample;
}

/** Why a first answer does not count: a 4xx/5xx, or a job's `{error}`. */
function refusal(sample: Sample): string | null {
  if (sample.via !== 'answer') return null;
  if (sample.status !== undefined && sample.status >= 400) return `answered ${sample.status}: ${sample.body ?? ''}`;
  if (sample.error) return `answered with an error: ${sample.error}`;
  return null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Runs every target `runs` times, interleaved (round by round) so that a change of load hits all of them alike. Each
 * sample's request is signed afresh: an OAuth callback's HMAC timestamp is only good for 90 seconds.
 */
async function measureAll(targets: Target[], env: Record<string, string>, runs: number, dir: string) {
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.id, []]));
  const refused: string[] = [];
  for (let r = 0; r < runs; r++) {
    for (const target of targets) {
      const args = target.fn ? (await firstRequests(env))[target.fn]! : target.args;
      const sample = sampleOnce({ ...target, args }, env, dir);
      const why = refusal(sample);
      if (why) refused.push(`${target.id} ${why}`);
      samples.get(target.id)!.push(sample);
    }
  }
  const figures = new Map<string, Figures>();
  for (const t of targets) {
    const list = samples.get(t.id)!;
    figures.set(t.id, {
      require_ms: round1(median(list.map((s) => s.require_ms))),
      first_call_ms: round1(median(list.map((s) => s.first_call_ms))),
      bytes: statSync(t.file).size,
      cpu_ms: round1(median(list.map((s) => s.cpu_ms))),
      via: [...new Set(list.map((s) => s.via))].join('/'),
    });
  }
  return { figures, refused: [...new Set(refused)] };
}

type Figures = ColdFigures & { cpu_ms: number; via: string };

function printTable(rows: Array<[string, Figures, string]>): void {
  const header = ['bundle', 'require ms', 'require + first call ms', 'KB', 'x floor', 'cpu ms', 'stops at'];
  const cells = rows.map(([name, f, ratio]) => [
    name,
    f.require_ms.toFixed(1),
    f.first_call_ms.toFixed(1),
    (f.bytes / 1024).toFixed(1),
    ratio,
    f.cpu_ms.toFixed(1),
    f.via,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 || i === 6 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const functions = listFunctions(loadProject(ROOT))
    .map((f) => ({ id: `${f.pkg}/${f.name}`, file: join(ROOT, 'packages', f.pkg, f.name, 'index.js') }))
    .filter((f) => args.only.length === 0 || args.only.includes(f.id));
  if (functions.some((f) => !existsSync(f.file))) {
    execFileSync(process.execPath, [join(ROOT, 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  }
  const env = benchEnv(await closedPort());
  const requests = await firstRequests(env);
  const missing = functions.filter((f) => !(f.id in requests)).map((f) => f.id);
  if (missing.length > 0)
    throw new Error(`no first request for ${missing.join(', ')}: add one to test/bench/cold-requests.ts`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{}\n'); // keep the temp dir a CommonJS scope
    const floorFile = await buildReference(dir, 'floor-s3', FLOOR);
    const naiveFile = await buildReference(dir, 'naive-all-deps', NAIVE);
    const load0 = loadavg();
    const targets: Target[] = [
      { id: 'ref: S3 client floor', file: floorFile, args: {}, load: 'text' },
      { id: 'ref: naive, all deps', file: naiveFile, args: {}, load: 'text' },
      ...functions.map((f) => ({ ...f, fn: f.id, args: {}, load: 'text' as const })),
    ];
    const baseline = args.baseline
      ? functions.map((f) => ({
          id: `${f.id} (baseline)`,
          fn: f.id,
          file: join(args.baseline, f.id, 'index.js'),
          args: {},
          load: 'text' as const,
        }))
      : [];
    targets.push(...baseline.filter((b) => existsSync(b.file)));
    const { figures, refused } = await measureAll(targets, env, args.runs, dir);
    const load1 = loadavg();
    const floor = figures.get('ref: S3 client floor')!;
    const naive = figures.get('ref: naive, all deps')!;
    const misses: string[] = [];
    const rows: Array<[string, Figures, string]> = [];
    for (const f of functions) {
      const fig = figures.get(f.id)!;
      const ratio = fig.first_call_ms / floor.first_call_ms;
      const limit = NO_SPACES.has(f.id) ? NO_SPACES_TARGET : SPACES_TARGET;
      const ok = ratio <= limit;
      if (!ok) misses.push(`${f.id}: ${ratio.toFixed(2)}× the floor (target ≤ ${limit}×)`);
      rows.push([f.id, fig, `${ratio.toFixed(2)}${ok ? '' : ' !'}`]);
    }
    for (const b of baseline) {
      const fig = figures.get(b.id);
      if (fig) rows.push([b.id, fig, (fig.first_call_ms / floor.first_call_ms).toFixed(2)]);
    }
    rows.push(
      ['ref: S3 client floor', floor, '1.00'],
      ['ref: naive, all deps', naive, (naive.first_call_ms / floor.first_call_ms).toFixed(2)],
    );
    printTable(rows);
    const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    console.log(
      `\nmedian of ${args.runs} fresh processes each, ${process.version}; load average before ${fmt(load0)}, after ${fmt(load1)}`,
    );
    console.log(
      'cpu ms: CPU time of the process over the same span (user + system), less distorted by a loaded machine',
    );
    console.log(
      `targets: Spaces functions ≤ ${SPACES_TARGET}× the floor, ${[...NO_SPACES].join(', ')} ≤ ${NO_SPACES_TARGET}×`,
    );

    if (args.compileCache) await compileCacheReport(functions, env, requests, args.runs, dir);

    if (args.json) {
      const out = {
        functions: Object.fromEntries(
          functions.map((f) => {
            const { require_ms, first_call_ms, bytes } = figures.get(f.id)!;
            return [f.id, { require_ms, first_call_ms, bytes }];
          }),
        ),
        floor_s3_ms: floor.first_call_ms,
        naive_ms: naive.first_call_ms,
      };
      console.log(JSON.stringify(out));
    }
    if (refused.length > 0)
      console.error(`\nFAIL: a first call was refused, so its time means nothing:\n  ${refused.join('\n  ')}`);
    if (misses.length > 0) console.error(`\nFAIL: targets missed:\n  ${misses.join('\n  ')}`);
    if (refused.length > 0 || misses.length > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Node 22's compile cache (module.enableCompileCache) only covers code loaded by require()/import, not text that DO's
 * runner
 * evaluates: this times text evaluation against require() without and with a cache primed beforehand (as a build step
 * would).
 */
async function compileCacheReport(
  functions: Array<{ id: string; file: string }>,
  env: Record<string, string>,
  requests: Record<string, DoArgs>,
  runs: number,
  dir: string,
): Promise<void> {
  const cache = join(dir, 'compile-cache');
  const targets: Target[] = [];
  for (const f of functions) {
    const base = { id: f.id, fn: f.id, file: f.file, args: requests[f.id]! };
    targets.push({ ...base, id: `${f.id} text`, load: 'text' });
    targets.push({ ...base, id: `${f.id} require`, load: 'require' });
    targets.push({ ...base, id: `${f.id} require+cache`, load: 'require', compileCache: cache });
  }
  // Prime the cache once per bundle (the build step), then measure.
  for (const t of targets.filter((x) => x.compileCache)) sampleOnce(t, env, dir);
  const cached = existsSync(cache) ? readdirSync(cache, { recursive: true }).length : 0;
  const { figures } = await measureAll(targets, env, runs, dir);
  console.log(
    `\nNode compile cache (require + first call, median ms; cpu ms in brackets; ${cached} cache entries primed):`,
  );
  const head = ['function', 'text (DO)', 'require', 'require+cache'];
  console.log(
    `${head[0]!.padEnd(26)}  ${head
      .slice(1)
      .map((h) => h.padStart(16))
      .join('  ')}`,
  );
  for (const f of functions) {
    const cells = ['text', 'require', 'require+cache'].map((k) => {
      const fig = figures.get(`${f.id} ${k}`)!;
      return `${fig.first_call_ms.toFixed(1)} [${fig.cpu_ms.toFixed(1)}]`.padStart(16);
    });
    console.log(`${f.id.padEnd(26)}  ${cells.join('  ')}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
