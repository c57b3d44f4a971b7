import {
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  isAbstractType,
  isLeafType,
  isObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from './connection';

/** Points charged for each top-level mutation field (contract §5.3). */
export const MUTATION_COST = 10;

/** An error found while costing, in the Admin API's error shape. */
export interface CostError {
  message: string;
  path: string[];
  extensions: { code: string };
}

/** Result of {@link requestedQueryCost}. */
export interface CostAnalysis {
  requested: number;
  errors: CostError[];
}

interface Walk {
  schema: GraphQLSchema;
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
  errors: Map<string, CostError>;
  /** Bulk queries ignore `first`/`last`. */
  bulk: boolean;
}

/**
 * Computes `requestedQueryCost` from the document alone: scalars and enums 0, objects 1, connections 2 + (first|last) × node cost,
 * abstract types the dearest branch, each mutation field 10; also reports connections without (or with both) `first`/`last` or over 250.
 */
export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  options: { bulk?: boolean } = {},
): CostAnalysis {
  const walk: Walk = { schema, variables, fragments, errors: new Map(), bulk: options.bulk ?? false };
  if (operation.operation === 'mutation') {
    const fields = operation.selectionSet.selections.filter(
      (s) => s.kind === 'Field' && !s.name.value.startsWith('__'),
    );
    return { requested: fields.length * MUTATION_COST, errors: [] };
  }
  const root = schema.getQueryType();
  const requested = root ? concreteCost(walk, operation.selectionSet, root, []) : 0;
  return { requested, errors: [...walk.errors.values()] };
}

function selectionCost(
  walk: Walk,
  set: SelectionSetNode | undefined,
  type: GraphQLCompositeType,
  path: string[],
): number {
  if (!set) return 0;
  if (!isAbstractType(type)) return concreteCost(walk, set, type, path);
  let max = 0;
  for (const concrete of walk.schema.getPossibleTypes(type))
    max = Math.max(max, concreteCost(walk, set, concrete, path));
  return max;
}

function concreteCost(walk: Walk, set: SelectionSetNode, type: GraphQLObjectType, path: string[]): number {
  let total = 0;
  for (const sel of set.selections) {
    if (!included(walk, sel)) continue;
    if (sel.kind === 'Field') {
      const def = type.getFields()[sel.name.value];
      if (def) total += fieldCost(walk, sel, def, [...path, sel.alias?.value ?? sel.name.value]);
    } else {
      const fragment = sel.kind === 'InlineFragment' ? sel : walk.fragments[sel.name.value];
      if (fragment && applies(walk, fragment.typeCondition?.name.value, type))
        total += concreteCost(walk, fragment.selectionSet, type, path);
    }
  }
  return total;
}

function fieldCost(walk: Walk, node: FieldNode, def: GraphQLField<unknown, unknown>, path: string[]): number {
  const named = getNamedType(def.type);
  if (isLeafType(named)) return 0;
  if (isConnection(def)) {
    const args = argumentsOf(walk, def, node);
    const first = typeof args.first === 'number' ? args.first : null;
    const last = typeof args.last === 'number' ? args.last : null;
    if (!walk.bulk) checkPageArgs(walk, first, last, path);
    const size = walk.bulk ? 1 : Math.min(first ?? last ?? 0, MAX_PAGE_SIZE);
    return 2 + size * connectionNodeCost(walk, node.selectionSet, named as GraphQLObjectType, path);
  }
  return 1 + selectionCost(walk, node.selectionSet, named as GraphQLCompositeType, path);
}

/** Cost of one node of a connection: the dearer of its `nodes { … }` and `edges { node { … } }` selections. */
function connectionNodeCost(
  walk: Walk,
  set: SelectionSetNode | undefined,
  type: GraphQLObjectType,
  path: string[],
): number {
  let max = 0;
  for (const sel of set?.selections ?? []) {
    if (sel.kind !== 'Field' || !included(walk, sel)) continue;
    const def = type.getFields()[sel.name.value];
    if (!def) continue;
    const child = getNamedType(def.type);
    const childPath = [...path, sel.alias?.value ?? sel.name.value];
    if (sel.name.value === 'nodes')
      max = Math.max(max, 1 + selectionCost(walk, sel.selectionSet, child as GraphQLCompositeType, childPath));
    if (sel.name.value === 'edges' && isObjectType(child))
      max = Math.max(max, connectionNodeCost(walk, sel.selectionSet, child, childPath));
    if (sel.name.value === 'node')
      max = Math.max(max, 1 + selectionCost(walk, sel.selectionSet, child as GraphQLCompositeType, childPath));
  }
  return max;
}

/** Tells connection fields (paginated with `first`/`last`) from plain object fields. */
export function isConnection(def: GraphQLField<unknown, unknown>): boolean {
  return getNamedType(def.type).name.endsWith('Connection') && def.args.some((a) => a.name === 'first');
}

function checkPageArgs(walk: Walk, first: number | null, last: number | null, path: string[]): void {
  let message: string | null = null;
  if (first === null && last === null) message = 'you must provide one of first or last';
  else if (first !== null && last !== null) message = 'providing both first and last is not supported';
  else if ((first ?? last ?? 0) > MAX_PAGE_SIZE)
    message = `The ${first !== null ? 'first' : 'last'} argument must be less than or equal to ${MAX_PAGE_SIZE}.`;
  if (message) walk.errors.set(`${path.join('.')}|${message}`, { message, path, extensions: { code: 'BAD_REQUEST' } });
}

function argumentsOf(walk: Walk, def: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, walk.variables);
  } catch {
    return {};
  }
}

function included(walk: Walk, node: { readonly directives?: readonly DirectiveNode[] }): boolean {
  if (!node.directives?.length) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, walk.variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, walk.variables)?.if !== false;
}

function applies(walk: Walk, condition: string | undefined, type: GraphQLObjectType): boolean {
  if (!condition || condition === type.name) return true;
  const target = walk.schema.getType(condition);
  return target !== undefined && target !== null && isAbstractType(target) && walk.schema.isSubType(target, type);
}
