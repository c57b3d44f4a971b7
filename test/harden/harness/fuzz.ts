import fc from 'fast-check';
import type { Harness, WebTarget } from './context';
import type { RawRequest } from './http';
import { malformedRequest } from './malformed';
import { diffListings, isDeliveryBookkeeping, listObjects } from './objects';
import { checkAnswer, describeRequest, outcomeOf, type Violation } from './properties';
import { applyCallbackPlan, callbackPlan, callbackSignedContent, freshCallback } from './signed-callback';
import { applySignedRequestPlan, sameSignedRequest, signedRequestPlan, validSignedRequest } from './signed-form';
import { applyWebhookPlan, webhookPlan, type SignedKind } from './signed-webhooks';

/** One generated request; `mustReject` marks changed signed content (a forgery). */
export interface FuzzCase {
  request: RawRequest;
  mustReject: boolean;
  /** A delivery whose signed content and other headers are untouched: it must be accepted. */
  control?: boolean;
}

/** Produces a function's cases in batches, and says which writes an accepted case may make. */
export interface CaseSource {
  fn: string;
  label: string;
  batch(count: number): Promise<FuzzCase[]>;
  acceptedMayWrite(key: string): boolean;
}

/** Counts and findings of one fuzz run. */
export interface FuzzResult {
  fn: string;
  label: string;
  cases: number;
  unsent: number;
  statuses: Record<string, number>;
  http5xx: number;
  forgedTried: number;
  forgedAccepted: number;
  controlsTried: number;
  controlsAccepted: number;
  violations: Violation[];
}

/** Malformed requests of every kind for one web function (deterministic for a seed). */
export function genericSource(target: WebTarget, seed: number, total: number, validSession?: string): CaseSource {
  const requests = fc.sample(malformedRequest(target, validSession ? { validSession } : {}), { seed, numRuns: total });
  let next = 0;
  return {
    fn: target.fn,
    label: 'malformed',
    batch: async (count) => requests.slice(next, (next += count)).map((request) => ({ request, mustReject: false })),
    acceptedMayWrite: isDeliveryBookkeeping,
  };
}

/** Byte-level mutations of valid signed webhook deliveries. */
export function webhookSource(kind: SignedKind, secret: string, seed: number, total: number): CaseSource {
  const plans = fc.sample(webhookPlan(kind.fn), { seed, numRuns: total });
  let next = 0;
  return {
    fn: kind.fn,
    label: 'signed mutations',
    batch: async (count) =>
      plans.slice(next, (next += count)).map((plan) => {
        const base = kind.valid();
        const request = applyWebhookPlan(kind.fn, base, plan, secret);
        const mustReject = !kind.sameSignedContent(base, request);
        return { request, mustReject, control: !mustReject && plan.headers.length === 0 };
      }),
    acceptedMayWrite: isDeliveryBookkeeping,
  };
}

/** Mutations of real signed OAuth callbacks; a fresh login every minute keeps timestamps inside Shopify's 90 s. */
export function callbackSource(h: Harness, shop: string, seed: number, total: number): CaseSource {
  const plans = fc.sample(callbackPlan, { seed, numRuns: total });
  let next = 0;
  let base: { request: RawRequest; at: number } | undefined;
  return {
    fn: 'shopify/callback',
    label: 'signed mutations',
    async batch(count) {
      if (!base || Date.now() - base.at > 60_000) base = { request: await freshCallback(h, shop), at: Date.now() };
      const original = callbackSignedContent(base.request);
      return plans.slice(next, (next += count)).map((plan) => {
        const request = applyCallbackPlan(base!.request, plan);
        return { request, mustReject: callbackSignedContent(request) !== original };
      });
    },
    // An accepted callback is a real install: it writes the snapshot, registry and tokens.
    acceptedMayWrite: () => true,
  };
}

