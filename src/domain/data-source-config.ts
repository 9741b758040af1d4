import { z } from 'zod';
import type { Metadata } from './metadata.ts';
import { metadataSchema } from './metadata.ts';

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
    return {
      type: 'custom',
      schema: {
        type: 'object',
        properties: withSample ? { item: input.item_schema, sample: SAMPLE_SCHEMA } : { item: input.item_schema },
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
