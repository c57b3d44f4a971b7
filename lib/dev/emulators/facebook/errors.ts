import { randomBytes } from 'node:crypto';
import type { TokenState } from './types';

/** The Graph error `type` values the emulator emits (contract §8). */
export type GraphErrorType = 'OAuthException' | 'GraphMethodException' | 'FacebookApiException';

/** Everything needed to render one Graph error body. */
export interface GraphErrorInit {
  message: string;
  type?: GraphErrorType;
  code: number;
  subcode?: number;
  status?: number;
  isTransient?: boolean;
  userTitle?: string;
  userMessage?: string;
  headers?: Record<string, string>;
}

/** A Graph API error that renders as Meta's `{"error":{…}}` envelope with its HTTP status and headers. */
export class GraphError extends Error {
  readonly status: number;
  readonly type: GraphErrorType;
  readonly code: number;
  readonly subcode: number | undefined;
  readonly headers: Record<string, string>;
  private readonly init: GraphErrorInit;

  constructor(init: GraphErrorInit) {
    super(init.message);
    this.name = 'GraphError';
    this.init = init;
    this.status = init.status ?? 400;
    this.type = init.type ?? 'OAuthException';
    this.code = init.code;
    this.subcode = init.subcode;
    this.headers = { ...init.headers };
    if (this.type === 'OAuthException' && !this.headers['www-authenticate']) {
      // Graph pairs OAuthException replies with an RFC 6750 challenge; 190 is the only "invalid_token" one.
      const kind = this.code === 190 ? 'invalid_token' : 'invalid_request';
      this.headers['www-authenticate'] = `OAuth "Facebook Platform" "${kind}" "${init.message.replaceAll('"', "'")}"`;
    }
  }

  /** Renders the JSON body with the given trace id (also sent as `x-fb-trace-id`). */
  toBody(fbtraceId: string): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { message: this.message, type: this.type, code: this.code };
    if (this.subcode !== undefined) error.error_subcode = this.subcode;
    if (this.init.isTransient !== undefined) error.is_transient = this.init.isTransient;
    if (this.init.userTitle) error.error_user_title = this.init.userTitle;
    if (this.init.userMessage) error.error_user_msg = this.init.userMessage;
    error.fbtrace_id = fbtraceId;
    return { error };
  }

  /** Key used by `stats().errors`. */
  get statsKey(): string {
    return this.subcode === undefined ? String(this.code) : `${this.code}/${this.subcode}`;
  }
}

/** A fresh Meta-looking trace id (11 base64url characters). */
export function newTraceId(): string {
  return randomBytes(8).toString('base64url').slice(0, 11);
}

/** `(#100)`-style parameter error, the most common Graph failure. */
export function paramError(message: string, subcode?: number): GraphError {
  return new GraphError({ message, code: 100, ...(subcode === undefined ? {} : { subcode }) });
}

/** The reply for an object id that does not exist or is not visible to the token. */
export function unsupportedRequest(method: string, id: string): GraphError {
  return new GraphError({
    message:
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
      'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
    type: 'GraphMethodException',
    code: 100,
    subcode: 33,
  });
}

/** The reply for a request that carries no access token at all. */
export function missingToken(): GraphError {
  return new GraphError({ message: 'An access token is required to request this resource.', code: 104 });
}

/** The reply for a token the emulator never issued. */
export function unparsableToken(): GraphError {
  return new GraphError({ message: 'Invalid OAuth access token - Cannot parse access token', code: 190 });
}

/** Formats epoch seconds the way Graph's 463 message does ("Tuesday, 01-Jan-26 00:00:00 PST"). */
export function formatFbTime(epochSeconds: number): string {
  const pst = new Date((epochSeconds - 8 * 3600) * 1000);
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${days[pst.getUTCDay()]}, ${two(pst.getUTCDate())}-${months[pst.getUTCMonth()]}-${two(pst.getUTCFullYear() % 100)} ` +
    `${two(pst.getUTCHours())}:${two(pst.getUTCMinutes())}:${two(pst.getUTCSeconds())} PST`
  );
}

/** Context needed to phrase a 190 error for a dead token. */
export interface DeadTokenContext {
  appId: string;
  userId: string;
  nowSeconds: number;
  expiresAt: number;
}

/** The 190 error (HTTP 400 + `WWW-Authenticate`) for a token in a non-valid state (contract §3). */
export function tokenStateError(state: Exclude<TokenState, 'valid'>, ctx: DeadTokenContext): GraphError {
  const prefix = 'Error validating access token: ';
  switch (state) {
    case 'expired': {
      const expired = ctx.expiresAt > 0 && ctx.expiresAt <= ctx.nowSeconds ? ctx.expiresAt : ctx.nowSeconds - 3600;
      const message = `${prefix}Session has expired on ${formatFbTime(expired)}. The current time is ${formatFbTime(ctx.nowSeconds)}.`;
      return new GraphError({ message, code: 190, subcode: 463 });
    }
    case 'password_changed':
      return new GraphError({
        message: `${prefix}The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.`,
        code: 190,
        subcode: 460,
      });
    case 'role_lost':
      return new GraphError({
        message: 'User associated with the Page access token does not have an appropriate role on the Page',
        code: 190,
        subcode: 492,
      });
    case 'app_removed':
      return new GraphError({
        message: `${prefix}User ${ctx.userId} has not authorized application ${ctx.appId}.`,
        code: 190,
        subcode: 458,
      });
    case 'invalid':
      return new GraphError({
        message: `${prefix}The session is invalid because the user logged out.`,
        code: 190,
        subcode: 467,
      });
  }
}
