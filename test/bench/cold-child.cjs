'use strict';
// One cold start, in a fresh process started by test/bench/cold.ts: loads a bundle and calls `main` once, then prints
// {require_ms, first_call_ms, via, status?, error?} as JSON into the file named by argv[3] and exits. Plain CommonJS so
// nothing but Node runs first.
// - `load: 'text'` evaluates the file's text in a CommonJS-style wrapper, as DigitalOcean's runner (and
// lib/dev/host/runner.cjs)
//   does for a single-file function; `load: 'require'` uses require() (optionally with Node's compile cache, see
// README).
// - The clock starts before the text is compiled and stops when the code opens its first socket (net.Socket#connect:
//   node:http, undici/fetch and the AWS SDK all end there), or when `main` answers if it opens none.
//   first_call_ms is the total from the start: require plus the first call; cpu_ms the CPU time this process spent
// meanwhile
//   (user + system, all threads), which a loaded machine distorts far less than the wall clock.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { createRequire } = require('node:module');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let t0;
let cpu0;
let tLoaded;
let done = false;

function finish(outcome, code = 0) {
  if (done) return;
  done = true;
  const t = performance.now();
  if (tLoaded === undefined) tLoaded = t;
  const cpu = process.cpuUsage(cpu0);
  const cpu_ms = (cpu.user + cpu.system) / 1000;
  const result = { require_ms: tLoaded - t0, first_call_ms: t - t0, cpu_ms, ...outcome };
  fs.writeFileSync(process.argv[3], JSON.stringify(result));
  // After the clock: write the compile cache now, as process.exit() may skip it.
  if (job.compileCache) require('node:module').flushCompileCache();
  process.exit(code);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectTimed(...args) {
  finish({ via: 'socket' });
  return connect.apply(this, args);
};

function loadText(file, main) {
  const code = fs.readFileSync(file, 'utf8');
  cpu0 = process.cpuUsage();
  t0 = performance.now();
  const module = { exports: {} };
  const wrapper = new Function('module', 'exports', 'require', '__filename', '__dirname',
    `${code}\n;try { return ${main}; } catch (e) { if (e instanceof ReferenceError) return module.exports.${main} || exports.${main}; throw e; }`);
  return wrapper(module, module.exports, createRequire(file), file, path.dirname(file));
}

function loadRequire(file, main) {
  if (job.compileCache) require('node:module').enableCompileCache(job.compileCache);
  cpu0 = process.cpuUsage();
  t0 = performance.now();
  return require(file)[main];
}

async function run() {
  Object.assign(process.env, job.env);
  const main = job.load === 'require' ? loadRequire(job.file, 'main') : loadText(job.file, 'main');
  tLoaded = performance.now();
  if (typeof main !== 'function') throw new Error(`${job.file} exports no main function`);
  const deadline = Date.now() + 60_000;
  const context = {
    functionName: `/fn-bench/${job.id}`, functionVersion: '0.0.1', activationId: 'bench', requestId: 'bench', deadline,
    apiHost: job.env.FN_API_HOST || '', apiKey: '', namespace: 'fn-bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const result = await main(job.args, context);
  const status = result && typeof result.statusCode === 'number' ? result.statusCode : undefined;
  const error = result && result.error ? JSON.stringify(result.error).slice(0, 500) : undefined;
  const body = status !== undefined && status >= 400 ? JSON.stringify(result.body).slice(0, 500) : undefined;
  finish({ via: 'answer', status, error, body });
}

run().catch((err) => finish({ via: 'crash', error: err && err.stack ? err.stack : String(err) }, 1));
