'use strict';
// Child-process runner imitating DO's Node runtime (nimbella/openwhisk-runtime-nodejs `runner.js`): loads one built function and
// runs one activation at a time. Plain CommonJS on purpose: it must start without tsx or any loader.
// Protocol over IPC: {type:'init', dir, main} -> {type:'init-done', ok, error?}; {type:'run', args, env} -> {type:'result', json}.
// After each activation the runner prints OpenWhisk's end-of-activation sentinel on stdout and stderr so the host can cut logs.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');

const SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';
// Crash tests (host fault mode): kill this process right after the answer to the N-th Spaces request of the activation.
const crash = { after: 0, count: 0 };

/** Host and port of SPACES_ENDPOINT, to recognise Spaces requests. */
function spacesTarget() {
  try {
    const url = new URL(process.env.SPACES_ENDPOINT || '');
    return { host: url.hostname, port: url.port || (url.protocol === 'https:' ? '443' : '80') };
  } catch {
    return null;
  }
}

function requestTarget(args) {
  const first = args[0];
  const options = first instanceof URL || typeof first === 'string' ? new URL(String(first)) : first || {};
  const host = options.hostname || options.host || 'localhost';
  return { host: String(host).replace(/:\d+$/, ''), port: String(options.port || (options.protocol === 'https:' ? '443' : '80')) };
}

// Counts Spaces requests while a crash is armed; every other request passes through untouched.
for (const mod of [require('node:http'), require('node:https')]) {
  const original = mod.request;
  mod.request = function request(...args) {
    const req = original.apply(this, args);
    if (crash.after > 0) {
      const target = spacesTarget();
      const to = requestTarget(args);
      if (target && to.host === target.host && to.port === target.port && ++crash.count === crash.after) {
        req.once('response', () => process.kill(process.pid, 'SIGKILL'));
      }
    }
    return req;
  };
}
const ALWAYS_DROPPED = new Set(['build.sh', 'build.cmd', '.ignore', '.include', '.source', '.DS_Store', '.gitignore', '__deployer__.zip']);
let handler;

/** Files the deployer would upload for a directory function (contract §4). */
function collectFiles(dir) {
  for (const special of ['.include', '.source']) {
    const listPath = path.join(dir, special);
    if (fs.existsSync(listPath)) {
      return fs.readFileSync(listPath, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    }
  }
  return fs.readdirSync(dir).filter((f) => !ALWAYS_DROPPED.has(f) && !f.endsWith('~') && !f.endsWith('.swp'));
}

async function importFile(file, main) {
  const mod = await import(pathToFileURL(file).href);
  return mod[main] ?? (mod.default && mod.default[main]);
}

/** Text code: CommonJS-style wrapper first, then the ESM fallback through a written index.mjs. */
async function loadText(code, file, main) {
  let fn;
  try {
    const module = { exports: {} };
    const wrapper = new Function('module', 'exports', 'require', '__filename', '__dirname',
      `${code}\n;try { return ${main}; } catch (e) { if (e instanceof ReferenceError) return module.exports.${main} || exports.${main}; throw e; }`);
    fn = wrapper(module, module.exports, createRequire(file), file, path.dirname(file));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  if (typeof fn === 'function') return fn;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'do-host-esm-'));
  const mjs = path.join(tmp, 'index.mjs');
  fs.writeFileSync(mjs, code);
  try {
    return await importFile(mjs, main);
  } finally {
    // The module stays loaded; only the file goes.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function loadZipLike(dir, main) {
  const dot = main.indexOf('.');
  if (dot > 0) {
    const base = path.join(dir, main.slice(0, dot));
    const file = fs.existsSync(`${base}.js`) ? `${base}.js` : `${base}.mjs`;
    return importFile(file, main.slice(dot + 1));
  }
  const pkgJson = path.join(dir, 'package.json');
  const pkgMain = fs.existsSync(pkgJson) ? JSON.parse(fs.readFileSync(pkgJson, 'utf8')).main : undefined;
  const candidates = [pkgMain, 'index.mjs', 'index.js'].filter(Boolean).map((f) => path.join(dir, f));
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error('Zipped functions must contain either package.json or index.[m]js at the root.');
  return importFile(file, main);
}

async function init(dir, main) {
  const files = collectFiles(dir);
  if (files.length === 0) throw new Error(`no code found in ${dir}`);
  if (files.length === 1) {
    const file = path.resolve(dir, files[0]);
    handler = await loadText(fs.readFileSync(file, 'utf8'), file, main);
  } else {
    handler = await loadZipLike(dir, main);
  }
  if (typeof handler !== 'function') throw new Error(`Function entrypoint '${main}' is not a function.`);
}

function serializeError(err) {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return err === undefined ? {} : err;
}

function contextFromEnv() {
  const env = process.env;
  const deadline = Number(env.__OW_DEADLINE);
  return {
    functionName: env.__OW_ACTION_NAME, functionVersion: env.__OW_ACTION_VERSION, activationId: env.__OW_ACTIVATION_ID,
    requestId: env.__OW_TRANSACTION_ID, deadline, apiHost: env.__OW_API_HOST, apiKey: env.__OW_API_KEY || '',
    namespace: env.__OW_NAMESPACE, getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

async function run(args, env) {
  for (const key of Object.keys(process.env)) if (key.startsWith('__OW_')) delete process.env[key];
  Object.assign(process.env, env);
  let result;
  try {
    const returned = handler(args, contextFromEnv());
    if (returned && typeof returned.then === 'function') {
      try {
        result = await returned;
      } catch (err) {
        result = { error: serializeError(err) };
      }
    } else {
      result = returned;
    }
  } catch (err) {
    result = { error: err instanceof Error ? err.message : String(err) };
  }
  if (result === undefined || result === null) result = {};
  if (typeof result !== 'object' || Array.isArray(result)) {
    console.error(`Result must be of type object but has type "${Array.isArray(result) ? 'array' : typeof result}":`, result);
    return { developerError: 'The action did not return a dictionary.' };
  }
  try {
    return { json: JSON.stringify(result) };
  } catch (err) {
    return { developerError: `The action did not produce a valid JSON response: ${err.message}` };
  }
}

function endOfActivation(reply) {
  let pending = 2;
  const done = () => { if (--pending === 0) process.send(reply); };
  process.stdout.write(`${SENTINEL}\n`, done);
  process.stderr.write(`${SENTINEL}\n`, done);
}

process.on('message', (msg) => {
  if (msg.type === 'init') {
    init(msg.dir, msg.main).then(
      () => process.send({ type: 'init-done', ok: true }),
      (err) => {
        console.error(err && err.stack ? err.stack : String(err));
        endOfActivation({ type: 'init-done', ok: false, error: err instanceof Error ? err.message : String(err) });
      },
    );
  } else if (msg.type === 'run') {
    crash.after = msg.crashAfterSpacesRequests || 0;
    crash.count = 0;
    run(msg.args, msg.env).then((outcome) => endOfActivation({ type: 'result', ...outcome }));
  }
});
process.on('disconnect', () => process.exit(0));
// Node has booted: the host starts the activation clock from here, as DO's clock starts in a running container.
process.send({ type: 'ready' });
