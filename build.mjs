// Bundles every function declared in project.yml into one CommonJS `index.js` beside its `index.ts` (contract §4, "Our recipe").
// Usage: node build.mjs [--quiet] [--project <dir>]
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const ROOT = dirname(fileURLToPath(import.meta.url));

/** How every function is bundled (contract §4): one minified CommonJS file for Node 22; shared with test/bench/cold.ts. */
export const BUNDLE_OPTIONS = Object.freeze(
  JSON.parse(readFileSync(join(ROOT, 'lib/dev/bundle-options.json'), 'utf8')),
);

/**
 * What our function bundles add to the §4 recipe to keep cold starts short (issue 14; measured with `npm run
 * bench:cold`):
 * - `mainFields: module first`: packages without an `exports` map (the AWS SDK and @smithy) resolve to their ES
 * modules,
 *   which esbuild tree-shakes, instead of their monolithic CommonJS `dist-cjs/index.js`;
 * - `@aws-sdk/credential-provider-node` is replaced by lib/storage/no-default-credentials.ts: credentials are always
 * given;
 * - `ky` is replaced by lib/http/ky-lazy.ts, which loads ky (and with it Node's fetch stack) on first use;
 * - `import()` of what stays external (Node's builtins) becomes `require()`: the SDK's ES modules load `node:http`
 *   with `await import("node:http")`, and building the ES module facade of `node:http` reads each of its exports,
 *   whose lazy `WebSocket`/`MessageEvent` getters load Node's whole fetch stack (undici) before the first request.
 */
export const FUNCTION_BUILD_OPTIONS = Object.freeze({
  mainFields: ['module', 'main'],
  supported: { 'dynamic-import': false },
  plugins: [
    {
      name: 'no-default-aws-credentials',
      setup(build) {
        build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
          path: join(ROOT, 'lib/storage/no-default-credentials.ts'),
        }));
      },
    },
    {
      name: 'lazy-ky',
      setup(build) {
        const facade = join(ROOT, 'lib/http/ky-lazy.ts');
        build.onResolve({ filter: /^ky$/ }, (args) => (args.importer === facade ? undefined : { path: facade }));
      },
    },
  ],
});

/** Error for a project that cannot be built; the CLI prints its message and exits 1. */
export class BuildError extends Error {
  name = 'BuildError';
}

async function loadProjectModule() {
  return tsImport(pathToFileURL(join(ROOT, 'lib/dev/do/project.ts')).href, import.meta.url);
}

/** Directories `packages/<pkg>/<fn>/` holding an index.ts, plus single files that the deployer would ship as functions. */
function scanPackages(projectDir) {
  const packagesDir = join(projectDir, 'packages');
  const dirs = [];
  const strayFiles = [];
  if (!existsSync(packagesDir)) return { dirs, strayFiles };
  for (const pkg of readdirSync(packagesDir)) {
    const pkgDir = join(packagesDir, pkg);
    if (!statSync(pkgDir).isDirectory()) continue;
    for (const entry of readdirSync(pkgDir)) {
      const full = join(pkgDir, entry);
      if (statSync(full).isDirectory()) {
        if (existsSync(join(full, 'index.ts'))) dirs.push(`${pkg}/${entry}`);
      } else if (/\.(ts|js|mjs|cjs)$/.test(entry)) {
        strayFiles.push(`${pkg}/${entry}`);
      }
    }
  }
  return { dirs, strayFiles };
}

function checkLayout(projectDir, functions) {
  const problems = [];
  const declared = new Set(functions.map((f) => `${f.pkg}/${f.name}`));
  for (const id of declared) {
    if (!existsSync(join(projectDir, 'packages', id, 'index.ts'))) {
      problems.push(`function '${id}' is declared in project.yml but packages/${id}/index.ts does not exist`);
    }
  }
  const { dirs, strayFiles } = scanPackages(projectDir);
  for (const id of dirs) {
    if (!declared.has(id)) {
      problems.push(
        `packages/${id}/index.ts is not declared in project.yml (the deployer would publish it as a public web function)`,
      );
    }
  }
  for (const file of strayFiles) {
    problems.push(
      `packages/${file} would be deployed as a single-file function: move it into a function directory or lib/`,
    );
  }
  if (problems.length > 0) throw new BuildError(`Build failed:\n  - ${problems.join('\n  - ')}`);
}

