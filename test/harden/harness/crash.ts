import { createHmac, randomUUID } from 'node:crypto';
import { toShopifyJson } from '../../../lib/dev/emulators/shopify';
import { keys } from '../../../lib/storage/keys';
import type { Harness } from './context';
import { connectShopify } from './flows';
import { jsonOf, type Observed } from './http';

/** One crash point: which function was killed after which Spaces request, and whether its update survived. */
export interface CrashPoint {
  fn: 'shopify/webhook' | 'shopify/flush';
  afterRequest: number;
  /** The acknowledged update is in the snapshot after the system settled. */
  survived: boolean;
  detail?: string;
}

/** What the crash matrix found. */
export interface CrashMatrix {
  crash_points: number;
  crash_lost: number;
  points: CrashPoint[];
}

/** One forged-header delivery (a genuine signed body with a swapped topic or shop header). */
export interface HeaderSwap {
  kind: string;
  /** The data ended exactly as the Admin API returns it (refused at the door, dropped, or undone by the next sync). */
  repaired: boolean;
  answer: number;
  detail?: string;
}

// Shopify retries a failed delivery 8 times (contract §1); the harness retries at once, keeping the Webhook-Id.
const SHOPIFY_ATTEMPTS = 8;
// No path makes more Spaces requests than this; a crash point past the last request never fires and ends the walk.
const MAX_POINTS = 40;

interface Delivery {
  topic: string;
  shop: string;
  body: Buffer;
  webhookId: string;
}

function send(h: Harness, d: Delivery): Promise<Observed> {
  const secret = h.stack.env.SHOPIFY_API_SECRET!;
  return h.send({
    method: 'POST',
    path: '/shopify/webhook',
    body: d.body,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': d.topic,
      'x-shopify-shop-domain': d.shop,
      'x-shopify-api-version': '2026-07',
      'x-shopify-webhook-id': d.webhookId,
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(d.body).digest('base64'),
      'x-shopify-triggered-at': new Date().toISOString(),
    },
  });
}

/** Sends a delivery as Shopify does: a non-2xx answer is retried with the same Webhook-Id. Returns the last answer. */
async function deliverLikeShopify(h: Harness, d: Delivery): Promise<Observed> {
  let res = await send(h, d);
  for (let attempt = 1; attempt < SHOPIFY_ATTEMPTS && (res.status < 200 || res.status > 299); attempt++)
    res = await send(h, d);
  return res;
}

async function storedProducts(h: Harness, uuid: string): Promise<Map<string, { title: string; updatedAt: string }>> {
  const snap = (await h.stack.store.getJson<any>(keys.shopifySnapshot(uuid)))?.value;
  return new Map(
    (snap?.data.products.edges ?? []).map((e: any) => [
      e.node.id,
      { title: e.node.title, updatedAt: e.node.updatedAt },
    ]),
  );
}

/**
 * Lets the system settle as the definition of `crash_lost` says: the harness starts a flush job (what the next
 * delivery or the daily poll would do) and waits until no pending record is left. False when records stay.
 */
async function settle(h: Harness, uuid: string, shop: string): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    await h.stack.host.invoke('shopify/flush', { uuid, shop });
    if ((await h.stack.store.list(keys.pendingShopifyPrefix(uuid))).length === 0) return true;
  }
  return false;
}

/**
 * The crash matrix: for each function of the webhook path (`shopify/webhook`, then the `shopify/flush` job it
 * starts) and each N from 1 until the path makes fewer than N Spaces requests, one delivery of a new product
 * version is sent while the host kills that function's process right after its N-th Spaces request; Shopify-style
 * retries (same Webhook-Id) follow. After the system settled, the update must be in `shopify_data.json`.
 */
export async function crashMatrix(h: Harness, options: { shop?: string } = {}): Promise<CrashMatrix> {
  const name = options.shop ?? `crash-${randomUUID().slice(0, 8)}`;
  const domain = `${name}.myshopify.com`;
  const emulator = h.stack.shopify!;
  emulator.seedShop(domain, { products: 4, variantsPerProduct: 1 });
  const { body } = await connectShopify(h, name);
  const uuid: string = body.user_uuid;
  const gid = emulator.getProducts(domain)[0]!.id;
  const points: CrashPoint[] = [];
  let version = 0;
  for (const fn of ['shopify/webhook', 'shopify/flush'] as const) {
    for (let n = 1; n <= MAX_POINTS; n++) {
      version++;
      const title = `Crash ${fn} after ${n}`;
      const updatedAt = new Date(Date.parse('2032-01-01T00:00:00Z') + version * 60_000).toISOString();
      const payload = { ...(emulator.productPayload(domain, gid) as object), title, updated_at: updatedAt };
      const delivery = {
        topic: 'products/update',
        shop: domain,
        body: Buffer.from(toShopifyJson(payload)),
        webhookId: `crash-${randomUUID()}`,
      };
      const before = h.stack.host.crashStats().fired;
      h.stack.host.crashAfterSpacesRequests(fn, n);
      const res = await deliverLikeShopify(h, delivery);
      if (fn === 'shopify/flush') {
        // The job the delivery started takes the crash plan. When none started (a flush flag of this window was up,
        // e.g. left by a crashed delivery), the harness starts the job, with the record pending, as the next delivery would.
        await waitForCrashOrIdle(h, before);
        if (h.stack.host.crashStats().pending > 0) await h.stack.host.invoke('shopify/flush', { uuid, shop: domain });
      }
      const fired = h.stack.host.crashStats().fired > before;
      h.stack.host.clearCrashes();
      const acknowledged = res.status >= 200 && res.status < 300;
      const settled = await settle(h, uuid, domain);
      const stored = (await storedProducts(h, uuid)).get(gid);
      if (!fired) {
        // The path made fewer than n requests: the walk of this function is complete. The update must still be there.
        if (stored?.title !== title)
          points.push({ fn, afterRequest: n, survived: false, detail: 'update lost without a crash' });
        break;
      }
      const survived = acknowledged && settled && stored?.title === title;
      const detail = survived
        ? undefined
        : !acknowledged
          ? `never acknowledged (last answer ${res.status})`
          : !settled
            ? 'pending records stayed'
            : `stored title ${stored?.title}`;
      points.push({ fn, afterRequest: n, survived, ...(detail ? { detail } : {}) });
    }
  }
  const crashed = points.filter((p) => p.detail !== 'update lost without a crash');
  return { crash_points: crashed.length, crash_lost: points.filter((p) => !p.survived).length, points };
}

