import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProject } from '../../../build.mjs';
import { FIXTURE_DIR } from './helpers';

const BUILD_SCRIPT = resolve(__dirname, '../../../build.mjs');
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A throw-away project with the given project.yml and function sources. */
function tempProject(projectYml: string, sources: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'build-test-'));
  tempDirs.push(dir);
  writeFileSync(join(dir, 'project.yml'), projectYml);
  for (const [id, code] of Object.entries(sources)) {
    mkdirSync(join(dir, 'packages', id), { recursive: true });
    writeFileSync(join(dir, 'packages', id, 'index.ts'), code);
  }
  return dir;
}

const MAIN_TS = 'export function main(): unknown { return { body: "ok" }; }\n';
const yml = (...names: string[]) =>
  `packages:\n  - name: app\n    functions:\n${names.map((n) => `      - name: ${n}\n        runtime: nodejs:22\n`).join('')}`;

describe('buildProject', () => {
  it('bundles every declared function to a CommonJS index.js exporting main, with an .include', async () => {
    // Act
    const result = await buildProject({ projectDir: FIXTURE_DIR, quiet: true });
    // Assess
    expect(result.functions.length).toBeGreaterThan(5);
    for (const fn of result.functions) {
      // The esm fixture ships a hand-written .include on purpose.
      const include = fn.name === 'esm' ? 'esm.mjs\n' : 'index.js\n';
      expect(readFileSync(join(FIXTURE_DIR, 'packages', fn.pkg, fn.name, '.include'), 'utf8')).toBe(include);
      expect(fn.bytes).toBeGreaterThan(0);
    }
    const echo = result.functions.find((f) => f.name === 'echo-raw');
    const probe = spawnSync(
      process.execPath,
      ['-e', `process.stdout.write(typeof require(${JSON.stringify(echo?.bundle)}).main)`],
      { encoding: 'utf8' },
    );
    expect(probe.stdout).toBe('function');
  });

  it("lists each bundle's largest inputs from esbuild's metafile, npm packages summed, largest first", async () => {
    const dir = tempProject(yml('a'), {
      'app/a': `import { big } from '../../../big';\nimport { small } from '../../../small';\nexport function main() { return { body: big + small(2) }; }\n`,
    });
    writeFileSync(join(dir, 'big.ts'), `export const big = ${JSON.stringify('x'.repeat(5000))};\n`);
    writeFileSync(join(dir, 'small.ts'), `export function small(n: number) { return 'y'.repeat(n); }\n`);
    const [fn] = (await buildProject({ projectDir: dir, quiet: true })).functions;
    expect(fn!.largestInputs.map((i) => i.input).slice(0, 3)).toEqual([
      'big.ts',
      'packages/app/a/index.ts',
      'small.ts',
    ]);
    expect(fn!.largestInputs[0]!.bytes).toBeGreaterThan(5000);
  });

  it('writes .include only when missing', async () => {
    const dir = tempProject(yml('a'), { 'app/a': MAIN_TS });
    writeFileSync(join(dir, 'packages/app/a/.include'), 'index.js\nextra.txt\n');
    await buildProject({ projectDir: dir, quiet: true });
    expect(readFileSync(join(dir, 'packages/app/a/.include'), 'utf8')).toBe('index.js\nextra.txt\n');
    expect(existsSync(join(dir, 'packages/app/a/index.js'))).toBe(true);
  });

  it('fails when a declared function has no index.ts', async () => {
    const dir = tempProject(yml('a', 'ghost'), { 'app/a': MAIN_TS });
    await expect(buildProject({ projectDir: dir, quiet: true })).rejects.toThrow(
      "function 'app/ghost' is declared in project.yml but packages/app/ghost/index.ts does not exist",
    );
  });

  it('fails when a function directory is not declared in project.yml', async () => {
    const dir = tempProject(yml('a'), { 'app/a': MAIN_TS, 'app/stray': MAIN_TS });
    await expect(buildProject({ projectDir: dir, quiet: true })).rejects.toThrow(
      'packages/app/stray/index.ts is not declared in project.yml',
    );
  });

  it('fails on an invalid project.yml with the deployer message', async () => {
    const dir = tempProject(`${yml('a')}        timeout: 5000\n`, { 'app/a': MAIN_TS });
    await expect(buildProject({ projectDir: dir, quiet: true })).rejects.toThrow(
      "Invalid key 'timeout' found in 'functions' clause in project.yml",
    );
  });

  it('exits 1 with a clear message from the CLI', () => {
    const dir = tempProject(yml('ghost'), {});
    const run = spawnSync(process.execPath, [BUILD_SCRIPT, '--quiet', '--project', dir], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "function 'app/ghost' is declared in project.yml but packages/app/ghost/index.ts does not exist",
    );
  });

  it('prints a table of functions unless --quiet', () => {
    const dir = tempProject(yml('a'), { 'app/a': MAIN_TS });
    const run = spawnSync(process.execPath, [BUILD_SCRIPT, '--project', dir], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/function\s+web\s+timeout\s+bundle/);
    expect(run.stdout).toMatch(/app\/a\s+true\s+3000 ms\s+[\d.]+ KB/);
  });
});
