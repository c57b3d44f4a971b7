/**
 * One error hierarchy for the whole app. Errors that cross HTTP carry their status and a public
 * message that says what was wrong and how to fix it; nothing else about them reaches a caller.
 */

/** Base of every error the app throws on purpose. */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra, safe-to-show fields merged into the JSON body. */
  readonly details: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
  }

  /** The JSON body a caller sees. */
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** 400: the request is malformed or missing something. */
export class BadRequestError extends AppError {
  readonly status = 400;
  readonly code: string;
  constructor(message: string, options: { code?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options);
    this.code = options.code ?? 'bad_request';
  }
}

/** 401: a signature, session or token did not verify. */
export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code: string;
  constructor(message: string, options: { code?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options);
    this.code = options.code ?? 'unauthorized';
  }
}

/** 403: verified, but not allowed. */
export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code: string;
  constructor(message: string, options: { code?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options);
    this.code = options.code ?? 'forbidden';
  }
}

/** 404: the thing asked for does not exist. */
export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

/** 405: wrong HTTP method. */
export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  constructor(method: string, allowed: readonly string[]) {
    super(`Method ${method} is not allowed here; use ${allowed.join(' or ')}.`, { details: { allowed } });
  }
}

/** 409: the request conflicts with stored state (for example a reused OAuth code). */
export class ConflictError extends AppError {
  readonly status = 409;
  readonly code: string;
  constructor(message: string, options: { code?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options);
    this.code = options.code ?? 'conflict';
  }
}

/** 413: the body is larger than this endpoint accepts. */
export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** 500: the deployment is misconfigured (missing or invalid environment variables). */
export class ConfigError extends AppError {
  readonly status = 500;
  readonly code = 'config_error';
  constructor(readonly issues: readonly string[]) {
    super(`Configuration is invalid: ${issues.join('; ')}. Set these in .env (see .env.example) and redeploy.`, {
      details: { issues },
    });
  }
}

/** 502: an upstream platform (Shopify, Meta, Spaces) failed or refused. */
export class UpstreamError extends AppError {
  readonly status: number;
  readonly code: string;
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
      details: {
        ...(options.upstreamStatus !== undefined ? { upstream_status: options.upstreamStatus } : {}),
        ...(options.requestId ? { request_id: options.requestId } : {}),
        ...options.details,
      },
    });
    this.status = options.status ?? 502;
    this.code = options.code ?? 'upstream_error';
  }
}

/** Shopify answered with an error, or with a shape we do not understand. */
export class ShopifyApiError extends UpstreamError {}

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

/** A conditional write lost a race; the caller re-reads and retries. */
export class PreconditionFailedError extends AppError {
  readonly status = 409;
  readonly code = 'precondition_failed';
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
