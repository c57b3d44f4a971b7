import { type DocumentNode, type GraphQLError, getNamedType, parse, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { toBulkJsonl } from './bulk-jsonl';
import { type ConnectionArgs, paginate, type SortKey, sortByKey } from './connection';
import { type EmulatorCore, schedule } from './core';
import type { BulkRunnerHooks, ExecContext, ResolverMap } from './exec-context';
import { executeUnbounded } from './graphql';
import { gid, isoSeconds } from './ids';
import type { BulkOperationRecord } from './records';
import { loadAdminSchema } from './schema';
import { shopifyValidationErrors } from './validation';
import { allowsConcurrentBulk } from './versions';
import { fireWebhooks } from './webhook-dispatch';

/** Nominal ms (before clock scaling) a bulk query spends CREATED, then RUNNING. */
export const BULK_TIMINGS = { createdMs: 200, runningMs: 1000 } as const;
const MAX_CONNECTIONS = 5;
const MAX_DEPTH = 2;
const IN_PROGRESS = new Set(['CREATED', 'RUNNING', 'CANCELING']);

type UserError = { field: string[] | null; message: string; code: string | null };
const invalid = (message: string): { bulkOperation: null; userErrors: UserError[] } => ({
  bulkOperation: null,
  userErrors: [{ field: ['query'], message, code: 'INVALID' }],
});

/** Checks a bulk query: parses, validates against the schema, 1–5 connections, nesting depth ≤ 2. */
export function bulkQueryProblem(query: string): { problem: string } | { document: DocumentNode } {
  if (!query.trim()) return { problem: 'Invalid bulk query: syntax error, unexpected end of file' };
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { problem: `Invalid bulk query: ${(error as GraphQLError).message}` };
  }
  const errors = shopifyValidationErrors(loadAdminSchema(), document);
  if (errors[0]) return { problem: `Invalid bulk query: ${errors[0].body.message}` };
  const typeInfo = new TypeInfo(loadAdminSchema());
  let connections = 0;
  let depth = 0;
  let maxDepth = 0;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter: () => {
          const def = typeInfo.getFieldDef();
          if (def && getNamedType(def.type).name.endsWith('Connection')) {
            connections++;
            depth++;
            maxDepth = Math.max(maxDepth, depth);
          }
        },
        leave: () => {
          const def = typeInfo.getFieldDef();
          if (def && getNamedType(def.type).name.endsWith('Connection')) depth--;
        },
      },
    }),
  );
  if (connections === 0) return { problem: 'Bulk queries must contain at least one connection.' };
  if (connections > MAX_CONNECTIONS)
    return { problem: `Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.` };
  if (maxDepth > MAX_DEPTH)
    return { problem: `Bulk queries cannot contain connections with a nesting depth greater than ${MAX_DEPTH}.` };
  return { document };
}

