import { Ajv, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';
import addFormatsModule from 'ajv-formats';
import { badRequest } from '../domain/api-error.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * JSON Schema checks of data rows against an eval's generated `schema`. User schemas may carry
 * keywords ajv does not know (descriptions, vendor extensions), so strict mode is off.
 */
// Patterns in a user's schema run on the server: RE2 matches in linear time, so a pattern such as
// `^(a+)+$` cannot stall the event loop the way a backtracking engine would.
const re2: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const compiled = RE2JS.compile(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
    return { test: (text: string) => compiled.matcher(text).find() };
  },
  { code: 'RE2JS' },
);
const ajv = addFormats(new Ajv({ strict: false, allErrors: false, validateSchema: true, code: { regExp: re2 } }));

export type RowValidator = (row: unknown) => { path: string; message: string } | null;

export function compileRowValidator(schema: Record<string, unknown>, param = 'data_source_config.item_schema'): RowValidator {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw badRequest(`Invalid JSON schema: ${error instanceof Error ? error.message : String(error)}`, param);
  }
  return (row) => {
    if (validate(row)) return null;
    const first = validate.errors?.[0];
    if (!first) return { path: '', message: 'does not match the schema' };
    // '/item/answer' → '.item.answer', '/item/list/0' → '.item.list[0]'
    const path = first.instancePath
      .split('/')
      .slice(1)
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`))
      .join('');
    const missing = first.keyword === 'required' ? `.${String((first.params as { missingProperty?: string }).missingProperty)}` : '';
    const message = first.keyword === 'required' ? 'is required' : (first.message ?? 'is invalid');
    return { path: `${path}${missing}`, message };
  };
}
