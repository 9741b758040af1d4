import { z } from 'zod';

/**
 * Strings PostgreSQL cannot keep as sent. U+0000: `text` and `jsonb` refuse it (a plain `json`
 * column keeps its `\u0000` escape as written). A lone UTF-16 surrogate (a `\ud800`-style escape JSON
 * allows) is not Unicode text at all: `jsonb` refuses it and `text` silently stores U+FFFD instead.
 * Requests are checked at the boundary, so such a string is the caller's 400 naming the field —
 * never a failed write (a 500), a silently altered value, or a stored object that breaks reads.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const hasNul = (text: string): boolean => text.includes('\u0000');
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'must be valid Unicode (it holds a lone UTF-16 surrogate, e.g. an unpaired \\ud800 escape)';

/** Why `text` cannot be stored; `nul: false` where only `json` columns hold it (U+0000 is fine there). */
export function unstorableReason(text: string, o: { nul: boolean }): string | null {
  if (o.nul && hasNul(text)) return NUL_MESSAGE;
  if (hasLoneSurrogate(text)) return SURROGATE_MESSAGE;
  return null;
}

export interface UnstorableString {
  /** Where in `root`: object keys and array indexes; a bad key names the key itself. */
  path: Array<string | number>;
  message: string;
}

/**
 * The first string (value or object key) anywhere in a parsed JSON document that cannot be stored,
 * walked without recursion (documents are depth-checked, but need not be for this).
 */
export function findUnstorableString(root: unknown, o: { nul: boolean }): UnstorableString | null {
  const stack: Array<[unknown, Array<string | number>]> = [[root, []]];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, Array<string | number>];
    if (typeof value === 'string') {
      const reason = unstorableReason(value, o);
      if (reason !== null) return { path, message: reason };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], [...path, i]]);
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const reason = unstorableReason(key, o);
        if (reason !== null) return { path: [...path, key], message: `key ${reason}` };
        if (child !== null && (typeof child === 'object' || typeof child === 'string')) stack.push([child, [...path, key]]);
      }
    }
  }
  return null;
}

/** A string that reaches a `text` or `jsonb` column: no U+0000, no lone surrogate. */
export const storableString = () =>
  z
    .string()
    .refine((s) => !hasNul(s), { message: NUL_MESSAGE })
    .refine((s) => !hasLoneSurrogate(s), { message: SURROGATE_MESSAGE });

/**
 * A string that is stored in a text column (names, ids, cursors): bounded, and free of what
 * PostgreSQL text cannot hold.
 */
export const textField = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasNul(s), { message: NUL_MESSAGE })
    .refine((s) => !hasLoneSurrogate(s), { message: SURROGATE_MESSAGE });
