/**
 * `npm run bench:sync [-- --json] [--only paginated|bulk|dispatch]`: measures the daily poll.
 *  1. Paginated full sync of a 5,000-product store at Standard limits (bucket 2000, 100/s) on a
 *     20× emulator clock: catalog-walk wall time against the bound (charged − bucket) / rate / 20.
 *  2. Bulk sync of 50,000 products × 3 variants by the built `poll/merchants` bundle in a child
 *     process: wall time and the child's peak RSS (first sync, the incremental daily poll of the unchanged
 *     store with its bulk operations and objects fetched, then a forced full re-sync over the stored copy).
 *  3. The fan-out: the product's dispatcher code, built from the fixture project `test/fixtures/poll-bench`
 *     with a clock scaled by its BENCH_CLOCK_SCALE, for 10,000 registry merchants on the local host
 *     enforcing DO's limits on the same scale; the fixture's `poll/merchants` sleeps BENCH_WORK_MS
 *     (nominal) per merchant, so only the fan-out is measured.
 * With --json the last line is one JSON object.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { loadConfig } from '../../lib/config';
import { seedMerchants } from '../../lib/dev/seed-merchants';
import { createLogger } from '../../lib/log';
import { createShopifyDeps } from '../../lib/shopify/deps';
import type { AdminClient } from '../../lib/shopify/admin-client';
import { PRODUCTS_QUERY } from '../../lib/shopify/queries';
import { syncShop } from '../../lib/shopify/sync';
import { scanSnapshotStream } from '../../lib/shopify/bulk-scan';
import { getShopRecord } from '../../lib/shopify/connection';
import { keys } from '../../lib/storage/keys';
import type { ObjectStore } from '../../lib/storage/store';
import type { DispatchSummary } from '../../lib/poll/dispatcher';
import { connectShopify, startTestStack, type TestStack } from '../helpers/stack';

const ROOT = resolve(__dirname, '../..');
const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const num = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const CLOCK_SCALE = 20;
const PAGINATED_PRODUCTS = num('--paginated-products', 5000);
const BULK_PRODUCTS = num('--bulk-products', 50_000);
const MERCHANTS = num('--merchants', 10_000);
const DISPATCH_SCALE = num('--dispatch-scale', 5);
const WORK_MS = num('--work-ms', 5000);
const say = (line: string) => (JSON_OUT ? process.stderr : process.stdout).write(`${line}\n`);
const silent = createLogger({ sink: () => undefined });
/** Checks that failed; any makes the run exit 1. */
const violations: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) violations.push(what);
};

/** Counts the products of a stored shopify_data.json by streaming it (a 50,000-product object is too big to parse whole). */
async function storedProductCount(store: ObjectStore, shop: string): Promise<number> {
  const record = await getShopRecord(store, shop);
  if (!record) throw new Error(`${shop} has no registry record`);
  let count = 0;
  const skeleton = await scanSnapshotStream(
    (await store.getStream(keys.shopifySnapshot(record.uuid)))!,
    () => void count++,
  );
  if (skeleton?.meta.productCount !== count)
    violations.push(`${shop}: meta.productCount ${skeleton?.meta.productCount} but ${count} products stored`);
  return count;
}

async function connectLarge(stack: TestStack, name: string, products: number): Promise<string> {
  const shop = `${name}.myshopify.com`;
  // Connect with a small catalog (the OAuth callback syncs it), then grow it to the measured size.
  stack.shopify!.seedShop(shop, { products: 5 });
  await connectShopify(stack, name);
  stack.shopify!.seedShop(shop, { products, variantsPerProduct: 3 });
  await sleep(1500); // bucket back to full (2000 points at 100 × 20 per second)
  return shop;
}

