import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { buildDataSourceConfig, rowSchema } from './data-source-config.ts';
import { nestSchema } from './nest-schema.ts';

/** Validates `row` against the eval schema built from `itemSchema`, as the run service does. */
function check(itemSchema: Record<string, unknown>, item: unknown): boolean {
  const config = buildDataSourceConfig({ type: 'custom', item_schema: itemSchema, include_sample_schema: true });
  // A fresh ajv each time: every compile must stand on the document alone.
  const ajv = new Ajv({ strict: false });
  // The echoed schema itself resolves, and so does the schema rows are checked against.
  ajv.compile(config.schema);
  return new Ajv({ strict: false }).compile(rowSchema(config, true))({ item });
}

// What pydantic's `model_json_schema()` gives for `class Order(BaseModel): customer: Customer; items: list[Line]`.
const PYDANTIC = {
  $defs: {
    Customer: { properties: { name: { title: 'Name', type: 'string' } }, required: ['name'], title: 'Customer', type: 'object' },
    Line: { properties: { sku: { title: 'Sku', type: 'string' }, qty: { title: 'Qty', type: 'integer' } }, required: ['sku', 'qty'], title: 'Line', type: 'object' },
  },
  properties: { customer: { $ref: '#/$defs/Customer' }, items: { items: { $ref: '#/$defs/Line' }, title: 'Items', type: 'array' } },
  required: ['customer', 'items'],
  title: 'Order',
  type: 'object',
};

describe('nestSchema', () => {
  it('moves local references with the schema: $defs, definitions, the root, nested $defs', () => {
    const nested = nestSchema(
      {
        $ref: '#/definitions/A',
        definitions: { A: { type: 'object', properties: { b: { $ref: '#/definitions/A/definitions/B' } }, definitions: { B: { type: 'string' } } } },
        properties: { self: { $ref: '#' }, list: { type: 'array', items: [{ $ref: '#/$defs/X' }], additionalItems: { $ref: '#/$defs/X' } } },
        $defs: { X: { anyOf: [{ $ref: '#/$defs/X' }, { type: 'null' }] } },
      },
      '/properties/item',
    );
    assert.equal(nested['$ref'], '#/properties/item/definitions/A');
    const defs = nested['definitions'] as Record<string, Record<string, any>>;
    assert.equal(defs['A']!['properties']['b']['$ref'], '#/properties/item/definitions/A/definitions/B');
    const props = nested['properties'] as Record<string, Record<string, any>>;
    assert.equal(props['self']!['$ref'], '#/properties/item');
    assert.equal(props['list']!['items'][0]['$ref'], '#/properties/item/$defs/X');
    assert.equal(props['list']!['additionalItems']['$ref'], '#/properties/item/$defs/X');
    assert.equal((nested['$defs'] as any).X.anyOf[0].$ref, '#/properties/item/$defs/X');
  });

  it('leaves data, remote references, anchors and subschemas with their own $id alone; does not modify its input', () => {
    const input = {
      properties: {
        a: { default: { $ref: '#/x' }, enum: [{ $ref: '#/y' }], const: { $ref: '#' }, examples: [{ $ref: '#' }] },
        b: { $ref: 'https://example.com/s.json#/defs/x' },
        c: { $ref: '#anchor' },
        d: { $id: 'https://example.com/d', $defs: { Y: { type: 'string' } }, properties: { y: { $ref: '#/$defs/Y' } } },
        $ref: { type: 'string' }, // a property named $ref is a schema, not a reference
      },
    };
    const copy = structuredClone(input);
    const nested = nestSchema(input, '/properties/item') as any;
    assert.deepEqual(input, copy);
    assert.deepEqual(nested.properties.a, input.properties.a);
    assert.equal(nested.properties.b.$ref, 'https://example.com/s.json#/defs/x');
    assert.equal(nested.properties.c.$ref, '#anchor');
    assert.equal(nested.properties.d.properties.y.$ref, '#/$defs/Y');
    assert.deepEqual(nested.properties.$ref, { type: 'string' });
  });

  it('keeps a property named __proto__ a property', () => {
    const input = JSON.parse('{"properties":{"__proto__":{"$ref":"#/$defs/X"}},"$defs":{"X":{"type":"string"}}}') as Record<string, unknown>;
    const nested = nestSchema(input, '/properties/item') as any;
    assert.ok(Object.hasOwn(nested.properties, '__proto__'));
    assert.equal(nested.properties['__proto__'].$ref, '#/properties/item/$defs/X');
  });

  it('a schema with its own base $id is left as it is (its references resolve against that)', () => {
    const schema = { $id: 'https://example.com/order', $defs: { X: { type: 'string' } }, properties: { x: { $ref: '#/$defs/X' } } };
    assert.equal(nestSchema(schema, '/properties/item'), schema);
    assert.equal(check(schema, { x: 'a' }), true);
    assert.equal(check(schema, { x: 1 }), false);
  });

  it('pydantic model_json_schema(): rows are checked through the references, in the echoed schema too', () => {
    assert.equal(check(PYDANTIC, { customer: { name: 'Ada' }, items: [{ sku: 'a', qty: 2 }] }), true);
    assert.equal(check(PYDANTIC, { customer: { name: 'Ada' }, items: [{ sku: 'a', qty: 'two' }] }), false);
    assert.equal(check(PYDANTIC, { customer: {}, items: [] }), false);
  });

  it('a $ref at the root, a relative $id, and a draft 2020-12 schema as zod.toJSONSchema() writes it', () => {
    const rootRef = { $ref: '#/$defs/Order', $defs: { Order: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } };
    assert.equal(check(rootRef, { n: 1 }), true);
    assert.equal(check(rootRef, { n: 'x' }), false);
    const relative = { $id: 'Order', $defs: { X: { type: 'integer' } }, type: 'object', properties: { n: { $ref: '#/$defs/X' } } };
    assert.equal(check(relative, { n: 1 }), true);
    assert.equal(check(relative, { n: 'x' }), false);
    const zod = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#' } } }, required: ['n'], additionalProperties: false };
    assert.equal(check(zod, { n: 1, kids: [{ n: 2 }] }), true);
    assert.equal(check(zod, { n: 1, kids: [{ n: 'x' }] }), false);
  });

  it('a recursive schema ($ref to the root) and a draft-04-style definitions schema', () => {
    const tree = { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['value'] };
    assert.equal(check(tree, { value: 1, children: [{ value: 2, children: [{ value: 3 }] }] }), true);
    assert.equal(check(tree, { value: 1, children: [{ children: [] }] }), false);
    const old = { definitions: { name: { type: 'string', minLength: 1 } }, type: 'object', properties: { first: { $ref: '#/definitions/name' } } };
    assert.equal(check(old, { first: 'x' }), true);
    assert.equal(check(old, { first: '' }), false);
  });
});

