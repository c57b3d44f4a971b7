import { ShopifyApiError } from '../errors';
import type { Clock } from '../http/clock';
import type { AdminClient } from './admin-client';
import { BULK_OPERATION_QUERY, BULK_RUN_MUTATION } from './queries';

/** A finished bulk operation's file (null url: the query matched nothing). */
export interface BulkResult {
  id: string;
  url: string | null;
  objectCount: number;
  rootObjectCount: number;
}

interface BulkNode {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  url: string | null;
}

/** First poll after this many ms, then ×1.5 per poll up to the cap. */
const POLL_START_MS = 250;
const POLL_CAP_MS = 5_000;
const IN_PROGRESS = new Set(['CREATED', 'RUNNING', 'CANCELING']);
const MAX_START_ATTEMPTS = 8;

async function start(client: AdminClient, query: string, clock: Clock, deadline: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const { data } = await client.query<{
      bulkOperationRunQuery: {
        bulkOperation: { id: string } | null;
        userErrors: Array<{ message: string; code: string | null }>;
      };
    }>(BULK_RUN_MUTATION, { query });
    const { bulkOperation, userErrors } = data.bulkOperationRunQuery;
    if (bulkOperation) return bulkOperation.id;
    const busy = userErrors.some((e) => e.code === 'OPERATION_IN_PROGRESS');
    const wait = Math.min(POLL_CAP_MS * 2, POLL_START_MS * 2 ** attempt);
    // Another bulk query of this app and shop is running (5 allowed from 2026-01, 1 before): wait for a slot.
    if (busy && attempt < MAX_START_ATTEMPTS && clock.now() + wait < deadline) {
      await clock.sleep(wait);
      continue;
    }
    throw new ShopifyApiError(
      `Shopify refused the bulk query: ${userErrors.map((e) => e.message).join('; ') || 'no operation returned'}`,
      {
        code: busy ? 'shopify_bulk_busy' : 'shopify_bulk_refused',
      },
    );
  }
}

/**
 * Runs a bulk query (`groupObjects: false`) and polls `node(id:)` with growing intervals until it
 * completes. Fails with `ShopifyApiError` when it fails, is canceled or outlives `deadline`.
 */
export async function runBulkQuery(
  client: AdminClient,
  query: string,
  options: { clock: Clock; deadline: number },
): Promise<BulkResult> {
  const { clock, deadline } = options;
  const id = await start(client, query, clock, deadline);
  let wait = POLL_START_MS;
  for (;;) {
    await clock.sleep(wait);
    wait = Math.min(POLL_CAP_MS, wait * 1.5);
    const { data } = await client.query<{ node: BulkNode | null }>(BULK_OPERATION_QUERY, { id });
    const op = data.node;
    if (!op) throw new ShopifyApiError(`Bulk operation ${id} disappeared.`, { code: 'shopify_bulk_failed' });
    if (op.status === 'COMPLETED') {
      return { id, url: op.url, objectCount: Number(op.objectCount), rootObjectCount: Number(op.rootObjectCount) };
    }
    if (!IN_PROGRESS.has(op.status)) {
      throw new ShopifyApiError(
        `Bulk operation ${id} ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}; the next sync will retry.`,
        {
          code: 'shopify_bulk_failed',
        },
      );
    }
    if (clock.now() + wait > deadline) {
      throw new ShopifyApiError(
        `Bulk operation ${id} is still ${op.status} at the end of the time budget; the next sync will retry.`,
        {
          code: 'shopify_bulk_timeout',
        },
      );
    }
  }
}
