import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHmac, randomUUID } from 'node:crypto';
import { toShopifyJson } from '../../../lib/dev/emulators/shopify';
import { flushed } from '../../helpers/stack';
import { keys } from '../../../lib/storage/keys';
import type { Harness } from './context';
import { armFaults, isComplete, normalized, type FaultIntensity } from './fault-plan';
import { connectShopify } from './flows';
import { jsonOf } from './http';
import { readObject } from './objects';
import { runPool } from './load';

/** How one run under faults ended. */
export interface FaultRun {
  scenario: string;
  run: number;
  faults: number;
  outcome: 'converged' | 'failed-cleanly' | 'violation';
  detail?: string;
}

type Verdict = Pick<FaultRun, 'outcome' | 'detail'>;

/** Judges a run: converged to the reference, or failed with a message while the stored object is the previous one. */
function judge(
  ok: boolean,
  message: string | undefined,
  after: string | null,
  reference: string | null,
  previous: string | null,
): Verdict {
  if (ok)
    return after === reference
      ? { outcome: 'converged' }
      : { outcome: 'violation', detail: 'succeeded, but the stored object differs from the fault-free one' };
  if (!message) return { outcome: 'violation', detail: 'failed without a message' };
  if (after !== previous && after !== reference)
    return {
      outcome: 'violation',
      detail: `failed (${message}) and the stored object is neither the previous one nor the fault-free one`,
    };
  return { outcome: 'failed-cleanly', detail: message };
}

function multipartCheck(h: Harness, verdict: Verdict): Verdict {
  const open = h.stack.spaces!.stats().openMultipartUploads;
  return open === 0
    ? verdict
    : { outcome: 'violation', detail: `${open} multipart upload(s) left open; ${verdict.detail ?? verdict.outcome}` };
}

const activationMessage = (result: any): string | undefined => result?.message ?? result?.error?.message;

/** Full `shopify/sync` runs through the host under Shopify and Spaces faults, each compared with a fault-free sync. */
export async function syncUnderFaults(h: Harness, intensity: FaultIntensity, runs: number): Promise<FaultRun[]> {
  const shop = `fault-sync-${intensity.seed}`;
  h.stack.shopify!.seedShop(`${shop}.myshopify.com`, { products: 60, variantsPerProduct: 3 });
  const { body } = await connectShopify(h, shop);
  const key = keys.shopifySnapshot(body.user_uuid);
  await h.stack.host.invoke('shopify/sync', { shop: `${shop}.myshopify.com` });
  const reference = normalized(await readObject(h.s3, h.bucket, key));
  const out: FaultRun[] = [];
  for (let run = 0; run < runs; run++) {
    const previous = normalized(await readObject(h.s3, h.bucket, key));
    const disarm = armFaults(h, { ...intensity, seed: intensity.seed * 100 + run }, { shopify: 40, spaces: true });
    const record = await h.stack.host.invoke('shopify/sync', { shop: `${shop}.myshopify.com` });
    const faults = disarm();
    const result = record.response?.result as any;
    const bytes = await readObject(h.s3, h.bucket, key);
    let verdict: Verdict;
    if (record.response?.status === 'action developer error')
      verdict = { outcome: 'violation', detail: `activation crashed: ${result?.error}` };
    else if (!isComplete(bytes)) verdict = { outcome: 'violation', detail: 'partial object' };
    else
      verdict = judge(result?.status === 'success', activationMessage(result), normalized(bytes), reference, previous);
    out.push({ scenario: 'shopify/sync', run, faults, ...multipartCheck(h, verdict) });
  }
  return out;
}

/** OAuth callbacks (login → authorize → callback through the host) under faults, each compared with a fault-free sync of the same shop. */
export async function callbacksUnderFaults(h: Harness, intensity: FaultIntensity, runs: number): Promise<FaultRun[]> {
  const out: FaultRun[] = [];
  for (let run = 0; run < runs; run++) {
    const shop = `fault-cb-${intensity.seed}-${run}`;
    h.stack.shopify!.seedShop(`${shop}.myshopify.com`, { products: 8, variantsPerProduct: 2 });
    const disarm = armFaults(h, { ...intensity, seed: intensity.seed * 100 + run }, { shopify: 30, spaces: true });
    let verdict: Verdict;
    let faults = 0;
    try {
      const { res, body } = await connectShopify(h, shop);
      faults = disarm();
      const uuid = typeof body?.user_uuid === 'string' ? body.user_uuid : undefined;
      const bytes = uuid ? await readObject(h.s3, h.bucket, keys.shopifySnapshot(uuid)) : null;
      if (res.status === 0 || res.status === 502 || res.status === 202)
        verdict = {
          outcome: 'violation',
          detail: `callback answered ${res.status}: ${res.body.toString().slice(0, 200)}`,
        };
      else if (!isComplete(bytes)) verdict = { outcome: 'violation', detail: 'partial object' };
      else {
        if (uuid) await h.stack.host.invoke('shopify/sync', { shop: `${shop}.myshopify.com`, source: 'oauth' });
        const reference = uuid ? normalized(await readObject(h.s3, h.bucket, keys.shopifySnapshot(uuid))) : null;
        const ok = res.status === 200 && body?.upload_status?.status === 'success';
        const message = res.status === 200 ? body?.upload_status?.message : (jsonOf(res) as any)?.message;
        verdict = judge(ok, message, normalized(bytes), reference, null);
      }
    } catch (err) {
      faults ||= disarm();
      verdict = {
        outcome: 'violation',
        detail: `round trip broke before the callback: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    out.push({ scenario: 'shopify/callback', run, faults, ...multipartCheck(h, verdict) });
  }
  return out;
}

function deliveries(h: Harness, domain: string, count: number, epoch: number): Buffer[] {
  const emulator = h.stack.shopify!;
  const products = emulator.getProducts(domain).map((p) => p.id);
  return Array.from({ length: count }, (_, i) => {
    const payload = emulator.productPayload(domain, products[i % products.length]!) as Record<string, unknown>;
    return Buffer.from(
      toShopifyJson({ ...payload, title: `Fault burst ${i}`, updated_at: new Date(epoch + i * 1000).toISOString() }),
    );
  });
}

/**
 * Sends deliveries as Shopify does: a non-2xx answer is retried with the same Webhook-Id (`<idPrefix>-<i>`), 5
 * attempts; returns answers that were neither 2xx nor a JSON error with a message.
 */
async function deliver(h: Harness, domain: string, bodies: Buffer[], idPrefix: string): Promise<string[]> {
  const secret = h.stack.env.SHOPIFY_API_SECRET!;
  const bad: string[] = [];
  await runPool(bodies.length, 4, async (i) => {
    const body = bodies[i]!;
    const webhookId = `${idPrefix}-${i}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await h.send({
        method: 'POST',
        path: '/shopify/webhook',
        body,
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'products/update',
          'x-shopify-shop-domain': domain,
          'x-shopify-api-version': '2026-07',
          'x-shopify-webhook-id': webhookId,
          'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
        },
      });
      if (res.status >= 200 && res.status < 300) return;
      if (typeof (jsonOf(res) as any)?.message !== 'string')
        bad.push(`${res.status} ${res.body.toString().slice(0, 120)}`);
    }
    bad.push(`delivery ${i} never accepted`);
  });
  return bad;
}

