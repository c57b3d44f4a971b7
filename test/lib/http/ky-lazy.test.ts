import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS, FUNCTION_BUILD_OPTIONS } from '../../../build.mjs';

const ROOT = resolve(__dirname, '../../..');

// Bundled like a function (build.mjs resolves `ky` to lib/http/ky-lazy.ts), then run in a plain Node process.
const ENTRY = `
import ky, { HTTPError } from 'ky';
export async function main(origin) {
  const api = ky.create({ prefix: origin, retry: 0 }).extend({ headers: { 'x-test': 'yes' } });
  const beforeUse = globalThis.probed;
  const ok = await api.get('ok').json();
  const posted = await ky.post(origin + '/ok', { json: { a: 1 } }).json();
  let notFound;
  try {
    await api.get('missing');
  } catch (err) {
    notFound = { isHttpError: err instanceof HTTPError, status: err.response && err.response.status };
  }
  return { beforeUse, afterUse: globalThis.probed, ok, posted, notFound, isFunction: typeof ky === 'function' };
}
`;

let server: Server;
let origin = '';
let dir = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, header: req.headers['x-test'] ?? null }));
    } else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), 'ky-lazy-'));
  writeFileSync(join(dir, 'package.json'), '{}\n');
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
});

describe('lib/http/ky-lazy.ts in a bundle', () => {
  it('loads ky on first use and behaves like ky (create, extend, post, HTTPError)', async () => {
    const outfile = join(dir, 'entry.js');
    const result = await build({
      stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js', sourcefile: 'entry.mjs' },
      outfile,
      ...BUNDLE_OPTIONS,
      ...FUNCTION_BUILD_OPTIONS,
      metafile: true,
    });
    expect(Object.keys(result.metafile.inputs)).toContain('lib/http/ky-lazy.ts');

    // ky probes Request and ReadableStream when it loads: watch both from before the bundle is required.
    const code = `globalThis.probed = false;
      for (const name of ['Request', 'ReadableStream']) {
        const desc = Object.getOwnPropertyDescriptor(globalThis, name);
        Object.defineProperty(globalThis, name, {
          configurable: true,
          get() { globalThis.probed = true; return desc.get ? desc.get.call(globalThis) : desc.value; },
        });
      }
      require(${JSON.stringify(outfile)}).main(${JSON.stringify(origin)})
      .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
    // Asynchronous, so this process keeps serving the requests.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['-e', code], { env: { PATH: process.env.PATH ?? '' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (status: number | null) => done({ status, stdout, stderr }));
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      beforeUse: false,
      afterUse: true,
      ok: { method: 'GET', header: 'yes' },
      posted: { method: 'POST', header: null },
      notFound: { isHttpError: true, status: 404 },
      isFunction: true,
    });
  });
});
