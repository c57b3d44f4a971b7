import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMAS, renderSchema } from '../../lib/dev/tools/gen-schemas';

describe('committed JSON Schemas', () => {
  it.each(Object.keys(SCHEMAS))('%s matches the zod schema that writes the object (run npm run schemas)', (file) => {
    expect(readFileSync(resolve(__dirname, '../../lib/schemas', file), 'utf8')).toBe(renderSchema(file));
  });
});
