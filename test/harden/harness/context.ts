import type { S3Client } from '@aws-sdk/client-s3';
import { issueSessionCookie } from '../../../lib/crypto/session';
import { loadConfig } from '../../../lib/config';
import { createS3Client } from '../../../lib/storage/s3-client';
import type { StackOptions } from '../../../lib/dev/stack';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { closeAgents, sendRaw, type ExchangeSink, type Observed, type RawRequest } from './http';
import { CrashWatch } from './properties';

/** A web function of the host, with both address forms DO serves. */
export interface WebTarget {
  fn: string;
  web: 'raw' | true;
  /** `/api/v1/web/<ns>/<pkg>/<fn>` */
  longPath: string;
  /** `/<pkg>/<fn>` */
  shortPath: string;
}

/** A running stack plus what the harness needs around it. */
export interface Harness {
  stack: TestStack;
  s3: S3Client;
  bucket: string;
  crashes: CrashWatch;
  targets: WebTarget[];
  /** Every exchange the harness made, when recording is on (for the secret scan). */
  exchanges: Array<{ request: RawRequest; observed: Observed }>;
  recording: boolean;
  send(request: RawRequest, options?: { timeoutMs?: number; maxSockets?: number }): Promise<Observed>;
  /** A valid `session_id=…` pair for a user, signed with the stack's secret. */
  sessionCookie(uuid: string, shop?: string, now?: number): Promise<string>;
  close(): Promise<void>;
}

/** Lists the host's web functions (every function whose `web` is not false). */
export function webTargets(stack: TestStack): WebTarget[] {
  return stack.host.urls
    .filter((u) => u.web !== false)
    .map((u) => ({
      fn: u.fn,
      web: u.web === 'raw' ? 'raw' : true,
      longPath: new URL(u.url).pathname,
      shortPath: `/${u.fn}`,
    }));
}

/** Starts the stack the harness runs against (fast emulator clock) and wires recording and crash watching. */
export async function startHarness(
  options: Partial<StackOptions> & { env?: Record<string, string | undefined> } = {},
): Promise<Harness> {
  const stack = await startTestStack({ ...options, shopify: { clockScale: 50, ...options.shopify } });
  const s3 = createS3Client(loadConfig(stack.env, ['spaces']));
  const exchanges: Harness['exchanges'] = [];
  const harness: Harness = {
    stack,
    s3,
    bucket: stack.env.SPACES_BUCKET!,
    crashes: new CrashWatch(stack.host.activations),
    targets: webTargets(stack),
    exchanges,
    recording: false,
    send(request, sendOptions = {}) {
      const sink: ExchangeSink | undefined = harness.recording
        ? (req, observed) => void exchanges.push({ request: req, observed })
        : undefined;
      return sendRaw(stack.host.url, request, { ...sendOptions, ...(sink ? { sink } : {}) });
    },
    async sessionCookie(uuid, shop = 'fuzz-session.myshopify.com', now = Date.now()) {
      const line = await issueSessionCookie(
        { sub: uuid, shop },
        { secret: stack.env.SESSION_SECRET!, appUrl: stack.appUrl, now },
      );
      return line.split(';')[0]!;
    },
    async close() {
      closeAgents();
      s3.destroy();
      await stack.shutdown();
    },
  };
  return harness;
}
