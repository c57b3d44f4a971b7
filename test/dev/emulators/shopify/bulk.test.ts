import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyEmulator } from '../../../../lib/dev/emulators/shopify';
import { gql, install, SHOP, startEmulator } from './helpers';
import { startReceiver } from './receiver';

const RUN = `mutation Run($query: String!) { bulkOperationRunQuery(query: $query, groupObjects: false) {
  bulkOperation { id status } userErrors { field message code } } }`;
const POLL =
  'query Poll($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount fileSize url } } }';
const BULK_QUERY =
  '{ products { edges { node { id title updatedAt variants { edges { node { id sku price inventoryQuantity } } } } } } }';

describe('Shopify emulator bulk operations', () => {
  let emulator: ShopifyEmulator;
  let token: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    emulator = await startEmulator({ clockScale: 20 });
    emulator.seedShop(SHOP, { products: 4, variantsPerProduct: 2 });
    token = await install(emulator);
    receiver = await startReceiver();
    await gql(
      emulator,
      token,
      'mutation($uri: String!) { webhookSubscriptionCreate(topic: BULK_OPERATIONS_FINISH, webhookSubscription: { uri: $uri }) { userErrors { message } } }',
      { uri: receiver.url },
    );
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });

  async function waitFor(id: string): Promise<any> {
    for (let i = 0; i < 100; i++) {
      const op = (await gql(emulator, token, POLL, { id })).body.data.node;
      if (!['CREATED', 'RUNNING', 'CANCELING'].includes(op.status)) return op;
      await sleep(10);
    }
    throw new Error('bulk operation did not finish');
  }

  it('runs CREATED → COMPLETED and serves JSONL with __parentId lines and escaped slashes', async () => {
    // Act
    const run = await gql(emulator, token, RUN, { query: BULK_QUERY });
    const created = run.body.data.bulkOperationRunQuery.bulkOperation;
    const done = await waitFor(created.id);
    const file = await fetch(done.url);
    const text = await file.text();

    // Assess
    expect(created.status).toBe('CREATED');
    expect(run.body.extensions?.cost.requestedQueryCost).toBe(10);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      errorCode: null,
      objectCount: '12',
      rootObjectCount: '4',
      fileSize: String(Buffer.byteLength(text)),
    });
    expect(file.headers.get('content-type')).toBe('application/jsonl');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\{"id":"gid:\\\/\\\/shopify\\\/Product\\\/\d+","title":/);
    const parsed = lines.map((l) => JSON.parse(l) as { id: string; __parentId?: string });
    const seen = new Set<string>();
    for (const row of parsed) {
      if (row.__parentId) expect(seen.has(row.__parentId)).toBe(true); // children come after their parent
      seen.add(row.id);
    }
    expect(parsed.filter((r) => r.__parentId).length).toBe(8);
    await sleep(50);
    const finish = receiver.received.find((r) => r.headers['x-shopify-topic'] === 'bulk_operations/finish');
    expect(JSON.parse(finish?.raw.toString() ?? '{}')).toMatchObject({
      admin_graphql_api_id: created.id,
      status: 'completed',
      type: 'query',
      error_code: null,
    });
  });

  it('allows one bulk query at a time before 2026-01 and five from 2026-01', async () => {
    const old = await gql(emulator, token, RUN, { query: BULK_QUERY }, { version: '2025-10' });
    const blocked = await gql(emulator, token, RUN, { query: BULK_QUERY }, { version: '2025-10' });
    const concurrent = await gql(emulator, token, RUN, { query: BULK_QUERY }, { version: '2026-01' });
    const firstId = old.body.data.bulkOperationRunQuery.bulkOperation.id;
    expect(blocked.body.data.bulkOperationRunQuery).toEqual({
      bulkOperation: null,
      userErrors: [
        {
          field: null,
          message: `A bulk query operation for this app and shop is already in progress: ${firstId}.`,
          code: 'OPERATION_IN_PROGRESS',
        },
      ],
    });
    expect(concurrent.body.data.bulkOperationRunQuery.userErrors).toEqual([]);
    await waitFor(firstId);
  });

  it('rejects bulk queries without a connection or with a syntax error', async () => {
    const none = await gql(emulator, token, RUN, { query: '{ shop { id } }' });
    const empty = await gql(emulator, token, RUN, { query: '' });
    expect(none.body.data.bulkOperationRunQuery.userErrors).toEqual([
      { field: ['query'], message: 'Bulk queries must contain at least one connection.', code: 'INVALID' },
    ]);
    expect(empty.body.data.bulkOperationRunQuery.userErrors[0].message).toBe(
      'Invalid bulk query: syntax error, unexpected end of file',
    );
  });
});