/** Writes atomically (temp file + rename) and only when the bytes differ, so a running host never reads a half-written bundle. */
function writeIfChanged(path, contents) {
  if (existsSync(path) && Buffer.from(contents).equals(readFileSync(path))) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/** How many of a bundle's inputs `npm run build` lists. */
const LARGEST_INPUTS = 6;

/** Where an input comes from: its npm package (`@aws-sdk/client-s3`), else its path (`lib/config.ts`). */
function inputGroup(path) {
  const parts = path.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return path;
  const scope = parts[at + 1] ?? '';
  return scope.startsWith('@') ? `${scope}/${parts[at + 2]}` : scope;
}

/**
 * The largest inputs of each output (bytes they contribute to the bundle), from esbuild's metafile, npm packages
 * summed.
 */
function largestInputs(metafile, dir) {
  const byOutput = new Map();
  for (const [out, meta] of Object.entries(metafile.outputs)) {
    const sums = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      const group = inputGroup(relative(dir, resolve(input)));
      sums.set(group, (sums.get(group) ?? 0) + bytesInOutput);
    }
    const top = [...sums]
      .sort((a, b) => b[1] - a[1])
      .slice(0, LARGEST_INPUTS)
      .map(([input, bytes]) => ({ input, bytes }));
    byOutput.set(resolve(out), top);
  }
  return byOutput;
}

function printLargestInputs(built) {
  console.log(`\nlargest inputs per bundle (bytes in the bundle; npm packages summed):`);
  const width = Math.max(...built.map((f) => f.pkg.length + f.name.length + 1));
  for (const f of built) {
    const list = f.largestInputs.map((i) => `${i.input} ${(i.bytes / 1024).toFixed(1)} KB`).join(', ');
    console.log(`${`${f.pkg}/${f.name}`.padEnd(width)}  ${list}`);
  }
}

function printTable(built) {
  const rows = built.map((f) => [
    `${f.pkg}/${f.name}`,
    String(f.web),
    `${f.timeout} ms`,
    `${(f.bytes / 1024).toFixed(1)} KB`,
  ]);
  const header = ['function', 'web', 'timeout', 'bundle'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Builds every declared function of `projectDir` and returns the functions with their bundle paths and sizes. */
export async function buildProject({ projectDir = ROOT, quiet = false } = {}) {
  const dir = resolve(projectDir);
  if (!existsSync(join(dir, 'project.yml')))
    throw new BuildError(`Build failed: ${join(dir, 'project.yml')} does not exist`);
  const { loadProject, listFunctions } = await loadProjectModule();
  let project;
  try {
    project = loadProject(dir);
  } catch (err) {
    throw new BuildError(err.message);
  }
  const functions = listFunctions(project);
  checkLayout(dir, functions);
  if (!quiet) {
    const unresolved = project.unresolvedVariables;
    // Bundles never embed these values, so this only matters for a deploy.
    if (unresolved.length > 0)
      console.warn(
        `note: ${unresolved.length} \${VAR} not set (the deployer would substitute <VAR>): ${unresolved.join(', ')}`,
      );
    for (const warning of project.warnings) console.warn(`warning: ${warning}`);
  }
  const entryPoints = functions.map((f) => ({
    in: join(dir, 'packages', f.pkg, f.name, 'index.ts'),
    out: join(f.pkg, f.name, 'index'),
  }));
  let inputs = new Map();
  if (entryPoints.length > 0) {
    try {
      const result = await esbuild.build({
        entryPoints,
        outdir: join(dir, 'packages'),
        ...BUNDLE_OPTIONS,
        ...FUNCTION_BUILD_OPTIONS,
        metafile: true,
        write: false,
      });
      for (const file of result.outputFiles) writeIfChanged(file.path, file.contents);
      inputs = largestInputs(result.metafile, dir);
    } catch (err) {
      const messages = (err.errors ?? []).map(
        (e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`,
      );
      throw new BuildError(`esbuild failed:\n  ${messages.join('\n  ') || err.message}`);
    }
  }
  for (const f of functions) {
    const include = join(dir, 'packages', f.pkg, f.name, '.include');
    if (!existsSync(include)) writeFileSync(include, 'index.js\n');
  }
  const built = functions.map((f) => {
    const bundle = join(dir, 'packages', f.pkg, f.name, 'index.js');
    const largest = inputs.get(resolve(bundle)) ?? [];
    const bytes = statSync(bundle).size;
    return { pkg: f.pkg, name: f.name, web: f.web, timeout: f.limits.timeout, bundle, bytes, largestInputs: largest };
  });
  if (!quiet) {
    printTable(built);
    printLargestInputs(built);
  }
  return {
    projectDir: dir,
    functions: built,
    unresolvedVariables: project.unresolvedVariables,
    warnings: project.warnings,
  };
}

function parseArgs(argv) {
  const args = { quiet: false, projectDir: ROOT };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quiet') args.quiet = true;
    else if (argv[i] === '--project') args.projectDir = resolve(argv[++i] ?? '.');
    else throw new BuildError(`unknown argument '${argv[i]}' (usage: node build.mjs [--quiet] [--project <dir>])`);
  }
  return args;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await buildProject(parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(err instanceof BuildError ? err.message : err);
    process.exit(1);
  }
}
