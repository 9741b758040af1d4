import { z } from 'zod';

/** Up to 16 string pairs, keys ≤ 64 and values ≤ 512 characters — the service's `Metadata` limits. */
export const metadataSchema = z
  .record(z.string().max(64, 'metadata keys are at most 64 characters'), z.string().max(512, 'metadata values are at most 512 characters'))
  .refine((m) => Object.keys(m).length <= 16, { message: 'metadata holds at most 16 key-value pairs' });

export type Metadata = Record<string, string>;
