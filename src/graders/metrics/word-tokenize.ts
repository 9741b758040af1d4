/**
 * A port of nltk 3.8 `nltk.tokenize.word_tokenize(text)` (language "english", preserve_line False):
 * Punkt sentence splitting (`sent_tokenize`) followed by `NLTKWordTokenizer.tokenize` on each
 * sentence, tokens concatenated. BLEU, GLEU and METEOR tokenize with it (architecture §6).
 *
 * Regex dialect. Python's `re` on `str` is Unicode-aware where JS is not, so every pattern here is
 * compiled with the `u` flag and spells Python's classes out:
 *   \w → [\p{L}\p{N}_]   \d → \p{Nd}   \s → PY_SPACE (the str.isspace set, which JS \s is not:
 *   JS adds U+FEFF and lacks U+001C–U+001F and U+0085)   \b → lookarounds on \w
 *   $ (no MULTILINE) → "end, or before a final \n".
 * Checked over every code point against Python 3.11: the classes agree except for characters
 * newer than Python's Unicode 14 database (plus U+0295, lowercase to Python only). Case-insensitive
 * matching (the contractions) follows JS simple case folding, which differs from Python's only for
 * oddities such as U+0130 'İ'.
 *
 * Punkt. nltk's `sent_tokenize` loads the pretrained `tokenizers/punkt/english.pickle`, which is
 * not shipped with nltk (nor with Debian's python3-nltk) and cannot be fetched here. The Punkt
 * *algorithm* (PunktSentenceTokenizer.span_tokenize with boundary realignment) is ported in full
 * below, but it runs with small built-in parameters: a handful of common abbreviations and no
 * collocations, sentence starters or orthographic context. It was checked against nltk's
 * PunktSentenceTokenizer given the same parameters. Against the real english.pickle it agrees for
 * single sentences and for plain multi-sentence text ("Hello there. How are you?"); it can differ
 * where the trained model matters: an abbreviation the model knows but ABBREVIATIONS lacks ends a
 * sentence here (its period is split off), and an abbreviation followed by a word the model's
 * orthographic statistics call a sentence starter ends a sentence in nltk but not here.
 */

import { plainTreebankTokenize } from './plain-treebank-tokenize.ts';

// ---------------------------------------------------------------------------------------------
// Python character classes (see header).

const W = '\\p{L}\\p{N}_';
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const S = `[${PY_SPACE}]`;
const NS = `[^${PY_SPACE}]`;
/** Python `$` without MULTILINE: at the end, or just before a newline that ends the string. */
const END = '(?=\\n?$)';

const NON_SPACE_RE = new RegExp(NS, 'u');

