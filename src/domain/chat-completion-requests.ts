import { z } from 'zod';
import { metadataSchema } from './metadata.ts';
import { textField } from './text-field.ts';

/**
 * A Chat Completions request to the logging proxy. Only what Proctor acts on is checked; every
 * other parameter goes to the provider as sent, and the provider judges it.
 */
export const createChatCompletionSchema = z.looseObject({
  model: textField(256).refine((m) => m.length > 0, { message: 'model must not be empty' }),
  messages: z.array(z.looseObject({ role: z.string() })).min(1, 'messages must hold at least one message'),
  store: z.boolean().nullable().optional(),
  metadata: metadataSchema.nullable().optional(),
  stream: z.boolean().nullable().optional(),
});

export type CreateChatCompletionRequest = z.output<typeof createChatCompletionSchema>;

export const updateChatCompletionSchema = z.object({ metadata: metadataSchema.nullable() });

const limit = z
  .string()
  .regex(/^\d+$/, 'limit must be an integer')
  .transform(Number)
  .pipe(z.number().int().min(1, 'limit must be between 1 and 100').max(100, 'limit must be between 1 and 100'))
  .optional()
  .transform((v) => v ?? 20);

/** `GET /chat/completions`; `metadata[key]=value` pairs are read apart (they are not flat keys). */
export const listChatCompletionsQuerySchema = z.object({
  after: textField(256).refine((s) => s.length > 0, { message: 'after must not be empty' }).optional(),
  limit,
  order: z.enum(['asc', 'desc']).optional().transform((v) => v ?? 'asc'),
  model: textField(256).optional(),
});
