import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Validates data against a committed JSON Schema under lib/schemas with ajv (independent of zod). */
export function validatorFor(file: string): (data: unknown) => { valid: boolean; errors: string } {
  const schema = JSON.parse(readFileSync(resolve(__dirname, '../../lib/schemas', file), 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (data) => {
    const valid = validate(data) as boolean;
    return { valid, errors: ajv.errorsText(validate.errors) };
  };
}
