import { z } from 'zod';
import { textField } from './text-field.ts';
import { createDataSourceConfigSchema } from './data-source-config.ts';
import { testingCriterionSchema } from './grader-config.ts';
import { metadataSchema } from './metadata.ts';

export const createEvalRequestSchema = z.object({
  name: textField(512).optional(),
  metadata: metadataSchema.nullable().optional(),
  data_source_config: createDataSourceConfigSchema,
  testing_criteria: z.array(testingCriterionSchema).max(64, 'an eval holds at most 64 testing criteria'),
});

export const updateEvalRequestSchema = z.object({
  name: textField(512).optional(),
  metadata: metadataSchema.nullable().optional(),
});

export type CreateEvalRequest = z.output<typeof createEvalRequestSchema>;
export type UpdateEvalRequest = z.output<typeof updateEvalRequestSchema>;
