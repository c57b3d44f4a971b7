import { createHmac, randomUUID } from 'node:crypto';
import { toShopifyJson } from '../../../lib/dev/emulators/shopify';
import { flushed } from '../../helpers/stack';
import { keys } from '../../../lib/storage/keys';
import type { Harness } from './context';
import { connectShopify } from './flows';

/** Throughput and latency of one load run. */
export interface LoadFigures {
  requests: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  http5xx: number;
}

/** Runs `task(0..n-1)` with at most `concurrency` in flight; resolves with every result in order. */
export async function runPool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

/** The `q` quantile (0..1) of a list of numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function figures(
  samples: Array<{ ms: number; status: number }>,
  concurrency: number,
  seconds: number,
  ok: (s: number) => boolean,
): LoadFigures {
  const ms = samples.map((s) => s.ms);
  return {
    requests: samples.length,
    concurrency,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round((samples.length / seconds) * 10) / 10,
    p50Ms: Math.round(quantile(ms, 0.5)),
    p99Ms: Math.round(quantile(ms, 0.99)),
    errors: samples.filter((s) => !ok(s.status)).length,
    http5xx: samples.filter((s) => s.status >= 500 || s.status === 0).length,
  };
}

/**
 * Connects a shop, then sends `deliveries` signed `products/update` webhooks at `concurrency`, each
 * with a new title and a later `updated_at` for one of the products. Failed deliveries are retried
 * (as Shopify would) up to 3 times. A lost update is a product whose stored title is not the title
 * of its latest delivery.
 */
export async function webhookBurst(
  h: Harness,
  options: { shop: string; products: number; deliveries: number; concurrency: number },
): Promise<LoadFigures & { lostUpdates: number; retried: number; failedAfterRetries: number }> {
  const emulator = h.stack.shopify!;
  const domain = `${options.shop}.myshopify.com`;
  emulator.seedShop(domain, { products: options.products, variantsPerProduct: 2 });
  const connected = await connectShopify(h, options.shop);
  if (connected.res.status !== 200) throw new Error(`connect answered ${connected.res.status}`);
  const products = emulator.getProducts(domain).map((p) => p.id);
  const secret = h.stack.env.SHOPIFY_API_SECRET!;
  const base = Date.parse('2026-08-01T00:00:00Z');
  const latest = new Map<string, string>();
  const bodies = Array.from({ length: options.deliveries }, (_, i) => {
    const gid = products[i % products.length]!;
    const payload = emulator.productPayload(domain, gid) as Record<string, unknown>;
    const title = `Burst ${i}`;
    latest.set(gid, title);
    return Buffer.from(toShopifyJson({ ...payload, title, updated_at: new Date(base + i * 1000).toISOString() }));
  });
  // Like Shopify, a retry keeps the delivery's Webhook-Id.
  const ids = bodies.map(() => randomUUID());
  const send = (i: number) =>
    h.send(
      {
        method: 'POST',
        path: '/shopify/webhook',
        body: bodies[i]!,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'products/update',
          'x-shopify-shop-domain': domain,
          'x-shopify-api-version': '2026-07',
          'x-shopify-webhook-id': ids[i]!,
          'x-shopify-hmac-sha256': createHmac('sha256', secret).update(bodies[i]!).digest('base64'),
        },
      },
      { maxSockets: options.concurrency, timeoutMs: 30_000 },
    );
  let retried = 0;
  let failedAfterRetries = 0;
  const started = performance.now();
  const samples = await runPool(bodies.length, options.concurrency, async (i) => {
    const first = await send(i);
    let res = first;
    for (let attempt = 0; attempt < 3 && (res.status < 200 || res.status > 299); attempt++) {
      retried++;
      res = await send(i);
    }
    if (res.status < 200 || res.status > 299) failedAfterRetries++;
    return { ms: first.ms, status: first.status };
  });
  const seconds = (performance.now() - started) / 1000;
  // Deliveries are answered once recorded; the flush jobs write them. Whatever is still pending after a minute counts as lost.
  await flushed(h.stack.store, connected.body.user_uuid).catch(() => undefined);
  const stored = (await h.stack.store.getJson<any>(keys.shopifySnapshot(connected.body.user_uuid)))?.value;
  const titles = new Map<string, string>(
    (stored?.data.products.edges ?? []).map((e: any) => [e.node.id, e.node.title]),
  );
  const lostUpdates = [...latest].filter(([gid, title]) => titles.get(gid) !== title).length;
  return {
    ...figures(samples, options.concurrency, seconds, (s) => s >= 200 && s < 300),
    lostUpdates,
    retried,
    failedAfterRetries,
  };
}

/** `n` complete Shopify OAuth round trips (login → authorize → callback) at once, each for its own small shop. */
export async function loginStorm(
  h: Harness,
  options: { n: number; concurrency: number; prefix?: string },
): Promise<LoadFigures & { distinctUsers: number }> {
  const prefix = options.prefix ?? 'storm';
  for (let i = 0; i < options.n; i++)
    h.stack.shopify!.seedShop(`${prefix}-${i}.myshopify.com`, { products: 3, variantsPerProduct: 1 });
  const started = performance.now();
  const samples = await runPool(options.n, options.concurrency, async (i) => {
    const t = performance.now();
    try {
      const { res, body } = await connectShopify(h, `${prefix}-${i}`);
      return { ms: performance.now() - t, status: res.status, uuid: body?.user_uuid as string | undefined };
    } catch {
      return { ms: performance.now() - t, status: 0, uuid: undefined };
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const distinctUsers = new Set(samples.map((s) => s.uuid).filter(Boolean)).size;
  return { ...figures(samples, options.concurrency, seconds, (s) => s === 200), distinctUsers };
}
