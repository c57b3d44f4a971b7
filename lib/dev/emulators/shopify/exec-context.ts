import type { GraphQLResolveInfo } from 'graphql';
import type { ShopStore } from './store';

/** Per-request state handed to every resolver. */
export interface ExecContext {
  store: ShopStore;
  /** API version that answers (after fall-forward). */
  version: string;
  /** `http://127.0.0.1:<port>`, for URLs the emulator serves itself (bulk result files). */
  origin: string;
  now: () => number;
  /** Bulk queries: connections ignore `first`/`last` and return every item. */
  bulk: boolean;
  /** Scopes granted to the token (empty: every scope, as when scopes live in the app TOML). */
  scope: string;
  /** Actual cost accumulated while resolving. */
  cost: { actual: number };
  /** Hooks the bulk runner installs (absent inside a bulk query itself). */
  bulkRunner?: BulkRunnerHooks;
}

/** What `bulkOperationRunQuery` / `bulkOperationCancel` need from the emulator. */
export interface BulkRunnerHooks {
  run(ctx: ExecContext, query: string, groupObjects: boolean): unknown;
  cancel(ctx: ExecContext, id: string): unknown;
}

/** Arguments as graphql-js coerced them. */
export type Args = Readonly<Record<string, unknown>>;

/** A field resolver keyed in a map by `Type.field`. */
export type Resolver = (source: never, args: Args, ctx: ExecContext, info: GraphQLResolveInfo) => unknown;

/** Resolvers by `TypeName.fieldName`. */
export type ResolverMap = Record<string, Resolver>;
