import { z } from 'zod';
import { hasNul } from './json-depth.ts';

/**
 * A string that is stored in a text column (names, ids, cursors): bounded, and free of U+0000,
 * which PostgreSQL text cannot hold.
 */
export const textField = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasNul(s), { message: 'must not contain the NUL character (U+0000)' });