/** Python's str.isspace() for one UTF-16 unit (every Python whitespace character is in the BMP). */
function isPySpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python `str.split()` with no argument: runs of whitespace separate, empty pieces dropped. */
function pySplit(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPySpace(text.charCodeAt(i))) {
      if (start >= 0) {
        out.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/** Length of Python `str.rstrip()`. */
function pyRstripLength(text: string): number {
  let end = text.length;
  while (end > 0 && isPySpace(text.charCodeAt(end - 1))) end--;
  return end;
}

// ---------------------------------------------------------------------------------------------
// NLTKWordTokenizer.tokenize (nltk/tokenize/destructive.py): the "improved Treebank" rules. The
// rule lists run in nltk's order: starting quotes, punctuation, parentheses, double dashes, then
// (after padding with spaces) ending quotes and the MacIntyre contractions.

// Each rule can only match when the text holds one of a few characters. A bit set of those
// characters, taken once per sentence, lets the tokenizer skip the rules that cannot fire — most
// of them on plain prose. The rules never add a character outside the set they started from
// except ` and ' (from " and ''), which `triggers` accounts for; so the set stays a superset.
const Q_OPEN = 1 << 0; // « “ ‘ „
const Q_CLOSE = 1 << 1; // » ” ’
const BACKTICK = 1 << 2;
const DQUOTE = 1 << 3;
const SQUOTE = 1 << 4;
const PERIOD = 1 << 5;
const COLON_COMMA = 1 << 6;
const SYMBOL = 1 << 7; // ; @ # $ % &
const QUESTION_BANG = 1 << 8;
const STAR = 1 << 9;
const BRACKET = 1 << 10; // [ ] ( ) { } < >
const DASH = 1 << 11;

const ASCII_TRIGGER = new Uint16Array(128);
for (const [chars, bit] of [
  ['`', BACKTICK],
  ['"', DQUOTE],
  ["'", SQUOTE],
  ['.', PERIOD],
  [':,', COLON_COMMA],
  [';@#$%&', SYMBOL],
  ['?!', QUESTION_BANG],
  ['*', STAR],
  ['[](){}<>', BRACKET],
  ['-', DASH],
] as const) {
  for (const c of chars) ASCII_TRIGGER[c.charCodeAt(0)] = bit;
}

function triggers(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) bits |= ASCII_TRIGGER[c] as number;
    else if (c === 0xab || c === 0x201c || c === 0x2018 || c === 0x201e) bits |= Q_OPEN;
    else if (c === 0xbb || c === 0x201d || c === 0x2019) bits |= Q_CLOSE;
  }
  if (bits & DQUOTE) bits |= BACKTICK | SQUOTE;
  if (bits & SQUOTE) bits |= BACKTICK;
  return bits;
}

/** A rewrite rule: pattern, replacement, and the trigger bits of which one must be present. */
type Rule = readonly [RegExp, string, number];