async function benchPaginated(stack: TestStack) {
  const shop = await connectLarge(stack, 'bench-paged', PAGINATED_PRODUCTS);
  const base = createShopifyDeps(loadConfig(stack.env, ['core', 'spaces', 'shopify', 'functions']), { log: silent });
  let client: AdminClient | undefined;
  const deps = { ...base, adminClient: (s: string, budget?: number) => (client = base.adminClient(s, budget)) };
  const before = stack.shopify!.stats(shop);
  const started = Date.now();
  let lastPage = started;
  const result = await syncShop(shop, deps, { source: 'manual', full: true, onPage: () => (lastPage = Date.now()) });
  const ended = Date.now();
  const after = stack.shopify!.stats(shop);
  const charged = after.chargedCost - before.chargedCost;
  const boundMs = ((charged - 2000) / 100 / CLOCK_SCALE) * 1000;
  const stored = await storedProductCount(stack.store, shop);
  check(result.status === 'success', `paginated sync: ${result.status} ${result.message ?? ''}`);
  check(stored === PAGINATED_PRODUCTS, `paginated sync stored ${stored} of ${PAGINATED_PRODUCTS} products`);
  const out = {
    paginated_products: stored,
    paginated_charged_cost: Math.round(charged),
    paginated_requests: after.requests - before.requests,
    paginated_bound_ms: Math.round(boundMs),
    paginated_walk_ms: lastPage - started,
    paginated_sync_ms: ended - started,
    paginated_ratio: Number(((lastPage - started) / boundMs).toFixed(3)),
    paginated_ratio_with_write: Number(((ended - started) / boundMs).toFixed(3)),
    paginated_throttled: after.throttled - before.throttled,
    points_per_product: Number((charged / PAGINATED_PRODUCTS).toFixed(2)),
    // Pacing diagnosis: the client's deliberate waits for the bucket, and the rest of the walk (requests in flight,
    // responses parsed, timers firing late). The bound assumes zero latency; the ×20 clock makes each ms of latency
    // worth 20 ms of restore, so latency (and load, which stretches it) shows in the wall-clock ratio.
    paginated_client_requests: client?.stats().requests ?? 0,
    paginated_client_wait_ms: Math.round(client?.stats().waitedMs ?? 0),
    paginated_in_flight_ms_per_request: 0,
  };
  const clientStats = client?.stats();
  if (clientStats?.requests) {
    out.paginated_in_flight_ms_per_request = Number(
      ((out.paginated_walk_ms - clientStats.waitedMs) / clientStats.requests).toFixed(1),
    );
  }
  check(out.paginated_ratio <= 1.03, `paginated_ratio ${out.paginated_ratio} > 1.03`);
  check(out.paginated_throttled === 0, `paginated_throttled ${out.paginated_throttled} > 0`);
  say(
    `paginated: ${out.paginated_products} products, charged ${out.paginated_charged_cost}, walk ${out.paginated_walk_ms} ms vs bound ${out.paginated_bound_ms} ms → ratio ${out.paginated_ratio} (with the Spaces write ${out.paginated_ratio_with_write}), THROTTLED ${out.paginated_throttled}`,
  );
  say(
    `paginated pacing: ${out.paginated_client_requests} requests, ${out.paginated_client_wait_ms} ms waiting for the bucket, ${out.paginated_in_flight_ms_per_request} ms per request otherwise (×${CLOCK_SCALE} clock: each ms costs ${CLOCK_SCALE} ms of restore)`,
  );
  Object.assign(out, await fieldSetCosts(stack, shop, base, out.points_per_product));
  Object.assign(out, await benchDaily(stack, shop, deps, charged), await benchInstall(stack, charged));
  return out;
}

/**
 * The product fields before the field set was chosen on purpose (field set products-v1, commit f13bed0^): the
 * extra `featuredMedia` objects and scalars. Used only to price one page against today's query.
 */
const V1_PRODUCTS_QUERY = /* GraphQL */ `query ProductsV1($first: Int!, $after: String, $variants: Int!, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId title handle status description descriptionHtml vendor productType tags createdAt updatedAt
      publishedAt onlineStoreUrl totalInventory tracksInventory hasOnlyDefaultVariant
      priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
      featuredMedia { preview { image { url altText } } }
      media(first: 5) { nodes { preview { image { url altText } } } }
      options(first: 3) { name values }
      variants(first: $variants) { pageInfo { hasNextPage endCursor } nodes { id title sku barcode price compareAtPrice
        inventoryQuantity availableForSale inventoryPolicy position selectedOptions { name value } inventoryItem { id tracked } } } }
  }
}`;

