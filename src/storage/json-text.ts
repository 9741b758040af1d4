/**
 * What the repositories write where PostgreSQL is stricter than JSON, as the last line of defence
 * behind the API's checks: whatever reaches a repository (a provider's answer, a filter stored
 * by an older server) can be written, and nothing written or stored can make a later read fail.
 *
 * `json` columns keep any JSON text as written (a `\u0000` or a lone `\ud800` escape included),
 * so they need nothing. `jsonb` refuses both; `text` refuses U+0000 and turns a lone surrogate
 * into U+FFFD on the way in (it has no UTF-8 form). Such characters are stored as U+FFFD there.
 */

const LONE_SURROGATES_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

const clean = (s: string): string => s.replace(LONE_SURROGATES_OR_NUL, '\uFFFD');

/** JSON text for a `jsonb` column (and jsonb literals in queries). */
export function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  // Fast path: JSON.stringify writes a lone surrogate as a `\ud800`-style escape and U+0000 as
  // `\u0000`, so text with neither needs no second look (a literal backslash before "ud" or
  // "u0000" only costs the slow path).
  if (!text.includes('\\ud') && !text.includes('\\u0000')) return text;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return clean(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => clean(k) !== k)) {
      return Object.fromEntries(Object.entries(v).map(([k, child]) => [clean(k), child]));
    }
    return v;
  });
}

/** For a `text` column written from outside the API's checks (e.g. the model name a provider answered as). */
export const textValue = (text: string): string => clean(text);

/**
 * A `jsonb` containment filter (`column @> filter`), or null when it holds a string no stored
 * `jsonb` value can contain (U+0000, a lone surrogate): such a filter matches nothing — it must
 * not fail the query (an eval stored with such a filter would otherwise fail every run).
 */
export function jsonbFilter(filter: Record<string, string>): string | null {
  const text = JSON.stringify(filter);
  return jsonbText(filter) === text ? text : null;
}