/** STARTING_QUOTES. */
const STARTING_QUOTES: readonly Rule[] = [
  [/([«“‘„]|`+)/gu, ' $1 ', Q_OPEN | BACKTICK],
  [/^"/u, '``', DQUOTE],
  [/(``)/gu, ' $1 ', BACKTICK],
  [/([ ([{<])("|'')/gu, '$1 `` ', DQUOTE | SQUOTE],
  // A quote opening a word, unless it starts a clitic ('re 've 'll 'm 't 's 'd 'n).
  [new RegExp(`(')(?!re|ve|ll|m|t|s|d|n)([${W}])(?![${W}])`, 'giu'), '$1 $2', SQUOTE],
];

/** PUNCTUATION. */
const PUNCTUATION: readonly Rule[] = [
  // A sentence-final period (with closing quotes/brackets/spaces after it) is split off.
  [new RegExp(`([^.])(\\.)([\\])}>"'»”’ ]*)${S}*$`, 'u'), '$1 $2 $3 ', PERIOD],
  [/([:,])([^\p{Nd}])/gu, ' $1 $2', COLON_COMMA],
  [new RegExp(`([:,])${END}`, 'gu'), ' $1 ', COLON_COMMA],
  [/\.{2,}/gu, ' $& ', PERIOD],
  [/[;@#$%&]/gu, ' $& ', SYMBOL],
  // The final period again, now without the curly quotes.
  [new RegExp(`([^.])(\\.)([\\])}>"']*)${S}*$`, 'u'), '$1 $2$3 ', PERIOD],
  [/[?!]/gu, ' $& ', QUESTION_BANG],
  [/([^'])' /gu, "$1 ' ", SQUOTE],
  [/\*/gu, ' $& ', STAR],
  // PARENS_BRACKETS (convert_parentheses is False in word_tokenize) and DOUBLE_DASHES.
  [/[\][(){}<>]/gu, ' $& ', BRACKET],
  [/--/gu, ' -- ', DASH],
];

/** ENDING_QUOTES: closing quotes, then clitics ('s 'm 'd 'll 're 've n't) split from the word. */
const ENDING_QUOTES: readonly Rule[] = [
  [/([»”’])/gu, ' $1 ', Q_CLOSE],
  [/''/gu, " '' ", SQUOTE],
  [/"/gu, " '' ", DQUOTE],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 ', SQUOTE],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 ', SQUOTE],
];

/**
 * MacIntyreContractions.CONTRACTIONS2 and CONTRACTIONS3 (CONTRACTIONS4 is unused by nltk too).
 * Each is case-insensitive and replaced by " \1 \2 ".
 */
const CONTRACTIONS: readonly RegExp[] = [
  ...[
    ['can', 'not'],
    ['d', "'ye"],
    ['gim', 'me'],
    ['gon', 'na'],
    ['got', 'ta'],
    ['lem', 'me'],
    ['more', "'n"],
  ].map(([a, b]) => new RegExp(`(?<![${W}])(${a})(${b})(?![${W}])`, 'giu')),
  new RegExp(`(?<![${W}])(wan)(na)(?=${S})`, 'giu'),
  new RegExp(` ('t)(is)(?![${W}])`, 'giu'),
  new RegExp(` ('t)(was)(?![${W}])`, 'giu'),
];
/** Every contraction above contains one of these (same flags), so without one none can fire. */
const ANY_CONTRACTION = /cannot|d'ye|gimme|gonna|gotta|lemme|more'n|wanna|'tis|'twas/iu;

function applyRules(text: string, rules: readonly Rule[], present: number): string {
  for (const [re, replacement, needs] of rules) {
    if (present & needs) text = text.replace(re, replacement);
  }
  return text;
}

/** nltk `NLTKWordTokenizer().tokenize(sentence)`: one sentence (or line), no sentence splitting. */
export function treebankTokenize(sentence: string): string[] {
  return plainTreebankTokenize(sentence) ?? treebankTokenizeByRules(sentence);
}

/** `treebankTokenize` by nltk's rewriting rules, for any input (the definition the shortcut follows). */
export function treebankTokenizeByRules(sentence: string): string[] {
  const present = triggers(sentence);
  let text = applyRules(sentence, STARTING_QUOTES, present);
  text = applyRules(text, PUNCTUATION, present);
  text = applyRules(` ${text} `, ENDING_QUOTES, present);
  if (ANY_CONTRACTION.test(text)) {
    for (const re of CONTRACTIONS) text = text.replace(re, ' $1 $2 ');
  }
  return pySplit(text);
}

// ---------------------------------------------------------------------------------------------
// Punkt (nltk/tokenize/punkt.py): PunktLanguageVars' regexes, PunktToken's derived properties,
// the first and second annotation passes and PunktSentenceTokenizer.span_tokenize.

/**
 * Abbreviations (lower case, no final period) that nltk's English model also knows. Kept small on
 * purpose: listing a word the real model lacks would suppress a split that nltk makes.
 */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'mr', 'mrs', 'ms', 'dr', 'jr', 'st', 'inc', 'corp', 'co', 'ltd', 'u.s', 'a.m', 'p.m', 'e.g', 'i.e',
]);

/** PunktParameters: what a trained Punkt model carries. */
export interface PunktParameters {
  readonly abbrevTypes: ReadonlySet<string>;
  /** Pairs "type1\u0000type2" known to span a non-break period (e.g. "s.\u0000bach"). */
  readonly collocations: ReadonlySet<string>;
  readonly sentStarters: ReadonlySet<string>;
  /** Bit set of the ORTHO_* flags per word type. */
  readonly orthoContext: ReadonlyMap<string, number>;
}

export const DEFAULT_PUNKT_PARAMETERS: PunktParameters = {
  abbrevTypes: ABBREVIATIONS,
  collocations: new Set(),
  sentStarters: new Set(),
  orthoContext: new Map(),
};

// Orthographic context flags (punkt.py _ORTHO_*).
const ORTHO_BEG_UC = 1 << 1;
const ORTHO_MID_UC = 1 << 2;
const ORTHO_UNK_UC = 1 << 3;
const ORTHO_BEG_LC = 1 << 4;
const ORTHO_MID_LC = 1 << 5;
const ORTHO_UNK_LC = 1 << 6;
const ORTHO_UC = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
const ORTHO_LC = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

// PunktLanguageVars for English: sentence-end characters . ? !
const NON_WORD = `(?:[)";}\\]*:@'({\\[!?])`;
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.${S}){2,}\\.)`;
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';
/** PunktLanguageVars._word_tokenize_fmt: splits punctuation other than periods off words. */
const PUNKT_WORD_RE = new RegExp(
  `${MULTI_CHAR}|(?=${WORD_START})${NS}+?(?=${S}|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|${S}|${NON_WORD}|${MULTI_CHAR}))|${NS}`,
  'gu',
);
/** PunktLanguageVars._period_context_fmt: a candidate break and what follows it. */
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(${NON_WORD}|${S}+(${NS}+)))`, 'gu');
/** PunktLanguageVars.re_boundary_realignment (MULTILINE `$`: before any \n). */
const BOUNDARY_REALIGNMENT_RE = new RegExp(`^["')\\]}]+?(?:${S}+|(?=--)|(?=\\n)|$)`, 'u');

// PunktToken's regexes.
const RE_ELLIPSIS = /^\.\.+$/u;
const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.-]*\.?$/u;
const RE_FIRST_UPPER = /^\p{Uppercase}/u;
const RE_FIRST_LOWER = /^\p{Lowercase}/u;
/** Python's [^\W\d] — a word character that is not a decimal digit — then a period, alone. */
const RE_INITIAL_TOKEN = /^[\p{L}\p{Nl}\p{No}_]\.$/u;

/** PunktSentenceTokenizer.PUNCTUATION. */
const PUNKT_PUNCTUATION: ReadonlySet<string> = new Set([';', ':', ',', '.', '!', '?']);

/** PunktToken: the token text plus the annotations the two passes set. */
interface PunktToken {
  readonly tok: string;
  /** Lower-cased token, or "##number##" for numbers (PunktToken._get_type). */
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak: boolean;
  abbr: boolean;
  ellipsis: boolean;
}

function makeToken(tok: string): PunktToken {
  const lower = tok.toLowerCase();
  return {
    tok,
    type: RE_NUMERIC.test(lower) ? '##number##' : lower,
    periodFinal: tok.endsWith('.'),
    sentbreak: false,
    abbr: false,
    ellipsis: false,
  };
}

function typeNoPeriod(token: PunktToken): string {
  const { type } = token;
  return type.length > 1 && type.endsWith('.') ? type.slice(0, -1) : type;
}

function typeNoSentperiod(token: PunktToken): string {
  return token.sentbreak ? typeNoPeriod(token) : token.type;
}

/** PunktBaseClass._tokenize_words: Punkt's word split, line by line (blank lines skipped). */
function punktWords(text: string): PunktToken[] {
  const tokens: PunktToken[] = [];
  for (const line of text.split('\n')) {
    if (!NON_SPACE_RE.test(line)) continue;
    PUNKT_WORD_RE.lastIndex = 0;
    for (let m = PUNKT_WORD_RE.exec(line); m !== null; m = PUNKT_WORD_RE.exec(line)) tokens.push(makeToken(m[0]));
  }
  return tokens;
}

/** PunktBaseClass._first_pass_annotation: decisions from the token's own type. */
function firstPass(token: PunktToken, params: PunktParameters): void {
  const { tok } = token;
  if (tok === '.' || tok === '?' || tok === '!') {
    token.sentbreak = true;
  } else if (RE_ELLIPSIS.test(tok)) {
    token.ellipsis = true;
  } else if (token.periodFinal && !tok.endsWith('..')) {
    const base = tok.slice(0, -1).toLowerCase();
    const lastPart = base.slice(base.lastIndexOf('-') + 1);
    if (params.abbrevTypes.has(base) || params.abbrevTypes.has(lastPart)) token.abbr = true;
    else token.sentbreak = true;
  }
}

/** PunktSentenceTokenizer._ortho_heuristic: does `token` start a sentence? */
function orthoHeuristic(token: PunktToken, params: PunktParameters): boolean | 'unknown' {
  if (PUNKT_PUNCTUATION.has(token.tok)) return false;
  const context = params.orthoContext.get(typeNoSentperiod(token)) ?? 0;
  const firstUpper = RE_FIRST_UPPER.test(token.tok);
  if (firstUpper && context & ORTHO_LC && !(context & ORTHO_MID_UC)) return true;
  if (RE_FIRST_LOWER.test(token.tok) && (context & ORTHO_UC || !(context & ORTHO_BEG_LC))) return false;
  return 'unknown';
}

/** PunktSentenceTokenizer._second_pass_annotation: revise `a`'s decision by looking at `b`. */
function secondPass(a: PunktToken, b: PunktToken, params: PunktParameters): void {
  if (!a.periodFinal) return;
  const typ = typeNoPeriod(a);
  const nextTyp = typeNoSentperiod(b);
  const isInitial = RE_INITIAL_TOKEN.test(a.tok);

  // Collocation heuristic.
  if (params.collocations.has(`${typ}\u0000${nextTyp}`)) {
    a.sentbreak = false;
    a.abbr = true;
    return;
  }
  // An abbreviation or ellipsis may still end a sentence.
  if ((a.abbr || a.ellipsis) && !isInitial) {
    if (orthoHeuristic(b, params) === true) {
      a.sentbreak = true;
      return;
    }
    if (RE_FIRST_UPPER.test(b.tok) && params.sentStarters.has(nextTyp)) {
      a.sentbreak = true;
      return;
    }
  }
  // Initials and ordinals marked as breaks may be abbreviations after all.
  if (isInitial || typ === '##number##') {
    const starter = orthoHeuristic(b, params);
    if (starter === false) {
      a.sentbreak = false;
      a.abbr = true;
      return;
    }
    if (
      starter === 'unknown' &&
      isInitial &&
      RE_FIRST_UPPER.test(b.tok) &&
      !((params.orthoContext.get(nextTyp) ?? 0) & ORTHO_LC)
    ) {
      a.sentbreak = false;
      a.abbr = true;
    }
  }
}

/**
 * PunktSentenceTokenizer.text_contains_sentbreak: annotate the context's tokens and report a
 * break on any token but the last. The second pass for token i reads token i+1 as left by the
 * first pass only, as nltk's chained generators do.
 */
function containsSentbreak(context: string, params: PunktParameters): boolean {
  const tokens = punktWords(context);
  for (const token of tokens) firstPass(token, params);
  for (let i = 0; i + 1 < tokens.length; i++) {
    const a = tokens[i] as PunktToken;
    secondPass(a, tokens[i + 1] as PunktToken, params);
    if (a.sentbreak) return true;
  }
  return false;
}

/** Index of the last ASCII whitespace in `text` (Python `string.whitespace`), or 0 if none. */
function lastAsciiWhitespaceIndex(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return i;
  }
  return 0;
}