/** Creates the bulk runner: the status machine runs on scaled timers, results are served at `/__files/<id>.jsonl`. */
export function createBulkRunner(core: EmulatorCore): BulkRunnerHooks {
  return {
    run(ctx: ExecContext, query: string, groupObjects: boolean) {
      const checked = bulkQueryProblem(query);
      if ('problem' in checked) return invalid(checked.problem);
      const running = [...ctx.store.bulkOperations.values()].filter(
        (op) => op.type === 'QUERY' && IN_PROGRESS.has(op.status),
      );
      if (running.length >= (allowsConcurrentBulk(ctx.version) ? MAX_CONNECTIONS : 1)) {
        const message = `A bulk query operation for this app and shop is already in progress: ${running[0]?.id}.`;
        return { bulkOperation: null, userErrors: [{ field: null, message, code: 'OPERATION_IN_PROGRESS' }] };
      }
      const legacy = ctx.store.ids.next();
      const op: BulkOperationRecord = {
        __typename: 'BulkOperation',
        id: gid('BulkOperation', legacy),
        status: 'CREATED',
        type: 'QUERY',
        errorCode: null,
        createdAt: isoSeconds(core.now()),
        completedAt: null,
        objectCount: '0',
        rootObjectCount: '0',
        fileSize: null,
        url: null,
        partialDataUrl: null,
        query,
      };
      ctx.store.bulkOperations.set(op.id, op);
      const store = ctx.store;
      schedule(core, BULK_TIMINGS.createdMs, () => {
        if (op.status === 'CREATED') op.status = 'RUNNING';
      });
      schedule(core, BULK_TIMINGS.createdMs + BULK_TIMINGS.runningMs, () => {
        void complete(core, ctx.version, op, checked.document, groupObjects, store.domain, legacy);
      });
      return { bulkOperation: op, userErrors: [] };
    },
    cancel(ctx: ExecContext, id: string) {
      const op = ctx.store.bulkOperations.get(id);
      if (!op)
        return { bulkOperation: null, userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }] };
      if (!IN_PROGRESS.has(op.status)) {
        return {
          bulkOperation: op,
          userErrors: [
            { field: null, message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` },
          ],
        };
      }
      op.status = 'CANCELING';
      return { bulkOperation: op, userErrors: [] };
    },
  };
}

async function complete(
  core: EmulatorCore,
  version: string,
  op: BulkOperationRecord,
  document: DocumentNode,
  groupObjects: boolean,
  shop: string,
  legacy: string,
): Promise<void> {
  const store = core.shops.get(shop);
  if (op.status === 'CANCELING') {
    Object.assign(op, { status: 'CANCELED', completedAt: isoSeconds(core.now()) });
  } else {
    const result = await executeUnbounded(store, version, core.origin, core.now, document, bulkResolvers);
    if (result.errors?.length) {
      Object.assign(op, { status: 'FAILED', errorCode: 'INTERNAL_SERVER_ERROR', completedAt: isoSeconds(core.now()) });
    } else {
      const file = toBulkJsonl(result.data as Record<string, unknown>, groupObjects);
      const bytes = Buffer.from(file.text, 'utf8');
      const name = `${legacy}.jsonl`;
      core.files.set(name, bytes);
      Object.assign(op, {
        status: 'COMPLETED',
        completedAt: isoSeconds(core.now()),
        objectCount: String(file.objectCount),
        rootObjectCount: String(file.rootObjectCount),
        fileSize: bytes.length ? String(bytes.length) : null,
        url: bytes.length ? `${core.origin}/__files/${name}` : null,
      });
    }
  }
  await fireWebhooks(core, shop, 'bulk_operations/finish', op.id).catch((error: unknown) => {
    console.error('[shopify-emulator] bulk_operations/finish delivery failed', error);
  });
}

const byId = (op: BulkOperationRecord): SortKey => ({ id: op.id.split('/').pop() ?? '0', value: null });

/** Resolvers for bulk query roots and mutations. */
export const bulkResolvers: ResolverMap = {
  'Mutation.bulkOperationRunQuery': (_s, args, ctx) =>
    ctx.bulkRunner?.run(ctx, String(args.query), args.groupObjects === true) ??
    invalid('Bulk operations are not available'),
  'Mutation.bulkOperationCancel': (_s, args, ctx) => ctx.bulkRunner?.cancel(ctx, String(args.id)) ?? null,
  'QueryRoot.bulkOperation': (_s, args, ctx) => ctx.store.bulkOperations.get(String(args.id)) ?? null,
  'QueryRoot.currentBulkOperation': (_s, args, ctx) =>
    [...ctx.store.bulkOperations.values()].filter((op) => op.type === (args.type ?? 'QUERY')).at(-1) ?? null,
  'QueryRoot.bulkOperations': (_s, args, ctx) => {
    const reverse = args.reverse === true;
    return paginate(sortByKey([...ctx.store.bulkOperations.values()], byId, reverse), args as ConnectionArgs, byId, {
      reverse,
    });
  },
};
