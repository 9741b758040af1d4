import { z } from 'zod';
import { storableString } from './text-field.ts';

/**
 * Up to 16 string pairs, keys ≤ 64 and values ≤ 512 characters — the service's `Metadata` limits.
 * Metadata is what stored completions are filtered by (a `jsonb` containment test), so keys and
 * values must be strings PostgreSQL can hold there: no U+0000, no lone surrogate — everywhere
 * metadata is taken (evals, runs, data source configs, chat completions, list filters), alike.
 */
export const metadataSchema = z
  .record(
    storableString().max(64, 'metadata keys are at most 64 characters'),
    storableString().max(512, 'metadata values are at most 512 characters'),
  )
  .refine((m) => Object.keys(m).length <= 16, { message: 'metadata holds at most 16 key-value pairs' });

export type Metadata = Record<string, string>;