/** A candidate break: the end character's index and where the next sentence would start. */
interface EndContext {
  readonly index: number;
  readonly nextStart: number;
  readonly context: string;
}

/**
 * PunktSentenceTokenizer._match_potential_end_contexts: each candidate end character with the
 * word before it and the token after it. Of candidates whose preceding words overlap (as in
 * "acting!!!") only the last is kept.
 */
function endContexts(text: string): EndContext[] {
  const out: EndContext[] = [];
  let prev: RegExpExecArray | null = null;
  let prevStart = 0;
  let prevStop = 0;
  PERIOD_CONTEXT_RE.lastIndex = 0;
  for (let m = PERIOD_CONTEXT_RE.exec(text); m !== null; m = PERIOD_CONTEXT_RE.exec(text)) {
    const ws = lastAsciiWhitespaceIndex(text.slice(prevStop, m.index));
    const wordStart = ws ? ws + prevStop + 1 : prevStart;
    if (prev !== null && prevStop <= wordStart) out.push(endContext(text, prev, prevStart, prevStop));
    prev = m;
    prevStart = wordStart;
    prevStop = m.index;
  }
  if (prev !== null) out.push(endContext(text, prev, prevStart, prevStop));
  return out;
}

/** One candidate: the match, and its context = the word before it + the match + what follows. */
function endContext(text: string, m: RegExpExecArray, wordStart: number, wordStop: number): EndContext {
  const afterTok = m[1] ?? '';
  const nextTok = m[2];
  const end = m.index + 1;
  return {
    index: m.index,
    nextStart: nextTok === undefined ? end : end + afterTok.length - nextTok.length,
    context: text.slice(wordStart, wordStop) + m[0] + afterTok,
  };
}