/**
 * `points_per_product` before and after the field change: the same page (10 products, 10 variants each asked) with
 * both field sets; the difference per product is added to the measured full walk's figure.
 */
async function fieldSetCosts(
  stack: TestStack,
  shop: string,
  deps: ReturnType<typeof createShopifyDeps>,
  after: number,
) {
  const client = deps.adminClient(shop, 60_000);
  const pageCost = async (query: string) => {
    await sleep(1500); // bucket full again
    const before = stack.shopify!.stats(shop).chargedCost;
    const { data } = await client.query<{ products: { nodes: unknown[] } }>(query, { first: 10, variants: 10 });
    return (stack.shopify!.stats(shop).chargedCost - before) / data.products.nodes.length;
  };
  const v1 = await pageCost(V1_PRODUCTS_QUERY);
  const v2 = await pageCost(PRODUCTS_QUERY);
  const out = {
    points_per_product_page_v1: Number(v1.toFixed(2)),
    points_per_product_page_v2: Number(v2.toFixed(2)),
    points_per_product_before_field_change: Number((after + v1 - v2).toFixed(2)),
    points_per_product_after_field_change: after,
  };
  check(v2 <= v1, `the chosen field set costs more per product (${v2}) than the old one (${v1})`);
  say(
    `points per product: ${out.points_per_product_before_field_change} before the field change (one page: ${out.points_per_product_page_v1}), ${after} after (one page: ${out.points_per_product_page_v2})`,
  );
  return out;
}

const scaledSeconds = (ms: number) => Number(((ms * CLOCK_SCALE) / 1000).toFixed(1));

/** Daily polls after the full walk: of the unchanged store, then with 1% updated, 0.2% deleted and 0.2% created. */
async function benchDaily(
  stack: TestStack,
  shop: string,
  deps: ReturnType<typeof createShopifyDeps>,
  fullCharged: number,
) {
  const emulator = stack.shopify!;
  const poll = async () => {
    await sleep(1500); // bucket full again
    const before = emulator.stats(shop);
    const started = Date.now();
    const result = await syncShop(shop, deps, { source: 'poll' });
    const ms = Date.now() - started;
    check(
      result.status === 'success' && result.mode === 'incremental',
      `daily poll: ${result.status} ${result.mode ?? ''} ${result.message ?? ''}`,
    );
    const stored = await storedProductCount(stack.store, shop);
    check(
      stored === emulator.getProducts(shop).length,
      `daily poll stored ${stored} products, the shop has ${emulator.getProducts(shop).length}`,
    );
    return { charged: emulator.stats(shop).chargedCost - before.chargedCost, ms };
  };
  const unchanged = await poll();
  // 0.2% created: the generator with more products keeps the first ones unchanged and adds new ones (old updatedAt,
  // so only the id listing finds them); then 1% updated and 0.2% deleted.
  const created = Math.max(1, Math.round(PAGINATED_PRODUCTS * 0.002));
  emulator.seedShop(shop, { products: PAGINATED_PRODUCTS + created, variantsPerProduct: 3 });
  const ids = emulator.getProducts(shop).map((p) => p.id);
  for (let i = 0; i < Math.round(PAGINATED_PRODUCTS * 0.01); i++)
    emulator.updateProduct(shop, ids[(i * 97) % ids.length]!, { title: `Daily change ${i}` });
  for (let i = 0; i < created; i++) emulator.deleteProduct(shop, ids[(i * 89 + 13) % ids.length]!);
  const changed = await poll();
  const out = {
    daily_points_unchanged: Math.round(unchanged.charged),
    daily_points_ratio_unchanged: Number((unchanged.charged / fullCharged).toFixed(3)),
    daily_s_unchanged: scaledSeconds(unchanged.ms),
    daily_points_1pct: Math.round(changed.charged),
    daily_points_ratio_1pct: Number((changed.charged / fullCharged).toFixed(3)),
    daily_s_1pct: scaledSeconds(changed.ms),
  };
  check(
    out.daily_points_ratio_unchanged <= 0.1,
    `daily_points_ratio_unchanged ${out.daily_points_ratio_unchanged} > 0.10`,
  );
  check(out.daily_points_ratio_1pct <= 0.15, `daily_points_ratio_1pct ${out.daily_points_ratio_1pct} > 0.15`);
  say(
    `daily poll: unchanged ${out.daily_points_unchanged} points (ratio ${out.daily_points_ratio_unchanged}, ${out.daily_s_unchanged} s scaled); 1% changed ${out.daily_points_1pct} points (ratio ${out.daily_points_ratio_1pct}, ${out.daily_s_1pct} s)`,
  );
  return out;
}

