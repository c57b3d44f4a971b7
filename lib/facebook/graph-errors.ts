import { FacebookApiError } from '../errors';
import { backoffMs } from '../http/clock';
import { GraphErrorSchema } from './schemas';

/** Throttle codes (contract §8): back off, then retry. */
export const THROTTLE_CODES: ReadonlySet<number> = new Set([4, 17, 32, 341, 613, 80001, 80006]);
/** Token and session codes: the merchant must log in again. */
export const TOKEN_CODES: ReadonlySet<number> = new Set([102, 190]);
const isPermissionCode = (code: number | undefined) =>
  code === 3 || code === 10 || (code !== undefined && code >= 200 && code <= 299);

/** A failed Graph call, classified. */
export type GraphFailure =
  | { kind: 'network'; message: string; retryable: true }
  | {
      kind: 'graph';
      status: number;
      code: number | undefined;
      subcode: number | undefined;
      message: string;
      throttled: boolean;
      retryable: boolean;
      /** `estimated_time_to_regain_access` from `X-Business-Use-Case-Usage`, in ms. */
      regainMs: number;
      traceId: string | undefined;
    };

/** Removes anything token-shaped from text Meta sent back, so it can go into messages and logs. */
export function scrubGraphText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out
    .replace(/\bEAA[A-Za-z0-9]{10,}/g, '[redacted]')
    .replace(/(access_token|appsecret_proof|client_secret|fb_exchange_token|code)=[^&\s"]+/gi, '$1=[redacted]')
    .slice(0, 300);
}

/** The longest `estimated_time_to_regain_access` (minutes) in an `X-Business-Use-Case-Usage` header, in ms. */
export function regainAccessMs(header: string | null): number {
  if (!header) return 0;
  try {
    const usage = JSON.parse(header) as Record<string, Array<{ estimated_time_to_regain_access?: unknown }>>;
    let minutes = 0;
    for (const entries of Object.values(usage)) {
      for (const entry of Array.isArray(entries) ? entries : []) {
        const m = Number(entry.estimated_time_to_regain_access);
        if (Number.isFinite(m) && m > minutes) minutes = m;
      }
    }
    return minutes * 60_000;
  } catch {
    return 0;
  }
}

/**
 * Classifies a non-2xx Graph reply: 1/2/`is_transient` and throttles are retryable; 190, 102, 10,
 * 3, 200–299 and 100 never are, whatever `is_transient` says.
 */
export function parseGraphError(
  status: number,
  body: unknown,
  headers: Headers,
  traceId?: string,
  secrets: readonly string[] = [],
): GraphFailure {
  const parsed = GraphErrorSchema.safeParse(body);
  const e = parsed.success ? parsed.data.error : undefined;
  const code = e?.code;
  const throttled = code !== undefined && THROTTLE_CODES.has(code);
  const never = code !== undefined && (TOKEN_CODES.has(code) || code === 100 || isPermissionCode(code));
  const transient = code === 1 || code === 2 || e?.is_transient === true || (!e && status >= 500);
  return {
    kind: 'graph',
    status,
    code,
    subcode: e?.error_subcode,
    message: scrubGraphText(e?.message || `HTTP ${status}`, secrets),
    throttled,
    retryable: !never && (throttled || transient),
    regainMs: throttled ? regainAccessMs(headers.get('x-business-use-case-usage')) : 0,
    traceId: traceId ?? e?.fbtrace_id,
  };
}

/** How long to wait before the next attempt: Meta's regain estimate when it gives one, else jittered backoff. */
export function throttleWaitMs(failure: GraphFailure, attempt: number, random?: () => number): number {
  if (failure.kind === 'graph' && failure.regainMs > 0) return failure.regainMs;
  if (failure.kind === 'graph' && failure.throttled) return backoffMs(attempt, 1000, 8000, random);
  return backoffMs(attempt, 300, 4000, random);
}

/** Turns a classified failure into a `FacebookApiError` whose message says what happened and what to do. */
export function toFacebookApiError(
  label: string,
  failure: GraphFailure,
  options: { budgetExceeded?: boolean } = {},
): FacebookApiError {
  if (failure.kind === 'network') {
    return new FacebookApiError(
      `${label}: ${failure.message}; check FACEBOOK_GRAPH_ORIGIN and try again.`,
      undefined,
      undefined,
      {
        code: 'facebook_unreachable',
        status: 503,
      },
    );
  }
  const { code, subcode } = failure;
  const tag = `(#${code ?? '?'}${subcode !== undefined ? `/${subcode}` : ''})`;
  const meta = { upstreamStatus: failure.status, ...(failure.traceId ? { requestId: failure.traceId } : {}) };
  if (code !== undefined && TOKEN_CODES.has(code)) {
    return new FacebookApiError(
      `${label}: Facebook rejected the access token ${tag}: ${failure.message} It needs re-authorisation: log in again at /facebook/login.`,
      code,
      subcode,
      { ...meta, code: 'facebook_token_invalid', status: 401 },
    );
  }
  if (failure.throttled) {
    const minutes = Math.ceil(failure.regainMs / 60_000);
    const when =
      minutes > 0 ? `access returns in about ${minutes} minute${minutes === 1 ? '' : 's'}` : 'Meta gave no estimate';
    const why = options.budgetExceeded
      ? "that is longer than this call's time budget, so it gave up"
      : 'it kept throttling after several retries';
    return new FacebookApiError(
      `${label}: Meta is rate-limiting these calls ${tag} (${when}); ${why}. The next sync will try again.`,
      code,
      subcode,
      {
        ...meta,
        code: 'facebook_throttled',
        status: 503,
      },
    );
  }
  if (isPermissionCode(code)) {
    return new FacebookApiError(
      `${label}: a permission is missing ${tag}: ${failure.message} Log in again at /facebook/login and grant every requested permission.`,
      code,
      subcode,
      { ...meta, code: 'facebook_permission_missing', status: 403 },
    );
  }
  const retriedOut = failure.retryable ? ' (still failing after retries)' : '';
  return new FacebookApiError(
    `${label}: the Graph API answered ${failure.status} ${tag}: ${failure.message}${retriedOut}`,
    code,
    subcode,
    {
      ...meta,
      code: code === 100 ? 'facebook_bad_request' : 'facebook_error',
    },
  );
}

/** Whether an error means the token is dead and the merchant must log in again (190/102). */
export function isTokenError(err: unknown): err is FacebookApiError {
  return err instanceof FacebookApiError && err.code === 'facebook_token_invalid';
}
