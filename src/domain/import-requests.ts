import { z } from 'zod';
import { storableString } from './text-field.ts';

/**
 * Bodies of Proctor's import extension (`/v1/proctor/import/...`): whole objects as another
 * Evals-API endpoint returned them, ids included. Only what Proctor stores is checked; other
 * fields are ignored.
 */
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be an id of 1-128 letters, digits, or _ . : -');
const count = z.number().int().min(0);
const seconds = z.number().int().min(0);
// Names and metadata reach text and jsonb columns: what PostgreSQL cannot hold there (U+0000, a
// lone surrogate) is refused as everywhere else in the API; the sizes stay the source's business.
const metadata = z.record(storableString(), storableString()).nullable().optional();

export const importEvalSchema = z.object({
  name: storableString().max(1024).nullable().optional(),
  data_source_config: z.record(z.string(), z.unknown()),
  testing_criteria: z.array(z.record(z.string(), z.unknown())),
  metadata,
  created_at: seconds,
});

export const importRunSchema = z.object({
  name: storableString().max(1024).nullable().optional(),
  model: storableString().max(1024).nullable().optional(),
  status: z.enum(['completed', 'failed', 'canceled']),
  data_source: z.record(z.string(), z.unknown()),
  metadata,
  error: z.object({ code: z.string().nullable().optional(), message: z.string().nullable().optional() }).nullable().optional(),
  created_at: seconds,
  result_counts: z.object({ passed: count, failed: count, errored: count }),
  per_testing_criteria_results: z.array(z.object({ testing_criteria: z.string().min(1).max(1024), passed: count, failed: count })).nullable().optional(),
  per_model_usage: z
    .array(
      z.object({
        model_name: z.string().min(1).max(1024),
        invocation_count: count,
        prompt_tokens: count,
        completion_tokens: count,
        total_tokens: count,
        cached_tokens: count.optional(),
      }),
    )
    .nullable()
    .optional(),
});

export const importOutputItemsSchema = z.object({
  data: z
    .array(
      z.object({
        id,
        datasource_item_id: z.number().int().min(0).max(2_147_483_647),
        status: z.string().min(1).max(64),
        datasource_item: z.record(z.string(), z.unknown()),
        results: z.array(z.unknown()),
        sample: z.unknown(),
        created_at: seconds,
      }),
    )
    .max(1000),
});

export const importFileQuerySchema = z.object({
  filename: z.string().min(1).max(512),
  purpose: z.string().min(1).max(64),
  created_at: z.string().regex(/^\d{1,12}$/, 'must be seconds since the epoch').transform(Number),
});

export type ImportEvalRequest = z.output<typeof importEvalSchema>;
export type ImportRunRequest = z.output<typeof importRunSchema>;
export type ImportOutputItemsRequest = z.output<typeof importOutputItemsSchema>;
export type ImportFileQuery = z.output<typeof importFileQuerySchema>;