/** A whole install of a store of the same size: the OAuth callback's walk, then the background sync resuming it. */
async function benchInstall(stack: TestStack, fullCharged: number) {
  const name = 'bench-install';
  const shop = `${name}.myshopify.com`;
  stack.shopify!.seedShop(shop, { products: PAGINATED_PRODUCTS, variantsPerProduct: 3 });
  const started = Date.now();
  const { body } = await connectShopify(stack, name);
  check(body?.upload_status?.status === 'queued', `install: upload_status ${JSON.stringify(body?.upload_status)}`);
  const key = keys.shopifySnapshot(body.user_uuid);
  for (let i = 0; i < 2400 && !(await stack.store.exists(key)); i++) await sleep(100);
  const ms = Date.now() - started;
  const stored = await storedProductCount(stack.store, shop);
  check(stored === PAGINATED_PRODUCTS, `install stored ${stored} of ${PAGINATED_PRODUCTS} products`);
  const charged = stack.shopify!.stats(shop).chargedCost;
  const out = {
    install_points: Math.round(charged),
    install_points_ratio: Number((charged / fullCharged).toFixed(3)),
    install_s: scaledSeconds(ms),
    install_throttled: stack.shopify!.stats(shop).throttled,
  };
  check(out.install_points_ratio <= 1.02, `install_points_ratio ${out.install_points_ratio} > 1.02`);
  say(
    `install: ${out.install_points} points (ratio ${out.install_points_ratio} to one full walk), ${out.install_s} s scaled, THROTTLED ${out.install_throttled}`,
  );
  return out;
}

function workerMemoryMb(): number {
  const project = parse(readFileSync(resolve(ROOT, 'project.yml'), 'utf8')) as {
    packages: Array<{ name: string; functions?: Array<{ name: string; limits?: { memory?: number } }> }>;
  };
  return (
    project.packages.find((p) => p.name === 'poll')?.functions?.find((f) => f.name === 'merchants')?.limits?.memory ??
    256
  );
}

function runWorkerChild(
  env: Record<string, string>,
  shop: string,
  params: Record<string, unknown> = {},
): Promise<{ ms: number; maxRssMb: number; result: any; stdout: string }> {
  const bundle = resolve(ROOT, 'packages/poll/merchants/index.js');
  const args = JSON.stringify({ shops: [shop], ...params });
  const script = `require(${JSON.stringify(bundle)}).main(${args}).then((r) =>
    process.stdout.write('\\n@@' + JSON.stringify({ result: r, maxRssKb: process.resourceUsage().maxRSS }) + '\\n'));`;
  const started = Date.now();
  return new Promise((done, fail) => {
    // The same V8 flag the local host gives the function process (limits.memory of poll/merchants).
    const child = spawn(process.execPath, [`--max-old-space-size=${workerMemoryMb()}`, '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.once('error', fail);
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('@@'));
      if (code !== 0 || !line) return fail(new Error(`worker exited ${code}: ${stdout.slice(-500)}`));
      const parsed = JSON.parse(line.slice(2)) as { result: any; maxRssKb: number };
      done({ ms: Date.now() - started, maxRssMb: Math.round(parsed.maxRssKb / 1024), result: parsed.result, stdout });
    });
  });
}

/**
 * Bulk store of BULK_PRODUCTS: the first sync (a full bulk walk), the daily poll of the unchanged store (the
 * incremental bulk poll: three bulk operations, no product read in full unless it changed), then a forced full
 * re-sync over the stored copy (the weekly walk). Each by the built `poll/merchants` bundle in a child process.
 */