/** PERIOD_CONTEXT_RE's NON_WORD characters. */
const PUNKT_NON_WORD: ReadonlySet<number> = new Set([...')";}]*:@\'({[!?'].map((c) => c.charCodeAt(0)));

/**
 * Whether PERIOD_CONTEXT_RE matches anywhere: some . ? ! followed by a NON_WORD character, or by
 * whitespace and then something else. Most single sentences have no such place (their final
 * period is followed by nothing), and then there is nothing for Punkt to decide.
 */
function hasEndContext(text: string): boolean {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x2e && c !== 0x3f && c !== 0x21) continue;
    if (i + 1 >= length) return false;
    const next = text.charCodeAt(i + 1);
    if (PUNKT_NON_WORD.has(next)) return true;
    if (!isPySpace(next)) continue;
    let j = i + 2;
    while (j < length && isPySpace(text.charCodeAt(j))) j++;
    return j < length; // else only whitespace is left
  }
  return false;
}

/** PunktSentenceTokenizer.tokenize(text) with realign_boundaries=True, as `sent_tokenize` does. */
export function sentTokenize(text: string, params: PunktParameters = DEFAULT_PUNKT_PARAMETERS): string[] {
  if (!hasEndContext(text)) {
    // no candidate break: one sentence, the text less its trailing whitespace
    const end = pyRstripLength(text);
    return end > 0 ? [text.slice(0, end)] : [];
  }
  return sentTokenizeByPunkt(text, params);
}

