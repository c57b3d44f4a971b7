import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { PageDataSchema } from '../../facebook/schemas';
import { ShopifySnapshotSchema } from '../../shopify/schemas';

/** The bot's data contracts: committed JSON Schemas generated from the zod schemas that write the objects. */
export const SCHEMAS: Record<string, { title: string; schema: z.core.$ZodType }> = {
  'shopify_data.schema.json': { title: 'users/<uuid>/shopify/shopify_data.json', schema: ShopifySnapshotSchema },
  'page_data.schema.json': {
    title: 'users/<uuid>/facebook_messenger/<page_id>/page_data.json',
    schema: PageDataSchema,
  },
};

/** Renders one schema file's text. */
export function renderSchema(file: string): string {
  const entry = SCHEMAS[file];
  if (!entry) throw new Error(`unknown schema ${file}`);
  const json = z.toJSONSchema(entry.schema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...json, title: entry.title }, null, 2)}\n`;
}

if (process.argv[1] && /gen-schemas\.ts$/.test(process.argv[1])) {
  for (const file of Object.keys(SCHEMAS)) {
    writeFileSync(resolve(__dirname, '../../schemas', file), renderSchema(file));
    console.log(`wrote lib/schemas/${file}`);
  }
}