async function benchBulk(stack: TestStack) {
  const shop = await connectLarge(stack, 'bench-bulk', BULK_PRODUCTS);
  const env = { ...stack.env, SHOPIFY_BULK_THRESHOLD: '2000', LOG_LEVEL: 'warn' };
  const first = await runWorkerChild(env, shop);
  const firstStored = await storedProductCount(stack.store, shop);
  const pointsBefore = stack.shopify!.stats(shop).chargedCost;
  const daily = await runWorkerChild({ ...env, LOG_LEVEL: 'info' }, shop);
  const dailyPoints = stack.shopify!.stats(shop).chargedCost - pointsBefore;
  const dailyStored = await storedProductCount(stack.store, shop);
  const again = await runWorkerChild(env, shop, { full: true });
  const againStored = await storedProductCount(stack.store, shop);
  const runs = [
    ['first sync', first, firstStored, 'bulk'],
    ['daily poll', daily, dailyStored, 'incremental'],
    ['re-sync', again, againStored, 'bulk'],
  ] as const;
  for (const [what, run, stored, mode] of runs) {
    const r = run.result.results?.[0];
    check(
      r?.status === 'success' && r.mode === mode,
      `bulk ${what} failed or not ${mode}: ${JSON.stringify(run.result).slice(0, 500)}`,
    );
    check(stored === BULK_PRODUCTS, `bulk ${what} stored ${stored} of ${BULK_PRODUCTS} products`);
  }
  // "(incremental bulk: <read> read, <listed> listed, <n> read one by one, <ops> bulk operations, <objects> objects)"
  const line =
    /incremental bulk: (\d+) read, (\d+) listed, (\d+) read one by one, (\d+) bulk operations, (\d+) objects/.exec(
      daily.stdout,
    );
  check(line !== null, 'bulk daily poll: no "incremental bulk" log line');
  const out = {
    bulk_products: BULK_PRODUCTS,
    bulk_variants: BULK_PRODUCTS * 3,
    bulk_first_ms: first.ms,
    bulk_resync_ms: again.ms,
    bulk_peak_rss_mb: Math.max(first.maxRssMb, daily.maxRssMb, again.maxRssMb),
    bulk_first_rss_mb: first.maxRssMb,
    bulk_resync_rss_mb: again.maxRssMb,
    bulk_daily_unchanged_ms: daily.ms,
    bulk_daily_unchanged_rss_mb: daily.maxRssMb,
    bulk_daily_unchanged_points: Math.round(dailyPoints),
    bulk_daily_unchanged_operations: Number(line?.[4] ?? -1),
    bulk_daily_unchanged_objects: Number(line?.[5] ?? -1),
    bulk_daily_unchanged_products_read: Number(line?.[1] ?? -1) + Number(line?.[3] ?? 0),
  };
  check(out.bulk_peak_rss_mb <= 200, `bulk_peak_rss_mb ${out.bulk_peak_rss_mb} > 200`);
  say(
    `bulk: ${BULK_PRODUCTS} products × 3 variants: first sync ${out.bulk_first_ms} ms (peak RSS ${first.maxRssMb} MB), re-sync over the stored copy ${out.bulk_resync_ms} ms (peak RSS ${again.maxRssMb} MB)`,
  );
  say(
    `bulk daily poll of the unchanged store: ${out.bulk_daily_unchanged_ms} ms, peak RSS ${out.bulk_daily_unchanged_rss_mb} MB, ${out.bulk_daily_unchanged_operations} bulk operations, ${out.bulk_daily_unchanged_objects} objects fetched, ${out.bulk_daily_unchanged_products_read} products read in full, ${out.bulk_daily_unchanged_points} points`,
  );
  return out;
}

const DISPATCH_FIXTURE = resolve(ROOT, 'test/fixtures/poll-bench');

