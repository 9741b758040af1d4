/**
 * A single-pass shortcut for `treebankTokenize` (nltk's NLTKWordTokenizer, word-tokenize.ts) on
 * plain ASCII prose. The regex pipeline makes ~15 rewriting passes over the sentence, each
 * inserting spaces; on the subset of inputs accepted here every one of those passes reduces to a
 * decision about one character and its immediate neighbours, so the tokens can be cut in one scan.
 * Anything outside the subset returns null and the caller runs the full pipeline, which stays the
 * definition: plain-treebank-tokenize.test.ts checks the two agree on large random and exhaustive
 * input sets.
 *
 * Accepted: ASCII letters, digits, `_`, the space U+0020 and the punctuation below, except for
 * these shapes, whose rewrites interact across passes (or consume each other's context):
 * `--`, `..`, `''`, `""`, a `,`/`:` directly followed by another `,`/`:`, two apostrophes in one
 * space-separated word, text after a sentence-final period that holds a space before a closing
 * character, and any of the MacIntyre contractions (cannot, gonna, 'tis …).
 *
 * How each character tokenizes then (the rule that decides it in parentheses):
 * - `? ! ; @ # $ % & * ( ) [ ] { } < >` stand alone (PUNCTUATION / brackets: always padded).
 * - `"` stands alone, as `` after the start, a space or an opening bracket (STARTING_QUOTES),
 *   else as '' (ENDING_QUOTES).
 * - `,` and `:` stand alone unless a digit follows ("1,000", "10:30" stay whole).
 * - `.` stands alone only as the sentence-final period: the last one, followed by nothing but
 *   closing brackets and quotes (the final-period rule); elsewhere it is part of a word.
 * - `-` `/` `+` `=` `~` `^` `|` `\` are inert: no rule mentions them (`--` aside).
 * - `'` depends on what follows (see `apostrophe`).
 */

// Character classes.
const UNSUPPORTED = 0;
const SPACE = 1;
/** \w: letters, digits, `_`. */
const WORD = 2;
const INERT = 3;
/** Always a token of its own. */
const ALONE = 4;
/** `,` and `:`. */
const SEPARATOR = 5;
const PERIOD = 6;
const APOSTROPHE = 7;
const QUOTE = 8;

const CLASS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = WORD;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = WORD;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = WORD;
CLASS[0x5f] = WORD;
CLASS[0x20] = SPACE;
for (const c of '-/+=~^|\\') CLASS[c.charCodeAt(0)] = INERT;
for (const c of '?!;@#$%&*()[]{}<>') CLASS[c.charCodeAt(0)] = ALONE;
CLASS[0x2c] = SEPARATOR;
CLASS[0x3a] = SEPARATOR;
CLASS[0x2e] = PERIOD;
CLASS[0x27] = APOSTROPHE;
CLASS[0x22] = QUOTE;

/** Characters that may follow a final period (the final-period rule's `[\])}>"']`). */
const CLOSER = new Uint8Array(128);
for (const c of ')]}>"\'') CLOSER[c.charCodeAt(0)] = 1;
/** Characters after which `"` opens (STARTING_QUOTES' `[ ([{<]`). */
const OPENER = new Uint8Array(128);
for (const c of ' ([{<') OPENER[c.charCodeAt(0)] = 1;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Every MacIntyre contraction contains one of these (word-tokenize.ts ANY_CONTRACTION). */
const ANY_CONTRACTION = /cannot|d'ye|gimme|gonna|gotta|lemme|more'n|wanna|'tis|'twas/i;

/**
 * Index of the period the final-period rule splits off, -1 if none, -2 if the text after the
 * last period is a shape this shortcut leaves to the full pipeline.
 */
function finalPeriodIndex(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  let p = end - 1;
  while (p >= 0 && CLOSER[text.charCodeAt(p)] === 1) p--;
  if (p < 0) return -1;
  const c = text.charCodeAt(p);
  if (c === 0x2e) return p >= 1 ? p : -1;
  if (c !== 0x20) return -1;
  // closers after a space: a quote there may turn into `` first, which changes the rule's
  // outcome; only when no period precedes the run of spaces and closers is there nothing to decide
  while (p >= 0 && (text.charCodeAt(p) === 0x20 || CLOSER[text.charCodeAt(p)] === 1)) p--;
  return p >= 0 && text.charCodeAt(p) === 0x2e ? -2 : -1;
}

/**
 * What an apostrophe at `i` does, given the characters up to the end of its word:
 * - ALONE_APOSTROPHE: it is a token of its own — followed by a token boundary ("dogs' ",
 *   PUNCTUATION `([^'])' ` / ENDING_QUOTES' bare `'`), or by one word character that is not
 *   m/t/s/d/n and then a non-word character ("'a.", STARTING_QUOTES' last rule);
 * - CLITIC: it starts a token — 's 'm 'd 'll 're 've (in the case forms nltk lists) before a
 *   boundary (ENDING_QUOTES);
 * - NT_CLITIC: n't / N'T before a boundary: the token starts one character earlier, at the n;
 * - INSIDE: none of these; it stays inside its word ("o'clock", "y'all").
 */
const INSIDE = 0;
const ALONE_APOSTROPHE = 1;
const CLITIC = 2;
const NT_CLITIC = 3;

