import { z } from 'zod';
import { textField } from './text-field.ts';
import { metadataSchema } from './metadata.ts';
import { runDataSourceSchema } from './run-data-source.ts';

export const createRunRequestSchema = z.object({
  name: textField(512).optional(),
  metadata: metadataSchema.nullable().optional(),
  data_source: runDataSourceSchema,
});

export type CreateRunRequest = z.output<typeof createRunRequestSchema>;

export const runStatuses = ['queued', 'in_progress', 'completed', 'canceled', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const isTerminalStatus = (s: RunStatus): boolean => s === 'completed' || s === 'canceled' || s === 'failed';