describe('rowSchema', () => {
  const config = buildDataSourceConfig({ type: 'custom', item_schema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }, include_sample_schema: true });
  const valid = new Ajv({ strict: false }).compile(rowSchema(config, true));

  it('a jsonl row sample is checked for types only: never model or choices required', () => {
    assert.equal(valid({ item: { q: 'a' } }), true);
    assert.equal(valid({ item: { q: 'a' }, sample: { output_text: 'x' } }), true);
    // completion.model_dump(): nulls where unset
    const completion = {
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', system_fingerprint: null, service_tier: 'default',
      choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: 'hi', refusal: null, tool_calls: null, function_call: null, audio: null, annotations: [] } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, prompt_tokens_details: null, completion_tokens_details: null },
    };
    assert.equal(valid({ item: { q: 'a' }, sample: completion }), true);
    const response = { id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-4.1', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [] }] }], temperature: 1.0, top_p: 1.0, max_output_tokens: null, usage: null, error: null };
    assert.equal(valid({ item: { q: 'a' }, sample: response }), true);
    assert.equal(valid({ item: { q: 'a' }, sample: { output_json: [1, 2] } }), true);
  });

  it('wrong types and bad items are refused', () => {
    assert.equal(valid({ item: { q: 1 }, sample: { output_text: 'x' } }), false);
    assert.equal(valid({ item: { q: 'a' }, sample: { output_text: 5 } }), false);
    assert.equal(valid({ item: { q: 'a' }, sample: { model: 5 } }), false);
    assert.equal(valid({ item: { q: 'a' }, sample: { choices: 'x' } }), false);
    assert.equal(valid({ item: { q: 'a' }, sample: 'text' }), false);
  });

  it('a sampling run checks only the item', () => {
    const itemOnly = new Ajv({ strict: false }).compile(rowSchema(config, false));
    assert.equal(itemOnly({ item: { q: 'a' } }), true);
    assert.equal(itemOnly({ item: {} }), false);
  });
});
