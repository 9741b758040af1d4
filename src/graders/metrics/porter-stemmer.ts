/**
 * Porter stemmer, ported from nltk 3.8 `nltk.stem.porter.PorterStemmer` in its default
 * `NLTK_EXTENSIONS` mode, called as `stem(word)` (i.e. `to_lowercase=True`). METEOR's stem stage
 * uses it, so the output must equal nltk's for every word, quirks included:
 *
 * - the irregular-forms pool is consulted with the word as given, before lowercasing, so 'sky'
 *   stays 'sky' while 'Sky' goes through the steps and becomes 'ski' (nltk `stem`);
 * - the "leave words of one or two characters alone" check also looks at the word as given;
 * - `_apply_rule_list` stops at the first rule whose suffix matches, even when its condition
 *   fails, and its `*d` pseudo-suffix falls back to a literal `'*d'` ending test.
 *
 * nltk indexes and measures Python strings by code point; the steps below index UTF-16 units, so
 * a word holding astral characters is first re-spelt with one private-use unit per distinct astral
 * character (none of the rules can tell the difference) and spelt back at the end.
 */

/** nltk's irregular_forms table, inverted into its `pool` (form → stem). */
const POOL: ReadonlyMap<string, string> = new Map(
  (
    [
      ['sky', ['sky', 'skies']],
      ['die', ['dying']],
      ['lie', ['lying']],
      ['tie', ['tying']],
      ['news', ['news']],
      ['inning', ['innings', 'inning']],
      ['outing', ['outings', 'outing']],
      ['canning', ['cannings', 'canning']],
      ['howe', ['howe']],
      ['proceed', ['proceed']],
      ['exceed', ['exceed']],
      ['succeed', ['succeed']],
    ] as const
  ).flatMap(([stem, forms]) => forms.map((form) => [form, stem] as const)),
);

/** Stems `word` exactly like nltk 3.8 `PorterStemmer().stem(word)`. */
export function porterStem(word: string): string {
  const lowered = word.toLowerCase();
  // nltk `stem`: pool lookup keyed by the original word, result taken from the lowered one.
  if (POOL.has(word)) return POOL.get(lowered) ?? lowered;
  if (codePointLength(word) <= 2) return lowered;
  if (!/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(lowered)) return runSteps(lowered);
  const { text, restore } = toSingleUnits(lowered);
  return restore(runSteps(text));
}

function runSteps(word: string): string {
  let stem = step1a(word);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  return step5b(stem);
}

// ---------------------------------------------------------------- letter classes and measure

function isVowelLetter(ch: string | undefined): boolean {
  return ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u';
}

/**
 * nltk `_is_consonant`: not a, e, i, o, u, and 'y' only when it follows a vowel (or starts the
 * word). nltk recurses through runs of 'y'; walking back and flipping once per 'y' is the same.
 */
function isConsonant(word: string, i: number): boolean {
  let flips = 0;
  let k = i;
  while (word[k] === 'y' && k > 0) {
    k -= 1;
    flips += 1;
  }
  const ch = word[k];
  // Here word[k] is either not 'y', or a 'y' at position 0 (which nltk counts as a consonant).
  const base = ch === 'y' ? true : !isVowelLetter(ch);
  return flips % 2 === 0 ? base : !base;
}

/** nltk `_measure`: number of vowel→consonant transitions, i.e. m in [C](VC){m}[V]. */
function measure(stem: string): number {
  let m = 0;
  let previousIsConsonant = true;
  for (let i = 0; i < stem.length; i += 1) {
    const ch = stem[i];
    // Same left-to-right definition as isConsonant, without the backward walk.
    const consonant: boolean = ch === 'y' ? (i === 0 ? true : !previousIsConsonant) : !isVowelLetter(ch);
    if (consonant && i > 0 && !previousIsConsonant) m += 1;
    previousIsConsonant = consonant;
  }
  return m;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function measureGreaterThanOne(stem: string): boolean {
  return measure(stem) > 1;
}

/** nltk `_contains_vowel`. */
function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i += 1) if (!isConsonant(stem, i)) return true;
  return false;
}

