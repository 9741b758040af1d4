/**
 * JSON text for the database, as the last line of defence behind the API's checks: whatever
 * reaches a repository (a provider's answer, a row read from a file) can be written, and nothing
 * written can make a later read fail. PostgreSQL refuses a lone-surrogate escape (`\ud800`) in
 * `json` and `jsonb`, and U+0000 in `jsonb`; such characters are stored as U+FFFD, the
 * replacement character — what a `text` column makes of a lone surrogate anyway.
 */

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LONE_SURROGATES_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

function serialize(value: unknown, bad: RegExp, suspicious: (text: string) => boolean): string {
  const text = JSON.stringify(value);
  // Fast path: JSON.stringify writes a lone surrogate as a `\udXXX` escape and U+0000 as
  // `\u0000`, so text without either escape needs no second look (a literal backslash before
  // "ud" only costs the slow path).
  if (!suspicious(text)) return text;
  const clean = (s: string) => s.replace(bad, '\uFFFD');
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return clean(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => clean(k) !== k)) {
      return Object.fromEntries(Object.entries(v).map(([k, child]) => [clean(k), child]));
    }
    return v;
  });
}

/** For a `json` column. */
export const jsonText = (value: unknown): string => serialize(value, LONE_SURROGATES, (t) => t.includes('\\ud'));

/** For a `jsonb` column (and jsonb literals in queries). */
export const jsonbText = (value: unknown): string => serialize(value, LONE_SURROGATES_OR_NUL, (t) => t.includes('\\ud') || t.includes('\\u0000'));

/** For a `text` column written from outside the API's checks (e.g. the model name a provider answered as). */
export const textValue = (text: string): string => text.replace(LONE_SURROGATES_OR_NUL, '\uFFFD');

/**
 * A `jsonb` containment filter (`column @> filter`), or null when it holds a string no stored
 * `jsonb` value can contain (U+0000, a lone surrogate): such a filter matches nothing — it must
 * not fail the query (an eval stored with such a filter would otherwise fail every run).
 */
export function jsonbFilter(filter: Record<string, string>): string | null {
  const text = JSON.stringify(filter);
  return jsonbText(filter) === text ? text : null;
}
