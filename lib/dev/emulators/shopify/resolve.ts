import {
  getNamedType,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLTypeResolver,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import type { ExecContext, ResolverMap } from './exec-context';

const SCALAR_DEFAULTS: Record<string, unknown> = {
  Int: 0,
  Float: 0,
  Boolean: false,
  Decimal: '0.0',
  Money: '0.0',
  UnsignedInt64: '0',
  DateTime: '1970-01-01T00:00:00Z',
  JSON: {},
};

/**
 * Builds the one field resolver graphql-js calls for every field: a `Type.field` resolver from the map, else the plain property
 * (called when it is a function), else a type-shaped default so unknown-but-valid fields never crash. It also meters actual cost.
 */
export function createFieldResolver(resolvers: ResolverMap): GraphQLFieldResolver<unknown, ExecContext> {
  return (source, args, ctx, info) => {
    const custom = resolvers[`${info.parentType.name}.${info.fieldName}`];
    let value: unknown;
    if (custom) value = custom(source as never, args, ctx, info);
    else {
      const own =
        source !== null && typeof source === 'object' ? (source as Record<string, unknown>)[info.fieldName] : undefined;
      value = typeof own === 'function' ? (own as (a: unknown, c: unknown) => unknown)(args, ctx) : own;
    }
    if (value === undefined) value = fallback(info.returnType);
    charge(ctx, info.parentType.name, info.fieldName, info.returnType, value);
    return value;
  };
}

/** Resolves abstract types from the `__typename` every store object carries. */
export const typeResolver: GraphQLTypeResolver<unknown, ExecContext> = (value) =>
  value !== null && typeof value === 'object'
    ? ((value as { __typename?: string }).__typename ?? undefined)
    : undefined;

/** Returns an empty connection page. */
export function emptyConnection(): object {
  return {
    edges: [],
    nodes: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  };
}

function fallback(type: GraphQLOutputType): unknown {
  if (!isNonNullType(type)) return null;
  const inner = type.ofType;
  if (isListType(inner)) return [];
  if (isScalarType(inner)) return SCALAR_DEFAULTS[inner.name] ?? '';
  if (isEnumType(inner)) return inner.getValues()[0]?.value ?? null;
  if (isObjectType(inner)) return inner.name.endsWith('Connection') ? emptyConnection() : {};
  return null;
}

/** Actual cost: 2 per returned connection, 1 per returned node or object; edges and pageInfo are free; mutations are flat-rate. */
function charge(ctx: ExecContext, parent: string, field: string, type: GraphQLOutputType, value: unknown): void {
  if (value === null || value === undefined || parent === 'Mutation' || ctx.bulk) return;
  const named = getNamedType(type);
  if (isLeafType(named) || named.name === 'PageInfo') return;
  if (parent.endsWith('Connection')) {
    if (field === 'nodes' && Array.isArray(value)) ctx.cost.actual += value.length;
    return;
  }
  if (named.name.endsWith('Connection') && typeof (value as { pageInfo?: unknown }).pageInfo === 'object') {
    ctx.cost.actual += 2;
    return;
  }
  ctx.cost.actual += 1;
}
