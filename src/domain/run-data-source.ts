import { z } from 'zod';

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
const fileIdSource = z.object({ type: z.literal('file_id'), id: z.string().min(1) });

export const jsonlDataSourceSchema = z.object({
  type: z.literal('jsonl'),
  source: z.discriminatedUnion('type', [fileContentSource, fileIdSource]),
});

/**
 * Model-sampling sources are validated in full where they are executed; here they only need their
 * discriminator so a request naming them reaches the service, which says what this build supports.
 */
const samplingSource = (type: 'completions' | 'responses') =>
  z.looseObject({ type: z.literal(type), model: z.string().optional(), source: z.looseObject({ type: z.string() }) });

export const runDataSourceSchema = z.discriminatedUnion('type', [
  jsonlDataSourceSchema,
  samplingSource('completions'),
  samplingSource('responses'),
]);

export type JsonlDataSource = z.output<typeof jsonlDataSourceSchema>;
export type RunDataSource = z.output<typeof runDataSourceSchema>;
