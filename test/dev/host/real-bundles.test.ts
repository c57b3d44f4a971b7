import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProject } from '../../../build.mjs';
import { listFunctions, loadProject } from '../../../lib/dev/do/project';

const ROOT = resolve(__dirname, '../../..');
const HAS_PROJECT = existsSync(join(ROOT, 'project.yml'));
const functions = HAS_PROJECT ? listFunctions(loadProject(ROOT)) : [];

/** Loads a bundle in a fresh plain Node process, with no configuration in its environment, as DO's runtime would at init. */
function probe(bundle: string): { status: number | null; stdout: string; stderr: string } {
  const code = `const m = require(${JSON.stringify(bundle)}); process.stdout.write(typeof m.main);`;
  return spawnSync(process.execPath, ['-e', code], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC' },
    timeout: 20_000,
  });
}

describe.skipIf(!HAS_PROJECT)('real bundles of project.yml', () => {
  beforeAll(async () => {
    await buildProject({ projectDir: ROOT, quiet: true });
  });

  it('declares at least one function', () => {
    expect(functions.length).toBeGreaterThan(0);
  });

  it.each(functions.map((f) => [`${f.pkg}/${f.name}`]))('%s loads without configuration and exports main', (id) => {
    const result = probe(join(ROOT, 'packages', id, 'index.js'));
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('function');
  });

  // Cold starts (README "Cold starts"): `import("node:http")` builds an ES module facade of node:http, whose lazy
  // WebSocket/MessageEvent getters load Node's whole fetch stack before the first request; and classic zod is several
  // times the size of zod/mini, which every runtime schema uses.
  it.each(functions.map((f) => [`${f.pkg}/${f.name}`]))('%s has no import() of a builtin, no classic zod', (id) => {
    const text = readFileSync(join(ROOT, 'packages', id, 'index.js'), 'utf8');
    expect(text.match(/\bimport\(\s*["'`][^"'`]*["'`]\s*\)/g) ?? []).toEqual([]);
    expect(text).not.toContain('"ZodString"');
  });
});
