import {
  type ASTNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  specifiedRules,
  validate,
  type ValidationRule,
  visit,
} from 'graphql';

/** A validation failure with the body Shopify (graphql-ruby) sends for it. */
export interface ShopifyValidationError {
  error: GraphQLError;
  body: {
    message: string;
    locations?: { line: number; column: number }[];
    path?: string[];
    extensions: Record<string, unknown>;
  };
}

type Mapper = (message: string) => { message: string; extensions: Record<string, unknown> } | null;

// graphql-ruby's codes and wording for the rules apps trip over most; other rules keep graphql-js wording.
const MAPPERS: Record<string, Mapper> = {
  FieldsOnCorrectTypeRule: (m) => {
    const x = /^Cannot query field "(.+?)" on type "(.+?)"\./.exec(m);
    if (!x) return null;
    const typeName = x[2] === 'QueryRoot' || x[2] === 'Query' ? 'QueryRoot' : (x[2] ?? '');
    return {
      message: `Field '${x[1]}' doesn't exist on type '${typeName}'`,
      extensions: { code: 'undefinedField', typeName, fieldName: x[1] },
    };
  },
  ScalarLeafsRule: (m) => {
    const x = /^Field "(.+?)" of type "(.+?)" must have a selection of subfields/.exec(m);
    if (!x) return null;
    const typeName = (x[2] ?? '').replace(/[[\]!]/g, '');
    return {
      message: `Field must have selections (field '${x[1]}' returns ${typeName} but has no selections. Did you mean '${x[1]} { ... }'?)`,
      extensions: { code: 'selectionMismatch', nodeName: `field '${x[1]}'`, typeName },
    };
  },
  KnownArgumentNamesRule: (m) => {
    const x = /^Unknown argument "(.+?)" on field "(.+?)\.(.+?)"\./.exec(m);
    if (!x) return null;
    return {
      message: `Field '${x[3]}' doesn't accept argument '${x[1]}'`,
      extensions: { code: 'argumentNotAccepted', name: x[3], typeName: 'Field', argumentName: x[1] },
    };
  },
  ProvidedRequiredArgumentsRule: (m) => {
    const x = /^Field "(.+?)" argument "(.+?)" of type "(.+?)" is required/.exec(m);
    if (!x) return null;
    return {
      message: `Field '${x[1]}' is missing required arguments: ${x[2]}`,
      extensions: { code: 'missingRequiredArguments', className: 'Field', name: x[1], arguments: x[2] },
    };
  },
};

/** Validates with every graphql-js rule and reshapes the errors the way the Admin API reports them. */
export function shopifyValidationErrors(schema: GraphQLSchema, document: DocumentNode): ShopifyValidationError[] {
  const out: ShopifyValidationError[] = [];
  // One pass in the common (valid) case; rules run one by one only to name the failing rule.
  if (validate(schema, document).length === 0) return out;
  for (const rule of specifiedRules) {
    for (const error of validate(schema, document, [rule as ValidationRule])) {
      const ruleName = (rule as { name: string }).name;
      const mapped = MAPPERS[ruleName]?.(error.message) ?? {
        message: error.message,
        extensions: { code: ruleName.replace(/Rule$/, '').replace(/^./, (c) => c.toLowerCase()) },
      };
      const path = error.nodes?.[0] ? pathTo(document, error.nodes[0]) : undefined;
      out.push({
        error: new GraphQLError(mapped.message, { nodes: error.nodes, extensions: mapped.extensions }),
        body: {
          message: mapped.message,
          ...(error.locations ? { locations: error.locations.map((l) => ({ line: l.line, column: l.column })) } : {}),
          ...(path ? { path } : {}),
          extensions: mapped.extensions,
        },
      });
    }
  }
  return out;
}

/** Returns graphql-ruby's error path to a node: `["query Name", "products", "nodes", "title"]`. */
function pathTo(document: DocumentNode, target: ASTNode): string[] | undefined {
  const stack: string[] = [];
  let found: string[] | undefined;
  visit(document, {
    OperationDefinition: {
      enter: (node) => {
        stack.push(node.name ? `${node.operation} ${node.name.value}` : node.operation);
      },
      leave: () => {
        stack.pop();
      },
    },
    FragmentDefinition: {
      enter: (node) => {
        stack.push(`fragment ${node.name.value}`);
      },
      leave: () => {
        stack.pop();
      },
    },
    Field: {
      enter: (node) => {
        stack.push(node.alias?.value ?? node.name.value);
        if (node === target) found = [...stack];
      },
      leave: () => {
        stack.pop();
      },
    },
    enter: (node) => {
      if (node === target && !found && stack.length > 0) found = [...stack];
    },
  });
  return found;
}