// Waits until the crash armed for the flush job fired, or no flush job is running any more.
async function waitForCrashOrIdle(h: Harness, before: number): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (h.stack.host.crashStats().fired > before) return;
    if (!h.stack.host.activations.list().some((a) => a.name === 'shopify/flush' && !a.end)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Forged-header deliveries: a genuine signed `products/update` body resent with a swapped topic (`products/delete`,
 * and the destructive `shop/redact` and `app/uninstalled`) or under another connected shop's domain. Each counts as
 * repaired when, after the next flush and full sync, the catalog is exactly what the Admin API returns; a destructive
 * swap must be refused at the door (4xx) and change nothing.
 */
export async function headerSwaps(h: Harness, options: { prefix?: string } = {}): Promise<HeaderSwap[]> {
  const prefix = options.prefix ?? `swap-${randomUUID().slice(0, 8)}`;
  const emulator = h.stack.shopify!;
  const victim = `${prefix}-a.myshopify.com`;
  const other = `${prefix}-b.myshopify.com`;
  emulator.seedShop(victim, { products: 5, variantsPerProduct: 1 });
  emulator.seedShop(other, { products: 3, variantsPerProduct: 1 });
  const uuid: string = (await connectShopify(h, `${prefix}-a`)).body.user_uuid;
  await connectShopify(h, `${prefix}-b`);
  const genuine = (shop: string, i: number) =>
    Buffer.from(toShopifyJson(emulator.productPayload(shop, emulator.getProducts(shop)[i]!.id)));
  const swaps: Array<{ kind: string; destructive: boolean; delivery: Delivery }> = [
    {
      kind: 'topic products/update → products/delete',
      destructive: false,
      delivery: { topic: 'products/delete', shop: victim, body: genuine(victim, 0), webhookId: randomUUID() },
    },
    {
      kind: 'shop header swapped (body of another shop)',
      destructive: false,
      delivery: { topic: 'products/update', shop: victim, body: genuine(other, 0), webhookId: randomUUID() },
    },
    {
      kind: 'topic products/update → shop/redact',
      destructive: true,
      delivery: { topic: 'shop/redact', shop: victim, body: genuine(victim, 1), webhookId: randomUUID() },
    },
    {
      kind: 'topic products/update → app/uninstalled',
      destructive: true,
      delivery: { topic: 'app/uninstalled', shop: victim, body: genuine(victim, 2), webhookId: randomUUID() },
    },
    {
      kind: 'topic products/update → customers/redact',
      destructive: false,
      delivery: { topic: 'customers/redact', shop: victim, body: genuine(victim, 3), webhookId: randomUUID() },
    },
  ];
  const out: HeaderSwap[] = [];
  for (const swap of swaps) {
    const res = await send(h, swap.delivery);
    await settle(h, uuid, victim);
    const refused = res.status >= 400 && res.status < 500 && typeof (jsonOf(res) as any)?.message === 'string';
    // The next full sync (the daily poll's) runs only while the shop is still connected: a destructive swap that got
    // through leaves no token to sync with, which is what makes it unrepairable.
    const tokenLeft = await h.stack.store.exists(keys.shopifyToken(victim));
    if (tokenLeft) await h.stack.host.invoke('shopify/sync', { shop: victim });
    const stored = await storedProducts(h, uuid);
    const expected = new Map(emulator.getProducts(victim).map((p) => [p.id, p.title]));
    const exact =
      stored.size === expected.size && [...expected].every(([id, title]) => stored.get(id)?.title === title);
    const repaired = exact && tokenLeft && (!swap.destructive || refused);
    const detail = repaired
      ? undefined
      : swap.destructive && !refused
        ? `a destructive swap was answered ${res.status} instead of a 4xx at the door`
        : !tokenLeft
          ? 'the shop token was deleted'
          : `catalog differs from the Admin API (${stored.size} stored, ${expected.size} in the shop)`;
    out.push({ kind: swap.kind, repaired, answer: res.status, ...(detail ? { detail } : {}) });
  }
  return out;
}