/** A webhook burst under faults, compared with the same burst replayed fault-free from the same starting object. */
export async function burstUnderFaults(
  h: Harness,
  intensity: FaultIntensity,
  runs: number,
  size: number,
): Promise<FaultRun[]> {
  const out: FaultRun[] = [];
  const shop = `fault-burst-${intensity.seed}`;
  const domain = `${shop}.myshopify.com`;
  h.stack.shopify!.seedShop(domain, { products: 6, variantsPerProduct: 2 });
  const { body } = await connectShopify(h, shop);
  const key = keys.shopifySnapshot(body.user_uuid);
  for (let run = 0; run < runs; run++) {
    const start = await readObject(h.s3, h.bucket, key);
    const bodies = deliveries(h, domain, size, Date.parse('2026-07-01T00:00:00Z') + run * 86_400_000);
    const disarm = armFaults(h, { ...intensity, seed: intensity.seed * 100 + run }, { shopify: 20, spaces: true });
    // Each run and its replay use their own Webhook-Ids: the replay must not be answered "duplicate".
    const tag = randomUUID().slice(0, 8);
    const bad = await deliver(h, domain, bodies, `fault-${tag}`);
    // Accepted deliveries are merged by flush jobs, which run under the same faults until nothing is pending.
    const drained = await flushed(h.stack.store, body.user_uuid).then(
      () => true,
      () => false,
    );
    const faults = disarm();
    if (!drained) bad.push('pending updates were not merged within 60 s');
    const faulty = await readObject(h.s3, h.bucket, key);
    await h.s3.send(
      new PutObjectCommand({ Bucket: h.bucket, Key: key, Body: start!, ContentType: 'application/json' }),
    );
    await deliver(h, domain, bodies, `replay-${tag}`);
    await flushed(h.stack.store, body.user_uuid);
    const reference = normalized(await readObject(h.s3, h.bucket, key));
    let verdict: Verdict;
    if (bad.length > 0) verdict = { outcome: 'violation', detail: `unclear answers: ${bad.slice(0, 3).join(' | ')}` };
    else if (!isComplete(faulty)) verdict = { outcome: 'violation', detail: 'partial object' };
    else if (normalized(faulty) === reference) verdict = { outcome: 'converged' };
    else {
      const detail = `the faulty burst left a different object than the fault-free replay (lost or stale updates): ${burstDiff(faulty, reference)}`;
      verdict = { outcome: 'violation', detail };
    }
    out.push({ scenario: 'shopify/webhook burst', run, faults, ...multipartCheck(h, verdict) });
  }
  return out;
}

// Which products differ between the faulty object and the fault-free replay (title and updatedAt), for the report.
function burstDiff(faulty: Buffer | null, reference: string | null): string {
  const products = (text: string | null) => {
    const value = text
      ? (JSON.parse(text) as {
          data?: { products?: { edges?: Array<{ node: { id: string; title: string; updatedAt: string } }> } };
        })
      : {};
    return new Map(
      (value.data?.products?.edges ?? []).map((e) => [e.node.id, `${e.node.title} @ ${e.node.updatedAt}`]),
    );
  };
  const a = products(normalized(faulty));
  const b = products(reference);
  const ids = [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
  if (ids.length === 0) {
    const meta = (text: string | null) =>
      (text ? (JSON.parse(text) as { meta?: Record<string, unknown> }).meta : undefined) ?? {};
    const ma = meta(normalized(faulty));
    const mb = meta(reference);
    const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].filter(
      (k) => JSON.stringify(ma[k]) !== JSON.stringify(mb[k]),
    );
    return `products equal; meta differs in ${keys.join(', ') || 'nothing (key order or shop)'}`;
  }
  return ids
    .slice(0, 3)
    .map((id) => `${id}: ${a.get(id) ?? 'missing'} instead of ${b.get(id) ?? 'missing'}`)
    .join('; ');
}