async function benchDispatch() {
  execFileSync(process.execPath, [resolve(ROOT, 'build.mjs'), '--quiet', '--project', DISPATCH_FIXTURE], {
    stdio: 'inherit',
  });
  const stack = await startTestStack({
    projectDir: DISPATCH_FIXTURE,
    host: { limits: { concurrent: 120, perMinute: 600, clockScale: DISPATCH_SCALE }, poolCap: 80 },
    env: { BENCH_CLOCK_SCALE: String(DISPATCH_SCALE), BENCH_WORK_MS: String(WORK_MS), LOG_LEVEL: 'warn' },
  });
  try {
    const seeded = await seedMerchants(stack.store, {
      shops: Math.round(MERCHANTS * 0.8),
      pages: MERCHANTS - Math.round(MERCHANTS * 0.8),
    });
    const started = Date.now();
    const record = await stack.host.fireTrigger('daily-poll');
    const wallMs = Date.now() - started;
    const summary = record.response?.result as unknown as DispatchSummary;
    if (!record.response?.success)
      throw new Error(`dispatcher failed: ${JSON.stringify(record.response).slice(0, 500)}`);
    const host = stack.host.stats();
    const out = {
      dispatch_merchants: seeded.shops.length + seeded.pages.length,
      dispatch_synced: summary.results.success,
      dispatch_invocations: summary.invocations,
      dispatch_max_per_min: host.invocationsPerMinuteMax,
      dispatch_max_concurrency: host.peakConcurrency,
      dispatch_429: host.rejected429,
      dispatch_minutes: Number(((wallMs * DISPATCH_SCALE) / 60_000).toFixed(2)),
      dispatch_wall_ms: wallMs,
      dispatch_scale: DISPATCH_SCALE,
      dispatch_work_ms_per_merchant: WORK_MS,
    };
    check(
      out.dispatch_synced === out.dispatch_merchants,
      `dispatch: ${out.dispatch_synced} of ${out.dispatch_merchants} merchants done`,
    );
    check(out.dispatch_429 === 0, `dispatch: ${out.dispatch_429} × 429`);
    check(out.dispatch_max_per_min <= 600 && out.dispatch_max_concurrency <= 120, 'dispatch: DO limits exceeded');
    check(out.dispatch_minutes <= 30, `dispatch took ${out.dispatch_minutes} scaled minutes > 30`);
    say(
      `dispatch: ${out.dispatch_synced}/${out.dispatch_merchants} merchants in ${out.dispatch_invocations} invocations, ${out.dispatch_minutes} scaled minutes (${wallMs} ms real at ×${DISPATCH_SCALE}); host saw max ${out.dispatch_max_per_min}/min, ${out.dispatch_max_concurrency} concurrent, ${out.dispatch_429} × 429`,
    );
    return out;
  } finally {
    await stack.shutdown();
  }
}

/** Embedded Spaces in its own process (see lib/dev/tools/spaces-server.ts); resolves with its variables and a stop function. */
function startSpacesProcess(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), resolve(ROOT, 'lib/dev/tools/spaces-server.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.stdout.once('data', (chunk: Buffer) => {
      done({
        env: JSON.parse(chunk.toString().split('\n')[0]!),
        stop: async () => (child.kill('SIGTERM'), await exited),
      });
    });
  });
}

async function main(): Promise<void> {
  const figures: Record<string, unknown> = { date: new Date().toISOString().slice(0, 10) };
  // Each part gets its own stack, and Spaces its own process: the emulator builds a 50,000-product bulk file synchronously.
  for (const [part, run] of [
    ['paginated', benchPaginated],
    ['bulk', benchBulk],
  ] as const) {
    if (only && only !== part) continue;
    const spaces = await startSpacesProcess();
    // The paginated part measures the install's resumed paginated walk, so bulk stays out of its way there.
    const bulkOff = part === 'paginated' ? { SHOPIFY_BULK_THRESHOLD: '10000000' } : {};
    const stack = await startTestStack({
      shopify: { clockScale: CLOCK_SCALE },
      env: { LOG_LEVEL: 'warn', ...bulkOff, ...spaces.env },
    });
    try {
      Object.assign(figures, await run(stack));
    } finally {
      await stack.shutdown();
      await spaces.stop();
    }
  }
  if (!only || only === 'dispatch') Object.assign(figures, await benchDispatch());
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(figures)}\n`);
  for (const v of violations) console.error(`VIOLATED: ${v}`);
  if (violations.length > 0) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
