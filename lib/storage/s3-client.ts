import { S3Client } from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext } from '@smithy/types';
import { createHash } from 'node:crypto';

/** Where and how to reach Spaces. */
export interface SpacesConfig {
  SPACES_ENDPOINT: string;
  SPACES_REGION: string;
  SPACES_BUCKET: string;
  SPACES_KEY: string;
  SPACES_SECRET: string;
}

/**
 * A request whose socket stays silent this long is abandoned and retried. Without it a hung Spaces
 * request holds the function until the platform kills it (a 502 without a message); 4 s leaves a
 * webhook (10 s limit) time for one retry. It bounds silence, not transfer time, so large uploads are fine.
 */
export const SPACES_REQUEST_IDLE_TIMEOUT_MS = 4_000;
/** Connecting to Spaces takes milliseconds; a connect that takes longer is retried. */
export const SPACES_CONNECT_TIMEOUT_MS = 2_000;

/** Attempts per Spaces request (the first and three retries). */
export const SPACES_MAX_ATTEMPTS = 4;

/** Wait before retry `attempt` (1-based): 100–200, 200–400, 400–800 ms. */
export function spacesRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(800, 50 * 2 ** attempt);
  return Math.round(base * (1 + random()));
}

/** Builds the S3 client for Spaces: path-style addressing, bounded waits, and no default checksums (Spaces and s3rver mishandle aws-chunked). */
export function createS3Client(config: SpacesConfig): S3Client {
  const client = new S3Client({
    requestHandler: { socketTimeout: SPACES_REQUEST_IDLE_TIMEOUT_MS, connectionTimeout: SPACES_CONNECT_TIMEOUT_MS },
    endpoint: config.SPACES_ENDPOINT,
    region: config.SPACES_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: config.SPACES_KEY, secretAccessKey: config.SPACES_SECRET },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // 503 SlowDown (Spaces' answer past its rate and per-object limits), 5xx and network errors are retried with
    // exponential backoff and jitter. The SDK's default waits up to 0.5/1/2 s after a SlowDown, which alone would use a
    // webhook's 3.5 s budget; these waits (≤ 0.2/0.4/0.8 s) keep the three retries inside it.
    retryStrategy: new ConfiguredRetryStrategy(SPACES_MAX_ATTEMPTS, spacesRetryDelayMs),
    maxAttempts: SPACES_MAX_ATTEMPTS,
    // Given here, so the first request does not look for them in AWS_* variables and ~/.aws files (cold start, issue
    // 14).
    retryMode: 'standard',
    defaultsMode: 'legacy',
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    useArnRegion: false,
    disableS3ExpressSessionAuth: false,
    authSchemePreference: [],
    sigv4aSigningRegionSet: [],
  });
  addDeleteObjectsContentMd5(client);
  return client;
}

/**
 * DeleteObjects with `Content-MD5` instead of the CRC32 the SDK sends since early 2025 (even with `WHEN_REQUIRED`):
 * S3-compatible services that require the MD5 answer 400 otherwise (aws-sdk-js-v3 #6819, #6920). This is the
 * middleware the SDK's supplemental documentation (MD5 fallback) describes, placed before signing.
 */
export function addDeleteObjectsContentMd5(client: S3Client): void {
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<any, any>, context: HandlerExecutionContext): FinalizeHandler<any, any> =>
      async (args: FinalizeHandlerArguments<any>) => {
        const request = args.request as { headers?: Record<string, string>; body?: unknown };
        if (context.commandName === 'DeleteObjectsCommand' && request.headers) {
          for (const name of Object.keys(request.headers)) {
            const lower = name.toLowerCase();
            if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm')
              delete request.headers[name];
          }
          const body = request.body;
          if (typeof body === 'string' || body instanceof Uint8Array) {
            request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
          }
        }
        return next(args);
      },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'deleteObjectsContentMd5', override: true },
  );
}
