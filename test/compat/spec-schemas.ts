import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * The official OpenAPI subset in the workplace's `../shared/spec` (never copied into the project,
 * architecture §1), compiled with ajv so tests can check response bodies against the published schemas.
 * A clone without `../shared` has no spec: `expectSchema` then checks nothing and `specSkipReason`
 * says why, so the validator's own tests skip with a one-line notice.
 */
const specUrl = new URL('../../../shared/spec/openai-evals-files-graders.openapi.json', import.meta.url);
const specPath = fileURLToPath(specUrl);
const SPEC_ID = 'https://proctor.invalid/shared/spec/openai-evals-files-graders.openapi.json';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type JsonObject = Record<string, unknown>;

/** Why spec validation is off, or undefined when the spec was loaded. */
export const specSkipReason: string | undefined = existsSync(specPath)
  ? undefined
  : `../shared/spec not found (${specPath}): response bodies are not validated against the official OpenAPI schemas`;

/** Every key starting with `x-`, anywhere in the document: OpenAPI vendor extensions. */
function vendorKeys(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) vendorKeys(child, found);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-')) found.add(key);
      else vendorKeys(value, found);
    }
  }
  return found;
}

const nullable = (schema: unknown): JsonObject => ({ anyOf: [schema, { type: 'null' }] });

function schemaOf(schemas: JsonObject, name: string): JsonObject {
  const schema = schemas[name];
  if (schema === null || typeof schema !== 'object') throw new Error(`spec: components.schemas.${name} is missing`);
  return schema as JsonObject;
}

function propertiesOf(schema: JsonObject, name: string): JsonObject {
  const properties = schema['properties'];
  if (properties === null || typeof properties !== 'object') throw new Error(`spec: ${name} has no properties`);
  return properties as JsonObject;
}

function inlineResponseSchema(doc: JsonObject, path: string, method: string): JsonObject {
  const paths = doc['paths'] as Record<string, Record<string, any>>;
  const schema = paths[path]?.[method]?.responses?.['200']?.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`spec: no 200 schema for ${method.toUpperCase()} ${path}`);
  return structuredClone(schema) as JsonObject;
}

/**
 * The documented exceptions, and nothing else:
 * - architecture §1: `EvalRun.per_model_usage`, `per_testing_criteria_results` and `error` are null until
 *   there is something to report (the live service and the spec's own examples do the same).
 * - spec/SOURCE.md: `OpenAIFile.purpose` lacks `evals`, a known defect of the official subset.
 * - architecture §6: list pages carry `first_id`/`last_id` null exactly when `data` is empty.
 * - `EvalRunOutputItem.sample.error` is null on a row without an error, as in the spec's own
 *   example and like `EvalRun.error` (architecture §1's rule: null until there is something to report).
 * The inline 200 bodies of the two delete-eval endpoints get names so tests can refer to them.
 */
function patchedComponents(doc: JsonObject): JsonObject {
  const components = structuredClone(doc['components']) as JsonObject;
  const schemas = components['schemas'] as JsonObject;

  const run = propertiesOf(schemaOf(schemas, 'EvalRun'), 'EvalRun');
  for (const field of ['per_model_usage', 'per_testing_criteria_results', 'error']) run[field] = nullable(run[field]);

  const item = propertiesOf(schemaOf(schemas, 'EvalRunOutputItem'), 'EvalRunOutputItem');
  const sample = propertiesOf(item['sample'] as JsonObject, 'EvalRunOutputItem.sample');
  sample['error'] = nullable(sample['error']);

  const purpose = propertiesOf(schemaOf(schemas, 'OpenAIFile'), 'OpenAIFile')['purpose'] as { enum: string[] };
  if (!purpose.enum.includes('evals')) purpose.enum = [...purpose.enum, 'evals'];

  for (const name of ['EvalList', 'EvalRunList', 'EvalRunOutputItemList', 'ListFilesResponse']) {
    const list = schemaOf(schemas, name);
    const properties = propertiesOf(list, name);
    properties['first_id'] = { type: ['string', 'null'] };
    properties['last_id'] = { type: ['string', 'null'] };
    list['if'] = { properties: { data: { minItems: 1 } }, required: ['data'] };
    list['then'] = { properties: { first_id: { type: 'string' }, last_id: { type: 'string' } } };
    list['else'] = { properties: { first_id: { type: 'null' }, last_id: { type: 'null' } } };
  }

  schemas['DeleteEvalResponse'] = inlineResponseSchema(doc, '/evals/{eval_id}', 'delete');
  schemas['DeleteEvalRunResponse'] = inlineResponseSchema(doc, '/evals/{eval_id}/runs/{run_id}', 'delete');
  return components;
}

function buildAjv(doc: JsonObject): Ajv2020 {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }));
  // OpenAPI's own keywords and vendor extensions are annotations, not assertions.
  for (const keyword of ['discriminator', 'example', 'deprecated', 'readOnly', 'writeOnly', ...vendorKeys(doc)]) {
    if (!ajv.getKeyword(keyword) && !(keyword in ajv.RULES.keywords)) ajv.addKeyword({ keyword });
  }
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  const components = patchedComponents(doc);
  ajv.addSchema({ $id: SPEC_ID, components });
  return ajv;
}

let ajv: Ajv2020 | null = null;
const validators = new Map<string, ValidateFunction>();

function validatorFor(name: string): ValidateFunction {
  const id = SPEC_ID;
  const key = `${id}#${name}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    ajv ??= buildAjv(JSON.parse(readFileSync(specPath, 'utf8')) as JsonObject);
    validate = ajv.compile({ $ref: `${id}#/components/schemas/${name}` });
    validators.set(key, validate);
  }
  return validate;
}

/** The schema names tests use: `components.schemas.*` plus `DeleteEvalResponse` and `DeleteEvalRunResponse`. */
export type SpecSchemaName = string;

/** Problems of `body` against the patched spec schema, or [] when it validates (or the spec is absent). */
export function schemaProblems(body: unknown, name: SpecSchemaName): string[] {
  if (specSkipReason !== undefined) return [];
  const validate = validatorFor(name);
  // Validate what went over the wire: a JSON round trip drops SDK-side undefineds and class wrappers.
  if (validate(JSON.parse(JSON.stringify(body)))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

/** Asserts that `body` validates against `components.schemas[name]` of the official spec. */
export function expectSchema(body: unknown, name: SpecSchemaName): void {
  const problems = schemaProblems(body, name);
  if (problems.length === 0) return;
  assert.fail(`response body does not match spec schema ${name}:\n  ${problems.slice(0, 12).join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
}
