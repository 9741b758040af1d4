import { z } from 'zod';
import type { Metadata } from './metadata.ts';
import { metadataSchema } from './metadata.ts';
import { nestSchema } from './nest-schema.ts';

/** `data_source_config` as a create-eval request carries it. */
const jsonSchemaObject = z.record(z.string(), z.unknown());

export const createDataSourceConfigSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('custom'),
    item_schema: jsonSchemaObject,
    include_sample_schema: z.boolean().optional(),
  }),
  z.object({ type: z.literal('logs'), metadata: metadataSchema.optional() }),
  z.object({ type: z.literal('stored_completions'), metadata: metadataSchema.optional() }),
]);

export type CreateDataSourceConfig = z.output<typeof createDataSourceConfigSchema>;

/** `data_source_config` as stored and echoed: the generated JSON schema of a row's namespaces. */
export type DataSourceConfig =
  | { type: 'custom'; schema: Record<string, unknown> }
  | { type: 'logs' | 'stored_completions'; metadata: Metadata | null; schema: Record<string, unknown> };

/** What a sampled row offers templates under `sample.` — the shape the hosted service documents. */
const SAMPLE_SCHEMA = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          message: {
            type: 'object',
            properties: {
              role: { type: 'string', enum: ['assistant'] },
              content: { type: ['string', 'null'] },
              refusal: { type: ['boolean', 'null'] },
              tool_calls: { type: ['array', 'null'] },
              function_call: { type: ['object', 'null'] },
            },
            required: ['role'],
          },
          finish_reason: { type: 'string' },
        },
        required: ['index', 'message', 'finish_reason'],
      },
    },
    output_text: { type: 'string' },
    output_json: { type: 'object' },
    output_tools: { type: 'array', items: { type: 'object' } },
  },
  required: ['model', 'choices'],
} as const;

export function buildDataSourceConfig(input: CreateDataSourceConfig): DataSourceConfig {
  if (input.type === 'custom') {
    const withSample = input.include_sample_schema === true;
    // The user's schema moves to /properties/item: its `#/$defs/X` (pydantic) and `#` references must follow it.
    const item = nestSchema(input.item_schema, '/properties/item');
    return {
      type: 'custom',
      schema: {
        type: 'object',
        properties: withSample ? { item, sample: SAMPLE_SCHEMA } : { item },
        required: withSample ? ['item', 'sample'] : ['item'],
      },
    };
  }
  return {
    type: input.type,
    metadata: input.metadata ?? null,
    schema: {
      type: 'object',
      properties: { item: { type: 'object' }, sample: SAMPLE_SCHEMA },
      required: ['item', 'sample'],
    },
  };
}

/**
 * What a supplied `sample` is checked for (architecture §6): types only, never `model` or `choices`
 * required — a row may bring just `output_text`, our own output item's sample, or a whole Chat
 * Completion or Responses object (`completion.model_dump()`), which carry nulls where a field is
 * unset. `output_json` may be any JSON value.
 */
const SAMPLE_TYPES = {
  type: 'object',
  properties: {
    model: { type: ['string', 'null'] },
    choices: { type: ['array', 'null'], items: { type: 'object' } },
    output: { type: ['array', 'null'] },
    output_text: { type: ['string', 'null'] },
    output_tools: { type: ['array', 'null'] },
    finish_reason: { type: ['string', 'null'] },
    usage: { type: ['object', 'null'] },
    temperature: { type: ['number', 'null'] },
    top_p: { type: ['number', 'null'] },
    seed: { type: ['integer', 'null'] },
    max_completion_tokens: { type: ['integer', 'null'] },
  },
} as const;

/**
 * The JSON schema a data row is checked against at run creation: `item` must match the eval's
 * item schema (still at `/properties/item`, where its references point); a `sample` — only
 * `jsonl` rows bring one, a sampling run makes its own — is optional and checked for types.
 */
export function rowSchema(config: DataSourceConfig, withSample: boolean): Record<string, unknown> {
  const properties = (config.schema['properties'] ?? {}) as Record<string, unknown>;
  const item = properties['item'] ?? { type: 'object' };
  return { type: 'object', properties: withSample ? { item, sample: SAMPLE_TYPES } : { item }, required: ['item'] };
}
