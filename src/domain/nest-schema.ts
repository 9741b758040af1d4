type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keywords whose value is one subschema. */
const ONE = ['items', 'additionalItems', 'contains', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'];
/** Keywords whose value is a list of subschemas. */
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to subschemas (`dependencies` values may also be name lists). */
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies'];

/** An `$id` that starts a new base URI (a bare `#name` is a draft-07 anchor and does not). */
const startsBase = (schema: Json): boolean => typeof schema['$id'] === 'string' && schema['$id'] !== '' && !schema['$id'].startsWith('#');

/**
 * `schema` as it must read when placed at JSON pointer `at` (e.g. `/properties/item`) inside a
 * larger document: local references — `#` (the schema itself, as recursive schemas use it) and
 * `#/…` pointers such as pydantic's `#/$defs/X` or older drafts' `#/definitions/X` — are
 * rewritten to start at `#<at>`, so they still resolve in the new document, for ajv and for any
 * other validator reading the echoed schema. References under an `$id` that starts its own base
 * URI resolve against that, not the document, and are left alone; so is everything when the
 * schema itself has such an `$id`. Values that are data, not schemas (`enum`, `const`, `default`,
 * `examples`), are never touched. The input is not modified.
 */
export function nestSchema(schema: Json, at: string): Json {
  if (startsBase(schema)) return schema;
  return rewrite(schema, `#${at}`) as Json;
}

function rewrite(schema: unknown, prefix: string): unknown {
  if (!isRecord(schema)) return schema; // `true` / `false` schemas, or something ajv will refuse
  const out: Json = { ...schema };
  const ref = schema['$ref'];
  if (typeof ref === 'string' && (ref === '#' || ref.startsWith('#/'))) out['$ref'] = prefix + ref.slice(1);
  for (const key of ONE) {
    const sub = schema[key];
    if (isRecord(sub) && !startsBase(sub)) out[key] = rewrite(sub, prefix);
  }
  for (const key of LIST) {
    const list = schema[key];
    if (Array.isArray(list)) out[key] = list.map((sub) => (isRecord(sub) && startsBase(sub) ? sub : rewrite(sub, prefix)));
  }
  for (const key of MAP) {
    const map = schema[key];
    if (!isRecord(map)) continue;
    // fromEntries defines own properties: a property named `__proto__` stays a property.
    out[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, isRecord(sub) && !startsBase(sub) ? rewrite(sub, prefix) : sub]));
  }
  return out;
}