/** nltk `_ends_double_consonant` (condition *d). */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** nltk `_ends_cvc` (condition *o), with the NLTK extension for two-letter stems like 'ow'. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const last = word[n - 1];
    if (
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      last !== 'w' &&
      last !== 'x' &&
      last !== 'y'
    ) {
      return true;
    }
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

// ---------------------------------------------------------------- rule lists

type Condition = ((stem: string) => boolean) | null;
type Rule = readonly [suffix: string, replacement: string, condition: Condition];

/**
 * nltk `_apply_rule_list`: the first rule whose suffix matches decides — its condition failing
 * leaves the word unchanged rather than trying later rules.
 */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === '*d' && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    // For '*d' this is nltk's literal endswith('*d') fallback; '' matches every word.
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A_RULES: readonly Rule[] = [
  ['sses', 'ss', null],
  ['ies', 'i', null],
  ['ss', 'ss', null],
  ['s', '', null],
];

/** nltk `_step1a`, with the NLTK rule that 'dies' → 'die' (four-letter -ies words). */
function step1a(word: string): string {
  if (word.endsWith('ies') && word.length === 4) return word.slice(0, -3) + 'ie';
  return applyRuleList(word, STEP1A_RULES);
}

/** nltk `_step1b`: -eed, -ed, -ing, then the tidy-up rules on what -ed/-ing left behind. */
function step1b(word: string): string {
  // NLTK extension: 'died' → 'die' but 'spied' → 'spi'.
  if (word.endsWith('ied')) return word.slice(0, -3) + (word.length === 4 ? 'ie' : 'i');

  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + 'ee' : word;
  }

  let intermediate: string | null = null;
  for (const suffix of ['ed', 'ing']) {
    if (word.endsWith(suffix)) {
      const candidate = word.slice(0, word.length - suffix.length);
      if (containsVowel(candidate)) {
        intermediate = candidate;
        break;
      }
    }
  }
  if (intermediate === null) return word;

  // A stem that contains a vowel is never empty, so `last` is a real character.
  const last = intermediate.slice(-1);
  return applyRuleList(intermediate, [
    ['at', 'ate', null],
    ['bl', 'ble', null],
    ['iz', 'ize', null],
    ['*d', last, () => last !== 'l' && last !== 's' && last !== 'z'],
    ['', 'e', (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

/** nltk `_step1c` with its NLTK condition: y → i only after a consonant in a stem longer than 1. */
function step1c(word: string): string {
  return applyRuleList(word, [
    ['y', 'i', (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)],
  ]);
}

const STEP2_BASE_RULES: readonly Rule[] = [
  ['ational', 'ate', hasPositiveMeasure],
  ['tional', 'tion', hasPositiveMeasure],
  ['enci', 'ence', hasPositiveMeasure],
  ['anci', 'ance', hasPositiveMeasure],
  ['izer', 'ize', hasPositiveMeasure],
  ['bli', 'ble', hasPositiveMeasure],
  ['alli', 'al', hasPositiveMeasure],
  ['entli', 'ent', hasPositiveMeasure],
  ['eli', 'e', hasPositiveMeasure],
  ['ousli', 'ous', hasPositiveMeasure],
  ['ization', 'ize', hasPositiveMeasure],
  ['ation', 'ate', hasPositiveMeasure],
  ['ator', 'ate', hasPositiveMeasure],
  ['alism', 'al', hasPositiveMeasure],
  ['iveness', 'ive', hasPositiveMeasure],
  ['fulness', 'ful', hasPositiveMeasure],
  ['ousness', 'ous', hasPositiveMeasure],
  ['aliti', 'al', hasPositiveMeasure],
  ['iviti', 'ive', hasPositiveMeasure],
  ['biliti', 'ble', hasPositiveMeasure],
  ['fulli', 'ful', hasPositiveMeasure],
];

/** nltk `_step2` (NLTK mode: -alli first and re-run, 'bli' not 'abli', extra -fulli and -logi). */
function step2(word: string): string {
  if (word.endsWith('alli') && hasPositiveMeasure(word.slice(0, -4))) {
    return step2(word.slice(0, -4) + 'al');
  }
  // The 'l' of -logi stays with the stem for the measure, so 'geology' works like 'philology'.
  return applyRuleList(word, [
    ...STEP2_BASE_RULES,
    ['logi', 'log', () => hasPositiveMeasure(word.slice(0, -3))],
  ]);
}

const STEP3_RULES: readonly Rule[] = [
  ['icate', 'ic', hasPositiveMeasure],
  ['ative', '', hasPositiveMeasure],
  ['alize', 'al', hasPositiveMeasure],
  ['iciti', 'ic', hasPositiveMeasure],
  ['ical', 'ic', hasPositiveMeasure],
  ['ful', '', hasPositiveMeasure],
  ['ness', '', hasPositiveMeasure],
];

/** nltk `_step3`. */
function step3(word: string): string {
  return applyRuleList(word, STEP3_RULES);
}

const STEP4_RULES: readonly Rule[] = [
  ['al', '', measureGreaterThanOne],
  ['ance', '', measureGreaterThanOne],
  ['ence', '', measureGreaterThanOne],
  ['er', '', measureGreaterThanOne],
  ['ic', '', measureGreaterThanOne],
  ['able', '', measureGreaterThanOne],
  ['ible', '', measureGreaterThanOne],
  ['ant', '', measureGreaterThanOne],
  ['ement', '', measureGreaterThanOne],
  ['ment', '', measureGreaterThanOne],
  ['ent', '', measureGreaterThanOne],
  ['ion', '', (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
  ['ou', '', measureGreaterThanOne],
  ['ism', '', measureGreaterThanOne],
  ['ate', '', measureGreaterThanOne],
  ['iti', '', measureGreaterThanOne],
  ['ous', '', measureGreaterThanOne],
  ['ive', '', measureGreaterThanOne],
  ['ize', '', measureGreaterThanOne],
];

/** nltk `_step4`. */
function step4(word: string): string {
  return applyRuleList(word, STEP4_RULES);
}

/** nltk `_step5a`: both -e conditions are tried, so it cannot use the rule-list helper. */
function step5a(word: string): string {
  if (!word.endsWith('e')) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  if (m > 1) return stem;
  if (m === 1 && !endsCvc(stem)) return stem;
  return word;
}

/** nltk `_step5b`: -ll → -l when the word less one 'l' has m > 1. */
function step5b(word: string): string {
  return applyRuleList(word, [['ll', 'l', () => measure(word.slice(0, -1)) > 1]]);
}

// ---------------------------------------------------------------- code point handling

/** Python's len(): surrogate pairs count once. */
function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      n -= 1;
      i += 1;
    }
  }
  return n;
}

/**
 * Gives each distinct astral character a private-use BMP stand-in that the word does not
 * already contain, so UTF-16 indexing counts code points like Python does.
 */
function toSingleUnits(word: string): { text: string; restore: (stem: string) => string } {
  const used = new Set(word);
  const forward = new Map<string, string>();
  const backward = new Map<string, string>();
  let next = 0xe000;
  let text = '';
  for (const ch of word) {
    if (ch.length === 1) {
      text += ch;
      continue;
    }
    let standIn = forward.get(ch);
    if (standIn === undefined) {
      while (used.has(String.fromCharCode(next))) next += 1;
      standIn = String.fromCharCode(next);
      next += 1;
      forward.set(ch, standIn);
      backward.set(standIn, ch);
    }
    text += standIn;
  }
  const restore = (stem: string): string => {
    let out = '';
    for (const ch of stem) out += backward.get(ch) ?? ch;
    return out;
  };
  return { text, restore };
}
