import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { FUNCTION_BUILD_OPTIONS } from './build.mjs';
const opts = JSON.parse(readFileSync('lib/dev/bundle-options.json','utf8'));
const id = process.argv[2];
const file = `/tmp/coldexp/prof-${id.replace('/','-')}.js`;
await esbuild.build({ entryPoints: [`packages/${id}/index.ts`], outfile: file, ...opts, ...FUNCTION_BUILD_OPTIONS, minify: false });
const job = JSON.parse(readFileSync('/tmp/cold-job.json','utf8'));
job.file = file; job.load = 'require';
writeFileSync('/tmp/coldexp/job.json', JSON.stringify(job));
rmSync('/tmp/coldexp/prof', { recursive: true, force: true }); mkdirSync('/tmp/coldexp/prof');
const agg = new Map(); let total = 0;
for (let run = 0; run < 3; run++) {
spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir=/tmp/coldexp/prof', '--cpu-prof-interval', '100', 'test/bench/cold-child.cjs', '/tmp/coldexp/job.json', '/tmp/coldexp/out.json']);
}
// map line -> module from esbuild comments
const lines = readFileSync(file, 'utf8').split('\n');
const modAt = []; let cur = '(prelude)';
for (let i = 0; i < lines.length; i++) { const m = lines[i].match(/^\/\/ (\S+\.(?:js|mjs|cjs|ts|json))$/); if (m) cur = m[1].replace(/^node_modules\//,'').replace(/\/(dist-es|dist-cjs|dist)\/.*$/, '').replace(/^(zod)\/.*$/,'$1'); modAt[i] = cur; }
for (const f of readdirSync('/tmp/coldexp/prof')) {
  const p = JSON.parse(readFileSync('/tmp/coldexp/prof/' + f, 'utf8'));
  const byId = new Map(p.nodes.map(n => [n.id, n]));
  const parent = new Map(); for (const n of p.nodes) for (const c of (n.children||[])) parent.set(c, n.id);
  const dt = p.timeDeltas;
  for (let i = 0; i < p.samples.length; i++) {
    let n = byId.get(p.samples[i]); const leaf = n.callFrame; let key;
    while (n && !n.callFrame.url.endsWith(file.split('/').pop())) n = byId.get(parent.get(n.id));
    if (n) key = modAt[n.callFrame.lineNumber] ?? '?'; else key = leaf.url ? (leaf.url.startsWith('node:') ? leaf.url : 'other:' + leaf.url.split('/').pop()) : `(${leaf.functionName || 'program'})`;
    if (n && leaf.url.startsWith('node:')) key += ' -> ' + leaf.url.replace('node:internal/','');
    agg.set(key, (agg.get(key) || 0) + dt[i] / 1000); total += dt[i] / 1000;
  }
}
console.log('total ms (3 runs)', total.toFixed(0));
console.log([...agg].sort((a,b)=>b[1]-a[1]).slice(0,30).map(([k,v])=>`${(v/3).toFixed(1).padStart(7)}  ${k}`).join('\n'));
