import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { buildClientSchema, type GraphQLError, type GraphQLSchema, type IntrospectionQuery, parse } from 'graphql';
import { shopifyValidationErrors } from './validation';

/** Admin API version of the bundled introspection (npm `@shopify/dev-mcp` 1.16.0, `dist/data/admin_2026-07.json.gz`). */
export const SCHEMA_VERSION = '2026-07';

// tsx runs this file as CommonJS (`__dirname`), vitest as ESM (`import.meta.url`): support both.
const HERE = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
const SCHEMA_PATH = join(HERE, 'schema', 'admin_2026-07.json.gz');
let cached: GraphQLSchema | undefined;

/** Returns the real Shopify Admin GraphQL schema (2026-07), built once per process. */
export function loadAdminSchema(): GraphQLSchema {
  if (!cached) {
    const json = JSON.parse(gunzipSync(readFileSync(SCHEMA_PATH)).toString('utf8')) as { data: IntrospectionQuery };
    cached = buildClientSchema(json.data, { assumeValid: true });
  }
  return cached;
}

/** Parses and validates a document against the Admin schema; an empty array means Shopify would accept it. */
export function validateAdminDocument(query: string): readonly GraphQLError[] {
  let document;
  try {
    document = parse(query);
  } catch (error) {
    return [error as GraphQLError];
  }
  return shopifyValidationErrors(loadAdminSchema(), document).map((e) => e.error);
}
