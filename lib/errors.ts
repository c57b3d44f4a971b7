/**
 * One error hierarchy for the whole app. Errors that cross HTTP carry their status and a public
 * message that says what was wrong and how to fix it; nothing else about them reaches a caller.
 */

/** Options every app error accepts. */
export interface AppErrorOptions {
  /** Machine-readable reason; defaults to the class's `defaultCode`. */
  code?: string;
  cause?: unknown;
  /** Extra, safe-to-show fields merged into the JSON body. */
  details?: Record<string, unknown>;
}

/** Base of every error the app throws on purpose. */
export abstract class AppError extends Error {
  static defaultCode = 'error';
  abstract readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? (new.target as unknown as { defaultCode: string }).defaultCode;
    this.details = options.details ?? {};
  }

  /** The JSON body a caller sees. */
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** 400: the request is malformed or missing something. */
export class BadRequestError extends AppError {
  static override defaultCode = 'bad_request';
  readonly status = 400;
}

/** 401: a signature, session or token did not verify. */
export class UnauthorizedError extends AppError {
  static override defaultCode = 'unauthorized';
  readonly status = 401;
}

/** 403: verified, but not allowed. */
export class ForbiddenError extends AppError {
  static override defaultCode = 'forbidden';
  readonly status = 403;
}

/** 404: the thing asked for does not exist. */
export class NotFoundError extends AppError {
  static override defaultCode = 'not_found';
  readonly status = 404;
}

/** 405: wrong HTTP method. */
export class MethodNotAllowedError extends AppError {
  static override defaultCode = 'method_not_allowed';
  readonly status = 405;
  constructor(method: string, allowed: readonly string[]) {
    super(`Method ${method} is not allowed here; use ${allowed.join(' or ')}.`, { details: { allowed } });
  }
}

/** 409: the request conflicts with stored state (for example a reused OAuth code). */
export class ConflictError extends AppError {
  static override defaultCode = 'conflict';
  readonly status = 409;
}

/** 413: the body is larger than this endpoint accepts. */
export class PayloadTooLargeError extends AppError {
  static override defaultCode = 'payload_too_large';
  readonly status = 413;
}

/** 500: the deployment is misconfigured (missing or invalid environment variables). */
export class ConfigError extends AppError {
  static override defaultCode = 'config_error';
  readonly status = 500;
  constructor(readonly issues: readonly string[]) {
    super(`Configuration is invalid: ${issues.join('; ')}. Set these in .env (see .env.example) and redeploy.`, {
      details: { issues },
    });
  }
}

/** 502: an upstream platform (Shopify, Meta, Spaces) failed or refused. */
export class UpstreamError extends AppError {
  static override defaultCode = 'upstream_error';
  readonly status: number;
  constructor(
    message: string,
    options: {
      status?: number;
      code?: string;
      cause?: unknown;
      upstreamStatus?: number;
      requestId?: string;
      details?: Record<string, unknown>;
    } = {},
  ) {
    super(message, {
      cause: options.cause,
      ...(options.code ? { code: options.code } : {}),
      details: {
        ...(options.upstreamStatus !== undefined ? { upstream_status: options.upstreamStatus } : {}),
        ...(options.requestId ? { request_id: options.requestId } : {}),
        ...options.details,
      },
    });
    this.status = options.status ?? 502;
  }
}

/** Shopify failed, refused or did not answer. An answer of the wrong shape is an `UpstreamShapeError`. */
export class ShopifyApiError extends UpstreamError {}

/** DigitalOcean answered 429 to a functions API call: the namespace is at its invocation limits. */
export class InvocationThrottledError extends UpstreamError {}

/**
 * 502: an upstream answered, successfully, with a body we do not understand (not JSON, or not the schema we
 * parse). Deliberately not an `UpstreamError`, as ky's `SchemaValidationError` is not a `KyError`: "the
 * upstream is down" is retried and waited out, "the upstream changed its contract" needs a code change.
 */
export class UpstreamShapeError extends AppError {
  static override defaultCode = 'upstream_shape';
  readonly status = 502;
  /** Which platform answered: `shopify`, `facebook`, `spaces` or `functions`. */
  readonly upstream: string;
  constructor(upstream: string, message: string, options: { code?: string; cause?: unknown; requestId?: string } = {}) {
    super(message, {
      cause: options.cause,
      ...(options.code ? { code: options.code } : {}),
      details: options.requestId ? { request_id: options.requestId } : {},
    });
    this.upstream = upstream;
  }
}

/** The Graph API answered with an error. `fbCode`/`fbSubcode` keep Meta's numbers. */
export class FacebookApiError extends UpstreamError {
  constructor(
    message: string,
    readonly fbCode: number | undefined,
    readonly fbSubcode: number | undefined,
    options: { status?: number; code?: string; cause?: unknown; upstreamStatus?: number; requestId?: string } = {},
  ) {
    super(message, { ...options, details: { fb_code: fbCode, fb_subcode: fbSubcode } });
  }
}

/** Spaces refused or failed a read or write. */
export class StorageError extends UpstreamError {}

/** 500: a sealed token was altered, moved to another record, or sealed with another TOKEN_ENCRYPTION_KEY. */
export class TokenBoxError extends AppError {
  static override defaultCode = 'token_unreadable';
  readonly status = 500;
}

/**
 * A bulk JSONL child line named a parent that was already emitted (the re-assembly window was too small).
 * Internal: the bulk sync catches it and re-assembles with an unbounded window.
 */
export class LateChildError extends AppError {
  static override defaultCode = 'bulk_late_child';
  readonly status = 500;
  constructor(readonly parentId: string) {
    super(`A bulk line for ${parentId} arrived after its product was written; re-assembling with an unbounded window.`);
  }
}

/** A conditional write lost a race; the caller re-reads and retries. */
export class PreconditionFailedError extends AppError {
  static override defaultCode = 'precondition_failed';
  readonly status = 409;
}

/** Renders any thrown value as a JSON `Response`; unknown errors become a bare 500 after logging. */
export function toErrorResponse(err: unknown, logError: (message: string) => void = console.error): Response {
  if (err instanceof AppError) {
    if (err.status >= 500) logError(`${err.name}: ${err.message}`);
    return Response.json(err.toJSON(), { status: err.status });
  }
  logError(`Unhandled error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  return Response.json(
    { error: 'internal_error', message: 'Something went wrong on our side; it has been logged. Try again shortly.' },
    { status: 500 },
  );
}
