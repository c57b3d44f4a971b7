// Webhook burst benchmark: connects a 1,000-product store through the local DO host, then sends signed products/update
// deliveries at concurrency 1, 16 and 64 (500 each, spread over 200 products with repeats, every delivery newer than the
// last) and checks the final snapshot: every product must hold its newest delivered version (lost_updates = 0).
// Runs under the local Spaces' strict profile (Spaces' documented limits) and counts Spaces requests per delivery at the
// store, per function. A second, smaller burst runs against a store that ignores conditional writes (lost_updates_no_cas).
// Exits non-zero when an update is lost, a delivery is dropped after its retries, an object saw more than 10 concurrent
// PUTs at concurrency 64, or the request-cost targets are missed (webhook ≤ 2, total ≤ 3.5 per delivery at 64).
// Usage: npm run bench:webhooks [-- --json]   (the npm script builds the bundles first)
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startStack, type Stack } from '../../lib/dev/stack';
import type { CountedOperation } from '../../lib/dev/spaces';
import { signWebhookBody, toShopifyJson } from '../../lib/dev/emulators/shopify';
import { loadConfig } from '../../lib/config';
import { keys } from '../../lib/storage/keys';
import { createS3Store } from '../../lib/storage/s3-store';
import { connectShopify, flushed } from '../helpers/stack';

const SHOP = 'bench-burst.myshopify.com';
const PRODUCTS = 200;
const DELIVERIES = 500;
const LEVELS = [1, 16, 64] as const;
// DigitalOcean runs every concurrent invocation in its own container; the host's default cap of 16 warm processes would queue the rest.
const POOL_CAP = 64;
// The degraded-mode burst (a store that ignores If-Match / If-None-Match): smaller, since its records wait 40 s.
const NO_CAS_PRODUCTS = 100;
const NO_CAS_DELIVERIES = 200;
const WRITE_OPS: CountedOperation[] = ['PutObject', 'CopyObject', 'DeleteObject', 'DeleteObjects', 'Multipart'];
const sum = (counts: Partial<Record<CountedOperation, number>> | undefined, ops?: CountedOperation[]) =>
  Object.entries(counts ?? {}).reduce(
    (total, [op, n]) => total + (ops && !ops.includes(op as CountedOperation) ? 0 : (n ?? 0)),
    0,
  );
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Shopify writes timestamps in the shop's offset; the benchmark does too, so ordering is compared as instants. */
function shopTime(ms: number): string {
  return new Date(ms - 5 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '-05:00');
}

/** CPU time (ms) of this process tree's Node processes by role: the function processes by function, s3rver, and this process (client, DO host, Spaces proxy, emulators). */
function cpuByRole(): Map<string, { role: string; ms: number }> {
  const out = new Map<string, { role: string; ms: number }>();
  if (!existsSync('/proc/self/stat')) return out;
  const tick = 10; // USER_HZ is 100 on Linux
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * tick;
      const runner = argv.findIndex((a) => a.endsWith('host/runner.cjs'));
      const role =
        runner >= 0
          ? (argv[runner + 1] ?? 'function').replace('/', '_')
          : argv.some((a) => a.endsWith('s3rver-runner.cjs'))
            ? 's3rver'
            : Number(pid) === process.pid
              ? 'host'
              : null;
      if (role) out.set(pid, { role, ms });
    } catch {
      // The process ended while being read.
    }
  }
  return out;
}

function cpuDelta(
  before: Map<string, { role: string; ms: number }>,
  after: Map<string, { role: string; ms: number }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, { role, ms }] of after) out[role] = (out[role] ?? 0) + ms - (before.get(pid)?.ms ?? 0);
  return out;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

interface Burst {
  stack: Stack;
  uuid: string;
  snapshotKey: string;
  gids: string[];
  deliver: (gid: string) => Promise<number | null>;
  newest: Map<string, { updatedAt: string; title: string }>;
  counts: { over5s: number; errors: number; failed: number; http429: number };
}