/** `sentTokenize` through every Punkt step, for any input (the definition the shortcut above follows). */
export function sentTokenizeByPunkt(text: string, params: PunktParameters = DEFAULT_PUNKT_PARAMETERS): string[] {
  // _slices_from_text
  const slices: [number, number][] = [];
  let lastBreak = 0;
  for (const { index, nextStart, context } of endContexts(text)) {
    if (containsSentbreak(context, params)) {
      slices.push([lastBreak, index + 1]);
      lastBreak = nextStart;
    }
  }
  slices.push([lastBreak, pyRstripLength(text)]);

  // _realign_boundaries: closing quotes/brackets after the break belong to the earlier sentence.
  const sentences: string[] = [];
  let realign = 0;
  for (let i = 0; i < slices.length; i++) {
    const [start1, stop1] = slices[i] as [number, number];
    const start = start1 + realign;
    const next = slices[i + 1];
    if (next === undefined) {
      if (start < stop1) sentences.push(text.slice(start, stop1));
      continue;
    }
    const m = BOUNDARY_REALIGNMENT_RE.exec(text.slice(next[0], next[1]));
    if (m !== null) {
      sentences.push(text.slice(start, next[0] + pyRstripLength(m[0])));
      realign = m[0].length;
    } else {
      realign = 0;
      if (start < stop1) sentences.push(text.slice(start, stop1));
    }
  }
  return sentences;
}

// ---------------------------------------------------------------------------------------------

/** nltk 3.8 `word_tokenize(text)`: Punkt sentences, each tokenized by NLTKWordTokenizer. */
export function wordTokenize(text: string): string[] {
  const sentences = sentTokenize(text);
  if (sentences.length === 1) return treebankTokenize(sentences[0] as string);
  const tokens: string[] = [];
  for (const sentence of sentences) {
    for (const token of treebankTokenize(sentence)) tokens.push(token);
  }
  return tokens;
}
