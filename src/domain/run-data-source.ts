import { z } from 'zod';
import { evalItemSchema } from './eval-item.ts';
import { metadataSchema } from './metadata.ts';
import { textField } from './text-field.ts';

/** A jsonl row: `item` is the row's data; `sample` an optional pre-generated model output. */
export const jsonlRowSchema = z.object({
  item: z.record(z.string(), z.unknown()),
  sample: z.record(z.string(), z.unknown()).optional(),
});
export type JsonlRow = z.output<typeof jsonlRowSchema>;

const fileContentSource = z.object({
  type: z.literal('file_content'),
  content: z.array(jsonlRowSchema),
});
// The id is looked up in a text column: it must be text PostgreSQL can compare (no U+0000).
const fileIdSource = z.object({ type: z.literal('file_id'), id: textField(256).refine((id) => id.length > 0, { message: 'id must not be empty' }) });

export const jsonlDataSourceSchema = z.object({
  type: z.literal('jsonl'),
  source: z.discriminatedUnion('type', [fileContentSource, fileIdSource]),
});

/** `input_messages`: a template rendered per row, or a reference to a message array in the row. */
const inputMessagesSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('template'), template: z.array(evalItemSchema).min(1).max(256) }),
  z.object({
    type: z.literal('item_reference'),
    item_reference: z.string().regex(/^item(\.|\[)/, "item_reference must name a field of the row, e.g. 'item.messages'").max(1024),
  }),
]);

const reasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

/** Sampling parameters common to both APIs; the spellings the service accepts are kept for echo. */
const commonSampling = {
  reasoning_effort: reasoningEffort.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  max_completions_tokens: z.number().int().min(1).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
};

const completionsSamplingSchema = z.object({
  ...commonSampling,
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
  tools: z.array(z.looseObject({ type: z.string() })).max(128).optional(),
});

const responsesSamplingSchema = z.object({
  ...commonSampling,
  tools: z.array(z.looseObject({ type: z.string() })).max(128).optional(),
  text: z.object({ format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }) }).optional(),
});

/** Sources that read logged traffic instead of a file (`stored_completions`, `responses`). */
const storedCompletionsSource = z.object({
  type: z.literal('stored_completions'),
  // Both are filters in SQL (a jsonb containment test, a text comparison).
  metadata: metadataSchema.nullable().optional(),
  model: textField(256).nullable().optional(),
  created_after: z.number().int().nullable().optional(),
  created_before: z.number().int().nullable().optional(),
  limit: z.number().int().min(1).nullable().optional(),
});
const responsesLogSource = z.looseObject({ type: z.literal('responses') });

const modelName = textField(256).refine((m) => m.length > 0, { message: 'model must not be empty' });

export const completionsDataSourceSchema = z.object({
  type: z.literal('completions'),
  input_messages: inputMessagesSchema.optional(),
  sampling_params: completionsSamplingSchema.optional(),
  model: modelName.optional(),
  source: z.discriminatedUnion('type', [fileContentSource, fileIdSource, storedCompletionsSource]),
});

export const responsesDataSourceSchema = z.object({
  type: z.literal('responses'),
  input_messages: inputMessagesSchema.optional(),
  sampling_params: responsesSamplingSchema.optional(),
  model: modelName.optional(),
  source: z.discriminatedUnion('type', [fileContentSource, fileIdSource, responsesLogSource]),
});

export const runDataSourceSchema = z.discriminatedUnion('type', [jsonlDataSourceSchema, completionsDataSourceSchema, responsesDataSourceSchema]);

export type CompletionsDataSource = z.output<typeof completionsDataSourceSchema>;
export type ResponsesDataSource = z.output<typeof responsesDataSourceSchema>;
export type SamplingDataSource = CompletionsDataSource | ResponsesDataSource;
export type InputMessages = z.output<typeof inputMessagesSchema>;
export type JsonlDataSource = z.output<typeof jsonlDataSourceSchema>;
export type RunDataSource = z.output<typeof runDataSourceSchema>;