async function startBurst(
  dataDir: string,
  products: number,
  conditionalWrites: 'honour' | 'ignore',
  catalog: number,
): Promise<Burst> {
  const stack = await startStack({
    projectDir: resolve(__dirname, '../..'),
    dataDir,
    sandbox: true,
    publicHost: '127.0.0.1',
    env: { SESSION_SECRET: randomBytes(24).toString('hex'), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    shopify: { clockScale: 50 },
    // 1,500+ deliveries in a few minutes: lift the host's DO-like 600 invocations/min namespace limit (DO raises it on
    // request); 120 concurrent activations stay, so 429s at the door are counted and retried like Shopify does.
    host: { poolCap: POOL_CAP, limits: { perMinute: 100_000 } },
    spaces: { conditionalWrites },
    log: process.env.BENCH_LOG ? (line) => process.stderr.write(`${line}\n`) : () => undefined,
  });
  const shopify = stack.shopify!;
  shopify.seedShop(SHOP, { products: catalog, variantsPerProduct: 3 });
  const { body } = await connectShopify(stack, SHOP.replace('.myshopify.com', ''));
  const store = createS3Store(loadConfig(stack.env, ['spaces']));
  const snapshotKey = keys.shopifySnapshot(body.user_uuid);
  const initial = await store.getJson<{ meta: { productCount: number } }>(snapshotKey);
  if (initial?.value.meta.productCount !== catalog)
    throw new Error(`connect did not store ${catalog} products: ${JSON.stringify(body.upload_status)}`);
  const gids = shopify
    .getProducts(SHOP)
    .slice(0, products)
    .map((p) => p.id);
  const templates = new Map(gids.map((gid) => [gid, shopify.productPayload(SHOP, gid)]));
  const newest = new Map<string, { updatedAt: string; title: string }>();
  const counts = { over5s: 0, errors: 0, failed: 0, http429: 0 };
  let clock = Date.now() - 3600_000;
  let sequence = 0;
  // Signed and sent like the emulator's sender (raw bytes, §3.1 headers) but without its 5 s abort, so a slow answer is
  // measured instead of turning into a retry storm; answers slower than Shopify's 5 s and error answers are counted.
  const deliver = async (gid: string) => {
    const updatedAt = shopTime((clock += 1000));
    const title = `Burst v${++sequence}`;
    const raw = Buffer.from(toShopifyJson({ ...templates.get(gid)!, updated_at: updatedAt, title }), 'utf8');
    const webhookId = randomUUID();
    const started = performance.now();
    // A non-2xx answer (429 from DO at the door, 503 not yet applied) is retried with the same Webhook-Id, as Shopify
    // does, and counted; latency runs from the first attempt. A delivery still failing after 5 attempts is dropped.
    for (let attempt = 0; ; attempt++) {
      const answer = await fetch(`${stack.appUrl}/shopify/webhook`, {
        method: 'POST',
        body: raw,
        headers: {
          'Content-Type': 'application/json',
          'X-Shopify-Topic': 'products/update',
          'X-Shopify-Shop-Domain': SHOP,
          'X-Shopify-API-Version': '2026-07',
          'X-Shopify-Hmac-Sha256': signWebhookBody(raw, stack.env.SHOPIFY_API_SECRET!),
          'X-Shopify-Webhook-Id': webhookId,
        },
      }).then(
        async (res) => ({ status: res.status, text: await res.text() }),
        (err: Error) => ({ status: 0, text: String(err.cause ?? err) }),
      );
      if (answer.status === 200) break;
      if (answer.status === 429) counts.http429++;
      else counts.errors++;
      if (attempt === 4) {
        counts.failed++;
        return null;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const ms = performance.now() - started;
    if (ms > 5000) counts.over5s++;
    // Only acknowledged versions must survive; an unacknowledged one would be retried by Shopify.
    if (!newest.has(gid) || Date.parse(updatedAt) > Date.parse(newest.get(gid)!.updatedAt))
      newest.set(gid, { updatedAt, title });
    return ms;
  };
  return { stack, uuid: body.user_uuid, snapshotKey, gids, deliver, newest, counts };
}

async function run(burst: Burst, concurrency: number, count: number, offset: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const ms = await burst.deliver(burst.gids[(offset + i * 7) % burst.gids.length]!);
        if (ms !== null) latencies.push(ms);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

// Products whose stored copy is older than their newest acknowledged version.
async function lostUpdates(
  burst: Burst,
  store: ReturnType<typeof createS3Store>,
): Promise<{ lost: number; stored: number }> {
  const final = await store.getJson<{
    data: { products: { edges: Array<{ node: { id: string; updatedAt: string; title: string } }> } };
  }>(burst.snapshotKey);
  const stored = new Map(final!.value.data.products.edges.map((e) => [e.node.id, e.node]));
  let lost = 0;
  for (const [gid, want] of burst.newest) {
    const got = stored.get(gid);
    if (
      !got ||
      Date.parse(got.updatedAt) < Date.parse(want.updatedAt) ||
      (Date.parse(got.updatedAt) === Date.parse(want.updatedAt) && got.title !== want.title)
    )
      lost++;
  }
  return { lost, stored: stored.size };
}

async function main(): Promise<void> {
  const asJson = process.argv.includes('--json');
  const root = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const figures: Record<string, number> = {};
  const failures: string[] = [];
  const rows: string[] = [];
  const costRows: string[] = [];
  const cpuRows: string[] = [];

  const dataDir = await mkdtemp(join(root, 'bench-webhooks-'));
  const burst = await startBurst(dataDir, PRODUCTS, 'honour', 1000);
  try {
    const { stack, counts } = burst;
    const spaces = stack.spaces!;
    const store = createS3Store(loadConfig(stack.env, ['spaces']));
    process.stderr.write('connected\n');
    for (const c of LEVELS) {
      process.stderr.write(`level ${c}…\n`);
      // Warm-up, not measured: grows the pool to c warm processes in steps (a cold-start cost, not this design's).
      for (let k = 8; k <= c * 2 && k / 2 < c; k *= 2)
        await run(burst, Math.min(k, c), Math.min(k, c), 0).catch(() => undefined);
      await flushed(store, burst.uuid, 120_000);
      await new Promise((r) => setTimeout(r, 2000));
      Object.assign(counts, { over5s: 0, errors: 0, failed: 0, http429: 0 });
      spaces.resetStats();
      const cpuBefore = cpuByRole();
      const { latencies, seconds } = await run(burst, c, DELIVERIES, c);
      // The flush job's share of this level: until every record of it is applied (a timeout fails the benchmark).
      await flushed(store, burst.uuid, 120_000);
      const cpu = cpuDelta(cpuBefore, cpuByRole());
      const stats = spaces.stats();
      const webhook = stats.requestsByApp['shopify-webhook'];
      const functions = Object.entries(stats.requestsByApp).filter(([app]) => app !== 'other');
      const total = functions.reduce((n, [, ops]) => n + sum(ops), 0);
      const writes = functions.reduce((n, [, ops]) => n + sum(ops, WRITE_OPS), 0);
      const byOperation = Object.fromEntries(
        (Object.keys(stats.requestsByOperation) as CountedOperation[]).map((op) => [
          op,
          functions.reduce((n, [, ops]) => n + (ops[op] ?? 0), 0),
        ]),
      );
      Object.assign(figures, {
        [`p50_ms_c${c}`]: Math.round(percentile(latencies, 50)),
        [`p99_ms_c${c}`]: Math.round(percentile(latencies, 99)),
        [`max_ms_c${c}`]: Math.round(latencies.at(-1) ?? 0),
        [`rps_c${c}`]: Math.round(DELIVERIES / seconds),
        [`over_5s_c${c}`]: counts.over5s,
        [`errors_c${c}`]: counts.errors,
        [`failed_c${c}`]: counts.failed,
        [`http_429_c${c}`]: counts.http429,
        [`spaces_requests_per_delivery_webhook_c${c}`]: round2(sum(webhook) / DELIVERIES),
        [`spaces_requests_per_delivery_total_c${c}`]: round2(total / DELIVERIES),
        [`spaces_writes_per_delivery_c${c}`]: round2(writes / DELIVERIES),
        [`max_concurrent_puts_per_key_c${c}`]: stats.maxConcurrentPutsPerKey,
        [`slowdown_c${c}`]: stats.slowDown,
        ...Object.fromEntries(
          Object.entries(byOperation)
            .filter(([, n]) => n > 0)
            .map(([op, n]) => [`spaces_${op}_per_delivery_c${c}`, round2(n / DELIVERIES)]),
        ),
        // CPU spent per delivery, by process (Linux /proc only): where the 2 cores go at this concurrency.
        ...Object.fromEntries(
          Object.entries(cpu).map(([role, ms]) => [
            `cpu_ms_per_delivery_${role}_c${c}`,
            Math.round((ms / DELIVERIES) * 10) / 10,
          ]),
        ),
      });
      if (counts.failed > 0) failures.push(`${counts.failed} deliveries dropped after 5 attempts at concurrency ${c}`);
      if (Object.keys(cpu).length > 0)
        cpuRows.push(
          `${String(c).padStart(11)}  ${Object.entries(cpu)
            .map(([role, ms]) => `${role} ${(ms / DELIVERIES).toFixed(1)}`)
            .join(', ')}`,
        );
      const perFn = functions.map(([app, ops]) => `${app} ${(sum(ops) / DELIVERIES).toFixed(2)}`).join(', ');
      const perOp = Object.entries(byOperation)
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${op} ${(n / DELIVERIES).toFixed(2)}`)
        .join(', ');
      costRows.push(
        `${String(c).padStart(11)}  total ${(total / DELIVERIES).toFixed(2)} (${perFn}); writes ${(writes / DELIVERIES).toFixed(2)}; ${perOp}; max PUTs on one key ${stats.maxConcurrentPutsPerKey} (${stats.maxConcurrentPutsKey || '-'}); SlowDown ${stats.slowDown}`,
      );
      rows.push(
        `${String(c).padStart(11)} ${String(DELIVERIES).padStart(10)} ${String(figures[`p50_ms_c${c}`]).padStart(7)} ${String(figures[`p99_ms_c${c}`]).padStart(7)} ${String(figures[`max_ms_c${c}`]).padStart(7)} ${String(figures[`rps_c${c}`]).padStart(6)} ${String(counts.over5s).padStart(7)} ${String(counts.errors).padStart(6)} ${String(counts.http429).padStart(5)} ${String(counts.failed).padStart(6)}`,
      );
      process.stderr.write(`${rows.at(-1)}\n${costRows.at(-1)}\n`);
    }
    const { lost, stored } = await lostUpdates(burst, store);
    const pendingLeft = (await store.list(keys.pendingShopifyPrefix(SHOP))).length;
    Object.assign(figures, {
      lost_updates: lost,
      pending_left: pendingLeft,
      products_stored: stored,
      pool_cap: POOL_CAP,
    });
  } finally {
    await burst.stack.close();
    await rm(dataDir, { recursive: true, force: true });
  }

  // The degraded mode: the same path against a store that silently drops If-Match / If-None-Match.
  process.stderr.write('degraded mode (conditional writes ignored)…\n');
  const noCasDir = await mkdtemp(join(root, 'bench-webhooks-nocas-'));
  const noCas = await startBurst(noCasDir, NO_CAS_PRODUCTS, 'ignore', NO_CAS_PRODUCTS);
  try {
    const store = createS3Store(loadConfig(noCas.stack.env, ['spaces']));
    await run(noCas, 64, NO_CAS_DELIVERIES, 0);
    await flushed(store, noCas.uuid, 180_000);
    const { lost } = await lostUpdates(noCas, store);
    Object.assign(figures, {
      lost_updates_no_cas: lost,
      failed_no_cas: noCas.counts.failed,
      http_429_no_cas: noCas.counts.http429,
    });
    if (noCas.counts.failed > 0)
      failures.push(`${noCas.counts.failed} deliveries dropped after 5 attempts in degraded mode`);
  } finally {
    await noCas.stack.close();
    await rm(noCasDir, { recursive: true, force: true });
  }

  console.log(
    `Webhook bench: ${DELIVERIES} signed products/update per level over ${PRODUCTS} of 1,000 products, through the local DO host (poolCap ${POOL_CAP}), strict local Spaces`,
  );
  console.log('concurrency deliveries  p50 ms  p99 ms  max ms  req/s  over 5s  errors  429s  failed');
  for (const row of rows) console.log(row);
  console.log(
    'Spaces requests per delivery, counted at the store by function (webhook and flush job), after the level settled:',
  );
  for (const row of costRows) console.log(row);
  if (cpuRows.length > 0) {
    console.log('CPU ms per delivery, by process (the machine has 2 cores):');
    for (const row of cpuRows) console.log(row);
  }
  console.log(
    `lost_updates ${figures.lost_updates}, lost_updates_no_cas ${figures.lost_updates_no_cas} (${NO_CAS_DELIVERIES} deliveries at 64 over ${NO_CAS_PRODUCTS} products), pending records left ${figures.pending_left}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  if (figures.lost_updates !== 0) failures.push(`lost_updates ${figures.lost_updates}`);
  if (figures.lost_updates_no_cas !== 0) failures.push(`lost_updates_no_cas ${figures.lost_updates_no_cas}`);
  if ((figures.max_concurrent_puts_per_key_c64 ?? 0) > 10)
    failures.push(`max_concurrent_puts_per_key_c64 ${figures.max_concurrent_puts_per_key_c64} > 10`);
  if ((figures.spaces_requests_per_delivery_webhook_c64 ?? 0) > 2)
    failures.push(`spaces_requests_per_delivery_webhook_c64 ${figures.spaces_requests_per_delivery_webhook_c64} > 2`);
  if ((figures.spaces_requests_per_delivery_total_c64 ?? 0) > 3.5)
    failures.push(`spaces_requests_per_delivery_total_c64 ${figures.spaces_requests_per_delivery_total_c64} > 3.5`);
  if (asJson) console.log(JSON.stringify(figures));
  if (failures.length > 0) {
    console.error(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
