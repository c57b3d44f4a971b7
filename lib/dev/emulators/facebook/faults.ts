import { GraphError } from './errors';
import { accessTokenOf, type GraphRequest } from './http';
import { DEFAULT_PAGE_ID } from './pages';
import type { EmulatorState } from './state';
import type { FacebookFault } from './types';

/** Default `estimated_time_to_regain_access` (minutes) of an injected Page throttle. */
export const DEFAULT_REGAIN_ACCESS_MINUTES = 5;

const THROTTLE_MESSAGES: Record<number, string> = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
  80001:
    '(#80001) There have been too many calls to this Page account. Wait a bit and try again. ' +
    'For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.',
};

/** The Page a request concerns: the first path segment when it is a Page id, else the Page of a Page token. */
export function requestPageId(state: EmulatorState, request: GraphRequest): string | undefined {
  const first = request.segments[0];
  if (first !== undefined && state.pages.has(first)) return first;
  const token = accessTokenOf(request);
  return token === undefined ? undefined : state.tokens.get(token)?.pageId;
}

/** Removes and returns the first queued fault that applies to a request about `pageId`. */
export function takeFault(state: EmulatorState, pageId: string | undefined): FacebookFault | undefined {
  const index = state.faults.findIndex((fault) => fault.pageId === undefined || fault.pageId === pageId);
  if (index === -1) return undefined;
  return state.faults.splice(index, 1)[0];
}

/** Builds the throttle error for code 4/17/32/613/80001, with realistic `X-App-Usage` and `X-Business-Use-Case-Usage` headers. */
export function throttleError(
  code: 4 | 17 | 32 | 613 | 80001,
  pageId: string | undefined,
  regainMinutes = DEFAULT_REGAIN_ACCESS_MINUTES,
): GraphError {
  const pageLimited = code === 32 || code === 80001;
  const appUsage = pageLimited
    ? { call_count: 23, total_cputime: 9, total_time: 17 }
    : { call_count: 100, total_cputime: 41, total_time: 63 };
  const bucPage = pageId ?? DEFAULT_PAGE_ID;
  const buc = {
    [bucPage]: [
      {
        type: 'pages',
        call_count: pageLimited ? 100 : 38,
        total_cputime: pageLimited ? 27 : 6,
        total_time: pageLimited ? 44 : 11,
        estimated_time_to_regain_access: pageLimited ? regainMinutes : 0,
      },
    ],
  };
  const headers: Record<string, string> = {
    'x-app-usage': JSON.stringify(appUsage),
    'x-business-use-case-usage': JSON.stringify(buc),
  };
  if (code === 32) headers['x-page-usage'] = JSON.stringify({ call_count: 100, total_cputime: 27, total_time: 44 });
  return new GraphError({
    message: THROTTLE_MESSAGES[code] ?? `(#${code}) Rate limited`,
    code,
    isTransient: true,
    headers,
  });
}

/** Builds the transient server error for an injected 500 (code 1) or 503 (code 2). */
export function serverError(status: 500 | 503): GraphError {
  return status === 500
    ? new GraphError({ message: 'An unknown error has occurred.', code: 1, status, isTransient: true })
    : new GraphError({
        message: 'An unexpected error has occurred. Please retry your request later.',
        code: 2,
        status,
        isTransient: true,
      });
}

/** Waits `ms` unless the emulator closes first. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Bodies of the `malformed` faults: a Graph answer cut off mid-object, and an HTML error page with binary noise. */
export const MALFORMED_BODIES: Record<'truncated' | 'garbage', Buffer> = {
  truncated: Buffer.from('{"id":"101368371725791","name":"Tru', 'utf8'),
  garbage: Buffer.concat([
    Buffer.from('<html><body>502 Bad Gateway</body></html>', 'utf8'),
    Buffer.from([0x00, 0xff, 0xfe, 0x7b]),
  ]),
};

/** Faults that change the transport rather than the Graph answer; the server applies them itself. */
export type TransportFault = Extract<FacebookFault, { reset: true } | { malformed: string }>;

/** True for a fault the server applies at the transport level (reset, malformed body). */
export function isTransportFault(fault: FacebookFault): fault is TransportFault {
  return 'reset' in fault || 'malformed' in fault;
}

/** Applies one consumed fault: waits for a delay fault, throws the error of a throttle or status fault. */
export async function applyFault(
  fault: Exclude<FacebookFault, TransportFault>,
  pageId: string | undefined,
  signal: AbortSignal,
): Promise<void> {
  if ('delayMs' in fault) return delay(fault.delayMs, signal);
  if ('status' in fault) throw serverError(fault.status);
  throw throttleError(fault.code, fault.pageId ?? pageId, fault.regainAccessMinutes);
}