/** STARTING_QUOTES' `(?!re|ve|ll|m|t|s|d|n)` (case-insensitive) for a single following letter. */
const NOT_SPLIT_AFTER_APOSTROPHE: ReadonlySet<number> = new Set([...'mtsdnMTSDN'].map((c) => c.charCodeAt(0)));

/** Is `at` a token boundary by the time ENDING_QUOTES runs? */
function boundaryAt(text: string, at: number, finalPeriod: number): boolean {
  if (at >= text.length) return true;
  const c = text.charCodeAt(at);
  const cls = CLASS[c] as number;
  if (cls === SPACE || cls === ALONE || cls === QUOTE) return true;
  if (cls === SEPARATOR) return at + 1 >= text.length || !isDigit(text.charCodeAt(at + 1));
  return at === finalPeriod;
}

function apostrophe(text: string, i: number, finalPeriod: number): number {
  const next = i + 1;
  if (boundaryAt(text, next, finalPeriod)) return ALONE_APOSTROPHE;
  let runEnd = next;
  while (runEnd < text.length && CLASS[text.charCodeAt(runEnd)] === WORD) runEnd++;
  const run = runEnd - next;
  if (run === 0) return INSIDE;
  const first = text.charCodeAt(next);
  if (run === 1 && !NOT_SPLIT_AFTER_APOSTROPHE.has(first)) return ALONE_APOSTROPHE;
  if (!boundaryAt(text, runEnd, finalPeriod)) return INSIDE;
  if (run === 1) {
    // 's 'S 'm 'M 'd 'D
    if (first === 0x73 || first === 0x53 || first === 0x6d || first === 0x4d || first === 0x64 || first === 0x44) return CLITIC;
    // n't / N'T (ENDING_QUOTES wants [^' ] before the n: an apostrophe there would be this
    // word's second, which the caller rejects)
    const n = i >= 1 ? text.charCodeAt(i - 1) : 0;
    return (first === 0x74 && n === 0x6e) || (first === 0x54 && n === 0x4e) ? NT_CLITIC : INSIDE;
  }
  if (run === 2) {
    const pair = text.slice(next, runEnd);
    if (pair === 'll' || pair === 'LL' || pair === 're' || pair === 'RE' || pair === 've' || pair === 'VE') return CLITIC;
  }
  return INSIDE;
}

/** Lower-case letters that, doubled, begin to spell a MacIntyre contraction (gonna, gimme, gotta …). */
const DOUBLED_IN_CONTRACTION: ReadonlySet<number> = new Set([0x6e, 0x6d, 0x74]);
/** Lower-case letters that, after an apostrophe, begin one (d'ye, more'n, 'tis, 'twas). */
const AFTER_APOSTROPHE_IN_CONTRACTION: ReadonlySet<number> = new Set([0x79, 0x6e, 0x74]);

/** `treebankTokenize(sentence)` for sentences in the accepted subset; null for any other. */
export function plainTreebankTokenize(text: string): string[] | null {
  const finalPeriod = finalPeriodIndex(text);
  if (finalPeriod === -2) return null;
  const tokens: string[] = [];
  const length = text.length;
  let start = 0; // start of the token being read
  let prev = 0x20;
  let apostrophes = 0; // in the current space-separated word
  // Every contraction spells "nn", "mm" or "tt", or an apostrophe before y, n or t (any case);
  // only text with one of those pairs needs the contraction regex.
  let maybeContraction = false;
  for (let i = 0; i < length; prev = text.charCodeAt(i++)) {
    const c = text.charCodeAt(i);
    if (c >= 128) return null;
    const cls = CLASS[c] as number;
    if (cls === WORD) {
      const lower = c | 0x20;
      if (lower === (prev | 0x20) ? DOUBLED_IN_CONTRACTION.has(lower) : prev === 0x27 && AFTER_APOSTROPHE_IN_CONTRACTION.has(lower)) maybeContraction = true;
      continue;
    }
    if (cls === INERT) {
      if (c === 0x2d && prev === 0x2d) return null;
      continue;
    }
    if (cls === SEPARATOR) {
      if (prev === 0x2c || prev === 0x3a) return null;
      if (i + 1 < length && isDigit(text.charCodeAt(i + 1))) continue;
    } else if (cls === PERIOD) {
      if (prev === 0x2e) return null;
      if (i !== finalPeriod) continue;
    } else if (cls === APOSTROPHE) {
      if (prev === 0x27 || ++apostrophes > 1) return null;
      const kind = apostrophe(text, i, finalPeriod);
      if (kind === INSIDE) continue;
      if (kind === CLITIC || kind === NT_CLITIC) {
        const cut = kind === CLITIC ? i : i - 1;
        if (cut > start) tokens.push(text.slice(start, cut));
        start = cut;
        continue;
      }
    } else if (cls === SPACE) {
      apostrophes = 0;
    } else if (cls === QUOTE) {
      if (prev === 0x22) return null;
    } else if (cls === UNSUPPORTED) {
      return null;
    }
    // the character ends the token being read
    if (i > start) tokens.push(text.slice(start, i));
    start = i + 1;
    if (cls === SPACE) continue;
    if (cls === QUOTE) tokens.push(i === 0 || OPENER[prev] === 1 ? '``' : "''");
    else tokens.push(text[i] as string);
  }
  if (length > start) tokens.push(text.slice(start));
  if (maybeContraction && ANY_CONTRACTION.test(text)) return null;
  return tokens;
}