/** Mutations of Meta's `signed_request` for a data-deletion or deauthorize callback (a user we never saw). */
export function signedRequestSource(target: WebTarget, secret: string, seed: number, total: number): CaseSource {
  const plans = fc.sample(signedRequestPlan, { seed, numRuns: total });
  let next = 0;
  return {
    fn: target.fn,
    label: 'signed mutations',
    batch: async (count) =>
      plans.slice(next, (next += count)).map((plan) => {
        const base = validSignedRequest(secret);
        const { request, value } = applySignedRequestPlan(target.shortPath, base, plan, secret);
        const mustReject = !sameSignedRequest(base, value);
        return { request, mustReject, control: plan.part === 'control' };
      }),
    // An accepted deletion request records its confirmation status.
    acceptedMayWrite: (key) => key.startsWith('private/deletions/') || isDeliveryBookkeeping(key),
  };
}

/**
 * Runs `total` cases of a source, `concurrency` at a time. Each batch is bracketed by a listing of
 * the bucket with ETags: a batch in which nothing was accepted must not change any object, and
 * accepted cases may only make the writes the source allows.
 */
export async function runFuzz(
  h: Harness,
  source: CaseSource,
  total: number,
  options: { concurrency?: number; timeoutMs?: number } = {},
): Promise<FuzzResult> {
  const concurrency = options.concurrency ?? 1;
  const result: FuzzResult = {
    fn: source.fn,
    label: source.label,
    cases: 0,
    unsent: 0,
    statuses: {},
    http5xx: 0,
    forgedTried: 0,
    forgedAccepted: 0,
    controlsTried: 0,
    controlsAccepted: 0,
    violations: [],
  };
  const add = (v: Violation) => void (result.violations.length < 50 && result.violations.push(v));
  while (result.cases < total) {
    const cases = await source.batch(Math.min(concurrency, total - result.cases));
    if (cases.length === 0) break;
    const before = await listObjects(h.s3, h.bucket);
    const observed = await Promise.all(
      cases.map((c) => h.send(c.request, { timeoutMs: options.timeoutMs ?? 35_000, maxSockets: concurrency })),
    );
    const after = await listObjects(h.s3, h.bucket);
    let anyAccepted = false;
    cases.forEach((c, i) => {
      const o = observed[i]!;
      const outcome = outcomeOf(o);
      result.cases++;
      if (outcome === 'unsent') return void result.unsent++;
      result.statuses[o.status] = (result.statuses[o.status] ?? 0) + 1;
      if (o.status >= 500) result.http5xx++;
      const accepted = outcome === 'accepted' || outcome === 'redirected';
      anyAccepted ||= accepted;
      if (c.mustReject) {
        result.forgedTried++;
        if (accepted) {
          result.forgedAccepted++;
          add({
            fn: source.fn,
            property: 'forged-accepted',
            detail: `answered ${o.status} to changed signed content`,
            request: describeRequest(c.request),
          });
        }
      } else if (c.control) {
        result.controlsTried++;
        if (accepted) result.controlsAccepted++;
      }
      for (const v of checkAnswer(source.fn, c.request, o)) add(v);
    });
    for (const crash of h.crashes.poll())
      add({
        fn: crash.name,
        property: 'no-crash',
        detail: `activation ${crash.id}: ${crash.error}`,
        request: describeRequest(cases[0]!.request),
      });
    const { created, changed, deleted } = diffListings(before, after);
    // Flush jobs started by an earlier batch's accepted deliveries delete their bookkeeping while later batches run.
    const asyncCleanup = deleted.filter((key) => isDeliveryBookkeeping(key));
    const writes = [...created, ...changed, ...deleted.filter((key) => !asyncCleanup.includes(key))].filter(
      (key) => !(anyAccepted && source.acceptedMayWrite(key)),
    );
    if (writes.length > 0) {
      const culprit = cases.find((_, i) => outcomeOf(observed[i]!) === 'rejected') ?? cases[0]!;
      add({
        fn: source.fn,
        property: 'no-write-on-reject',
        detail: `objects changed: ${writes.slice(0, 5).join(', ')}`,
        request: describeRequest(culprit.request),
      });
    }
  }
  return result;
}
