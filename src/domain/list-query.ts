import { z } from 'zod';
import { textField } from './text-field.ts';

/**
 * Query strings of the list endpoints. Values arrive as text, so limits are parsed here and
 * anything odd (`limit=abc`, `limit=0`, `order=sideways`) is a 400 naming the parameter.
 */
const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'limit must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1, `limit must be between 1 and ${max}`).max(max, `limit must be between 1 and ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

const order = (fallback: 'asc' | 'desc') => z.enum(['asc', 'desc']).optional().transform((v) => v ?? fallback);
const after = textField(256).refine((s) => s.length > 0, { message: 'after must not be empty' }).optional();

export const listEvalsQuerySchema = z.object({
  after,
  limit: limit(100, 20),
  order: order('asc'),
  order_by: z.enum(['created_at', 'updated_at']).optional().transform((v) => v ?? 'created_at'),
});

export const listRunsQuerySchema = z.object({
  after,
  limit: limit(100, 20),
  order: order('asc'),
  status: z.enum(['queued', 'in_progress', 'completed', 'canceled', 'failed']).optional(),
});

export const listOutputItemsQuerySchema = z.object({
  after,
  limit: limit(100, 20),
  order: order('asc'),
  status: z.enum(['pass', 'fail']).optional(),
});

export const listFilesQuerySchema = z.object({
  after,
  limit: limit(10_000, 10_000),
  order: order('desc'),
  purpose: textField(64).optional(),
});

export type Page<T> = { data: T[]; has_more: boolean };
export type ListEvalsQuery = z.output<typeof listEvalsQuerySchema>;
export type ListRunsQuery = z.output<typeof listRunsQuerySchema>;
export type ListOutputItemsQuery = z.output<typeof listOutputItemsQuerySchema>;
export type ListFilesQuery = z.output<typeof listFilesQuerySchema>;
