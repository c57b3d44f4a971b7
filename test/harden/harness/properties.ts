import type { ActivationStore } from '../../../lib/dev/host/activations';
import { jsonOf, type Observed, type RawRequest } from './http';

/** How a request ended, from the caller's point of view. */
export type Outcome = 'accepted' | 'redirected' | 'rejected' | 'failed' | 'unsent';

/** A broken property, with the request that broke it so it can be replayed. */
export interface Violation {
  fn: string;
  property: 'no-5xx' | 'no-hang' | 'json-4xx' | 'no-crash' | 'no-write-on-reject' | 'forged-accepted';
  detail: string;
  request: { method: string; path: string; headers?: Record<string, string>; bodyPreview?: string; bodyBytes?: number };
}

/** The outcome class of an observed answer. */
export function outcomeOf(observed: Observed): Outcome {
  if (observed.status === -1) return 'unsent';
  if (observed.status === 0 || observed.status >= 500) return 'failed';
  if (observed.status >= 400) return 'rejected';
  if (observed.status >= 300) return 'redirected';
  return 'accepted';
}

/** A short, replayable description of a request for a report. */
export function describeRequest(request: RawRequest): Violation['request'] {
  return {
    method: request.method,
    path: request.path.length > 300 ? `${request.path.slice(0, 300)}…` : request.path,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body
      ? { bodyPreview: request.body.subarray(0, 200).toString('utf8'), bodyBytes: request.body.length }
      : {}),
  };
}

const header = (observed: Observed, name: string) => {
  const value = observed.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Checks one answer: no 5xx, no hang, and every 4xx is JSON. Answers of our functions (they carry an
 * activation id) must hold a `message`; answers the platform gives without running a function hold
 * DO's `error` instead (we do not control DO's own error body).
 */
export function checkAnswer(fn: string, request: RawRequest, observed: Observed): Violation[] {
  const out: Violation[] = [];
  const req = describeRequest(request);
  if (observed.status === 0) out.push({ fn, property: 'no-hang', detail: observed.error ?? 'no answer', request: req });
  if (observed.status >= 500)
    out.push({
      fn,
      property: 'no-5xx',
      detail: `${observed.status} ${observed.body.subarray(0, 300).toString('utf8')}`,
      request: req,
    });
  // Node's HTTP parser refuses oversized headers (431) and raw non-ASCII request lines (400) with an empty answer
  // before any route runs; DO's edge refuses them too, with its own page. Nothing of ours ran.
  const parserRefusal =
    (observed.status === 431 || observed.status === 400) &&
    observed.body.length === 0 &&
    !observed.headers['content-type'];
  if (observed.status >= 400 && observed.status < 500 && request.method !== 'HEAD' && !parserRefusal) {
    const type = header(observed, 'content-type') ?? '';
    const body = jsonOf(observed) as Record<string, unknown> | undefined;
    // `.json`/`.html`/`.svg`/`.text` ask DO to project the result; its own 400 for an unprojectable result is DO's body, not ours.
    const projected = /^\/(?:api\/v1\/web\/[^/]+\/)?[^/]+\/[^/?.]+\.(?:json|html|svg|text)(?:[/?]|$)/.test(
      request.path,
    );
    const fromFunction = header(observed, 'x-openwhisk-activation-id') !== undefined && !projected;
    const field = fromFunction ? 'message' : 'error';
    if (!/json/i.test(type) || !body || typeof body !== 'object' || typeof body[field] !== 'string') {
      out.push({
        fn,
        property: 'json-4xx',
        detail: `${observed.status} (${type}) without a JSON "${field}": ${observed.body.subarray(0, 200).toString('utf8')}`,
        request: req,
      });
    }
  }
  return out;
}

/** One crashed, timed-out or otherwise broken activation. */
export interface DeveloperError {
  name: string;
  id: string;
  error: string;
}

/** Watches the host's activation records for crashes, timeouts and invalid results, reporting each once. */
export class CrashWatch {
  #pointer = 0;
  readonly #seen = new Set<string>();

  constructor(private readonly activations: ActivationStore) {}

  /** Developer errors among activations that ended since the last call. */
  poll(): DeveloperError[] {
    const all = this.activations.list();
    const errors: DeveloperError[] = [];
    let pointerMayMove = true;
    for (let i = this.#pointer; i < all.length; i++) {
      const record = all[i]!;
      if (!record.response) {
        pointerMayMove = false; // still running: look at it again next time
        continue;
      }
      if (pointerMayMove) this.#pointer = i + 1;
      if (this.#seen.has(record.activationId)) continue;
      if (!pointerMayMove) this.#seen.add(record.activationId);
      // A crash the crash matrix injected (host fault mode) is the test, not a finding.
      const injected =
        record.annotations.some((a) => a.key === 'crashAfterSpacesRequests') &&
        /exited unexpectedly/.test(String(record.response.result.error));
      if (
        !injected &&
        (record.response.status === 'action developer error' || record.response.status === 'whisk internal error')
      ) {
        errors.push({
          name: record.name,
          id: record.activationId,
          error: String(record.response.result.error ?? record.response.status),
        });
      }
    }
    return errors;
  }
}
