/**
 * fuzzy_match: rapidfuzz 3.10 `fuzz.WRatio(candidate, reference, processor=utils.default_process) / 100`,
 * ported from the C++ implementation the Python package runs (rapidfuzz-cpp `fuzz_impl.hpp`,
 * release bundled with rapidfuzz 3.10.1) together with the individual scorers WRatio combines.
 *
 * Scores are on rapidfuzz's 0…100 scale except `fuzzyMatch`, which is 0…1. Strings are handled
 * as code points, since rapidfuzz works on the code points of a Python `str`.
 *
 * `score_cutoff` is left out: in rapidfuzz it only prunes work or turns results below the cutoff
 * into 0, and WRatio only passes cutoffs under which such a result cannot win its `max` (the
 * skips in `wRatioText` keep just the saving).
 */
import { LcsPattern, lcsLength } from './levenshtein.ts';
import { bestWindowLcs } from './window-lcs.ts';
import { appendCodePoints, defaultProcessCodePoints, toCodePoints } from './rapidfuzz-default-process.ts';

type Seq = readonly number[];

/**
 * A prepared input: the (processed) string, its code points, and whether Python would store the
 * original string with more than one byte per character (some code point > U+00FF).
 * rapidfuzz's whitespace test depends on that storage width (`is_space` in
 * `details/common_impl.hpp`): for 1-byte strings U+0085 and U+00A0 are not separators.
 */
interface Text {
  readonly str: string;
  readonly cps: Seq;
  readonly wide: boolean;
}

export interface FuzzOptions {
  /** apply `utils.default_process` to both strings first (the `processor=` argument) */
  readonly defaultProcess?: boolean;
}

function prepare(text: string, options: FuzzOptions): Text {
  let wide = false;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      wide = true;
      break;
    }
  }
  if (options.defaultProcess !== true) return { str: text, cps: toCodePoints(text), wide };
  const { str, cps } = defaultProcessCodePoints(text);
  return { str, cps, wide };
}

// ---------------------------------------------------------------------------------------------
// ratio — `fuzz::ratio`: normalized Indel similarity.

/** (1 - indel_distance / (len1 + len2)) · 100, or 100 for two empty sequences. */
function ratioSeq(s1: Seq, s2: Seq): number {
  const lensum = s1.length + s2.length;
  if (lensum === 0) return 100;
  const dist = lensum - 2 * lcsLength(s1, s2);
  return (1 - dist / lensum) * 100;
}

/** `fuzz_detail::norm_distance`: a distance turned into a 0…100 similarity. */
function normDistance(dist: number, lensum: number): number {
  return lensum > 0 ? 100 - (100 * dist) / lensum : 100;
}

// ---------------------------------------------------------------------------------------------
// partial_ratio — `fuzz::partial_ratio_alignment` / `fuzz_detail::partial_ratio_impl`.

/** The shorter string, prepared once per partial_ratio call (never used re-entrantly). */
const needle = new LcsPattern();
/** The same string reversed: LCS against suffixes becomes LCS against prefixes of the reversal. */
const reversedNeedle = new LcsPattern();
let prefixLcs = new Int32Array(64);

function reversed(seq: Seq, start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = end - 1; i >= start; i--) out.push(seq[i] as number);
  return out;
}

/**
 * Smallest Indel distance between the needle (length len1) and the windows
 * `hay[start, start + len1)` for start in [0, windowCount). Like rapidfuzz, it evaluates the two
 * ends of a range of windows and only splits the range when a window inside could beat the best
 * distance so far: moving a window by one position removes one symbol and adds one, so the
 * distance changes by at most 2 per step, and all these distances are even (2·len1 − 2·LCS).
 * The result is the exact minimum; 2·len1 means no window shares a symbol with the needle.
 */
function minWindowDistance(s1: Seq, hay: Seq, windowCount: number): number {
  const len1 = s1.length;
  const maximum = 2 * len1;
  const scores = new Int32Array(windowCount).fill(-1);
  let best = maximum; // only strictly smaller distances count, as in rapidfuzz
  // One window costs len1·⌈len1/32⌉ steps; seaweed combing (window-lcs.ts) scores every window
  // in len1·(windowCount + len1 − 1) steps of about twice the price. When pruning leaves more
  // windows than that to evaluate, the rest are left to it: the same minimum, in at most about
  // twice the time of the cheaper method. (Only long needles against long texts get there.)
  let allowance = Math.max(8, Math.floor((windowCount + len1) / (2 * Math.ceil(len1 / 32))));
  let ranges: number[] = [0, windowCount - 1];
  while (ranges.length > 0) {
    const next: number[] = [];
    for (let k = 0; k < ranges.length; k += 2) {
      const first = ranges[k] as number;
      const last = ranges[k + 1] as number;
      for (const start of [first, last]) {
        if ((scores[start] as number) >= 0) continue;
        if (--allowance < 0) return Math.min(best, maximum - 2 * bestWindowLcs(s1, hay, windowCount));
        const d = maximum - 2 * needle.lcs(hay, start, start + len1);
        scores[start] = d;
        if (d < best) best = d;
      }
      if (best === 0) return 0;
      const cells = last - first;
      if (cells <= 1) continue;
      const dFirst = scores[first] as number;
      const dLast = scores[last] as number;
      // lowest distance reachable between the two ends given the ±2-per-step limit, rounded
      // down to an even number (rapidfuzz-cpp: `max_score_improvement`)
      const knownEdits = Math.abs(dFirst - dLast);
      const lowest = Math.min(dFirst, dLast) - (((cells - (knownEdits >> 1)) >> 1) << 1);
      if (lowest < best) {
        const center = first + (cells >> 1);
        next.push(first, center, center, last);
      }
    }
    ranges = next;
  }
  return best;
}

/**
 * Best ratio of `s1` against the substrings of `s2` rapidfuzz considers, with
 * 0 < len(s1) <= len(s2): every full-length window, plus the prefixes `s2[:i]` and suffixes
 * `s2[i:]` shorter than s1 (those are skipped when their outer character is not in s1, which
 * cannot lose the best score).
 */
function partialRatioImpl(s1: Seq, s2: Seq): number {
  const len1 = s1.length;
  const len2 = s2.length;
  needle.assign(s1);
  let best = 0;

  if (len2 > len1) {
    // windows starting at 0 … len2-len1-1; the last full window is the first "suffix" below
    const dist = minWindowDistance(s1, s2, len2 - len1);
    if (dist === 0) return 100;
    const maximum = 2 * len1;
    if (dist < maximum) best = (1 - dist / maximum) * 100;
  }

  // The prefixes s2[:i] and suffixes s2[i:] rapidfuzz scores one by one; their LCS values come
  // from one incremental scan each (exact, so the best score is the same).
  if (prefixLcs.length < len1) prefixLcs = new Int32Array(len1);
  const lcsAt = prefixLcs;

  needle.lcsOfPrefixes(s2, 0, len1 - 1, lcsAt); // lcsAt[i - 1] = LCS(s1, s2[:i])
  for (let i = 1; i < len1; i++) {
    if (!needle.has(s2[i - 1] as number)) continue;
    const lensum = len1 + i;
    const score = (1 - (lensum - 2 * (lcsAt[i - 1] as number)) / lensum) * 100;
    if (score > best) {
      best = score;
      if (best === 100) return best;
    }
  }

  reversedNeedle.assign(reversed(s1, 0, len1));
  reversedNeedle.lcsOfPrefixes(reversed(s2, len2 - len1, len2), 0, len1, lcsAt); // lcsAt[len2 - 1 - i] = LCS(s1, s2[i:])
  for (let i = len2 - len1; i < len2; i++) {
    if (!needle.has(s2[i] as number)) continue;
    const lensum = len1 + (len2 - i);
    const score = (1 - (lensum - 2 * (lcsAt[len2 - 1 - i] as number)) / lensum) * 100;
    if (score > best) {
      best = score;
      if (best === 100) return best;
    }
  }
  return best;
}

function partialRatioSeq(s1: Seq, s2: Seq): number {
  if (s1.length > s2.length) return partialRatioSeq(s2, s1);
  if (s1.length === 0 || s2.length === 0) return s1.length === s2.length ? 100 : 0;
  const score = partialRatioImpl(s1, s2);
  // for equal lengths neither string is "the needle": rapidfuzz also tries the other way round
  if (score !== 100 && s1.length === s2.length) return Math.max(score, partialRatioImpl(s2, s1));
  return score;
}

// ---------------------------------------------------------------------------------------------
// Tokens — `detail::sorted_split`, `SplittedSentenceView`, `detail::set_decomposition`.

/** rapidfuzz `is_space`: the 1-byte variant for narrow strings, the full one otherwise. */
function isSpace(cp: number, wide: boolean): boolean {
  if (cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f)) return true;
  if (!wide || cp < 0x85) return false;
  return (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/**
 * Code point order of two strings (C++ `std::lexicographical_compare` on code points). UTF-16
 * code unit order (JavaScript's `<`) differs from it only where a surrogate meets a unit
 * >= U+E000, so only that case is adjusted.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Words sorted by code points, and whether any holds a surrogate (then `<` is not that order). */
interface SortedWords {
  readonly words: string[];
  readonly surrogates: boolean;
}

/** Words split on whitespace, sorted by code points; duplicates are kept. */
function sortedSplit(text: Text): SortedWords {
  const { str, wide } = text;
  const words: string[] = [];
  let surrogates = false;
  let start = 0;
  // every separator is a BMP character, so scanning UTF-16 units splits exactly like code points
  for (let i = 0; i <= str.length; i++) {
    const unit = i < str.length ? str.charCodeAt(i) : 0x20;
    if (isSpace(unit, wide)) {
      if (i > start) words.push(str.slice(start, i));
      start = i + 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      surrogates = true;
    }
  }
  return sortWords(words, surrogates);
}

function sortWords(words: string[], surrogates: boolean): SortedWords {
  if (surrogates) words.sort(compareCodePoints);
  else if (words.length <= SHORT_LIST) sortShortList(words);
  else words.sort();
  return { words, surrogates };
}

/** Lists up to this long are sorted by `sortShortList` (insertion sort: quadratic). */
const SHORT_LIST = 64;
const sortKeys = new Float64Array(SHORT_LIST);

/**
 * Sorts a short list of surrogate-free words in UTF-16 order (= code point order for them), like
 * `words.sort()` but several times faster: each word carries a number made of its first three
 * units (a missing unit counting as 0, below every real one), so a smaller key means a smaller
 * word, and only equal keys need a string comparison.
 */
function sortShortList(words: string[]): void {
  const keys = sortKeys;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const n = word.length;
    const key = (n > 0 ? word.charCodeAt(0) * 0x100000000 : 0) + (n > 1 ? word.charCodeAt(1) * 0x10000 : 0) + (n > 2 ? word.charCodeAt(2) : 0);
    let j = i - 1;
    while (j >= 0) {
      const other = keys[j] as number;
      if (other < key || (other === key && (words[j] as string) <= word)) break;
      keys[j + 1] = other;
      words[j + 1] = words[j] as string;
      j--;
    }
    keys[j + 1] = key;
    words[j + 1] = word;
  }
}

/** Length in code points (Python `len`). */
function codePointLength(str: string): number {
  let length = str.length;
  for (let i = 0; i + 1 < str.length; i++) {
    const unit = str.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = str.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

/**
 * Words joined by single spaces, as code points (`SplittedSentenceView::join`): the code points
 * of `words.join(' ')`, decoded word by word (a surrogate pair never spans the separator).
 */
function join(words: readonly string[]): Seq {
  const out: number[] = [];
  for (let w = 0; w < words.length; w++) {
    if (w > 0) out.push(0x20);
    appendCodePoints(out, words[w] as string);
  }
  return out;
}

interface Decomposition {
  readonly intersection: string[];
  readonly diffAB: string[];
  readonly diffBA: string[];
}

/** Index of the first word after `words[i]` that differs from it. */
function skipCopies(words: readonly string[], i: number): number {
  const word = words[i];
  do i++;
  while (i < words.length && words[i] === word);
  return i;
}

/**
 * Distinct words of both sides split into common words and words of only one side, all sorted
 * (`detail::set_decomposition` after `dedupe`): one merge of the two sorted lists.
 */
function setDecomposition(a: SortedWords, b: SortedWords): Decomposition {
  const wordsA = a.words;
  const wordsB = b.words;
  const byCodePoints = a.surrogates || b.surrogates;
  const intersection: string[] = [];
  const diffAB: string[] = [];
  const diffBA: string[] = [];
  let i = 0;
  let j = 0;
  while (i < wordsA.length && j < wordsB.length) {
    const x = wordsA[i] as string;
    const y = wordsB[j] as string;
    if (x === y) {
      intersection.push(x);
      i = skipCopies(wordsA, i);
      j = skipCopies(wordsB, j);
    } else if (byCodePoints ? compareCodePoints(x, y) < 0 : x < y) {
      diffAB.push(x);
      i = skipCopies(wordsA, i);
    } else {
      diffBA.push(y);
      j = skipCopies(wordsB, j);
    }
  }
  for (; i < wordsA.length; i = skipCopies(wordsA, i)) diffAB.push(wordsA[i] as string);
  for (; j < wordsB.length; j = skipCopies(wordsB, j)) diffBA.push(wordsB[j] as string);
  return { intersection, diffAB, diffBA };
}

/** Code point length of `words.join(' ')`. */
function joinedLength(words: readonly string[]): number {
  let length = words.length > 0 ? words.length - 1 : 0;
  for (const word of words) length += codePointLength(word);
  return length;
}

// ---------------------------------------------------------------------------------------------
// Token scorers.

/**
 * The set-based part shared by `token_set_ratio` and `token_ratio`: the best of
 * diff_ab vs diff_ba, and of "sect" vs "sect + diff" on either side (those two only differ by
 * the appended words, so their distance is known from the lengths).
 */
function tokenSetScore(d: Decomposition): number {
  const abJoined = join(d.diffAB);
  const baJoined = join(d.diffBA);
  const sectLen = joinedLength(d.intersection);
  const sep = sectLen > 0 ? 1 : 0;
  const sectABLen = sectLen + sep + abJoined.length;
  const sectBALen = sectLen + sep + baJoined.length;

  const dist = abJoined.length + baJoined.length - 2 * lcsLength(abJoined, baJoined);
  const result = normDistance(dist, sectABLen + sectBALen);
  if (sectLen === 0) return result;

  const sectABRatio = normDistance(sep + abJoined.length, sectLen + sectABLen);
  const sectBARatio = normDistance(sep + baJoined.length, sectLen + sectBALen);
  return Math.max(result, sectABRatio, sectBARatio);
}

/** `fuzz::token_sort_ratio`. */
function tokenSortRatioText(a: Text, b: Text): number {
  return ratioSeq(join(sortedSplit(a).words), join(sortedSplit(b).words));
}

/** `fuzz::token_set_ratio`. */
function tokenSetRatioText(a: Text, b: Text): number {
  const tokensA = sortedSplit(a);
  const tokensB = sortedSplit(b);
  // FuzzyWuzzy compatibility: no words on one side scores 0
  if (tokensA.words.length === 0 || tokensB.words.length === 0) return 0;
  const d = setDecomposition(tokensA, tokensB);
  // one sentence's words are all contained in the other's
  if (d.intersection.length > 0 && (d.diffAB.length === 0 || d.diffBA.length === 0)) return 100;
  return tokenSetScore(d);
}

/** `fuzz::token_ratio`: max(token_set_ratio, token_sort_ratio) computed in one pass, as WRatio uses it. */
function tokenRatioText(a: Text, b: Text): number {
  const tokensA = sortedSplit(a);
  const tokensB = sortedSplit(b);
  const d = setDecomposition(tokensA, tokensB);
  if (d.intersection.length > 0 && (d.diffAB.length === 0 || d.diffBA.length === 0)) return 100;
  const sortRatio = ratioSeq(join(tokensA.words), join(tokensB.words));
  return Math.max(sortRatio, tokenSetScore(d));
}

/** `fuzz::partial_token_sort_ratio`. */
function partialTokenSortRatioText(a: Text, b: Text): number {
  return partialRatioSeq(join(sortedSplit(a).words), join(sortedSplit(b).words));
}

/** `fuzz::partial_token_set_ratio`. */
function partialTokenSetRatioText(a: Text, b: Text): number {
  const tokensA = sortedSplit(a);
  const tokensB = sortedSplit(b);
  if (tokensA.words.length === 0 || tokensB.words.length === 0) return 0;
  const d = setDecomposition(tokensA, tokensB);
  // a common word is a perfect partial match
  if (d.intersection.length > 0) return 100;
  return partialRatioSeq(join(d.diffAB), join(d.diffBA));
}

/** `fuzz::partial_token_ratio`: max(partial_token_set_ratio, partial_token_sort_ratio) in one pass. */
function partialTokenRatioText(a: Text, b: Text): number {
  const tokensA = sortedSplit(a);
  const tokensB = sortedSplit(b);
  const d = setDecomposition(tokensA, tokensB);
  if (d.intersection.length > 0) return 100;
  const result = partialRatioSeq(join(tokensA.words), join(tokensB.words));
  // without duplicate words the set variant compares the very same strings: skip it
  if (tokensA.words.length === d.diffAB.length && tokensB.words.length === d.diffBA.length) return result;
  return Math.max(result, partialRatioSeq(join(d.diffAB), join(d.diffBA)));
}

// ---------------------------------------------------------------------------------------------
// WRatio — `fuzz::WRatio`.

const UNBASE_SCALE = 0.95;

function wRatioText(a: Text, b: Text): number {
  const len1 = a.cps.length;
  const len2 = b.cps.length;
  // FuzzyWuzzy compatibility: an empty side scores 0 (even against another empty string)
  if (len1 === 0 || len2 === 0) return 0;
  const lenRatio = len1 > len2 ? len1 / len2 : len2 / len1;
  let endRatio = ratioSeq(a.cps, b.cps);

  // Each later candidate is a 0…100 score times a scale; like rapidfuzz's score_cutoff, skip it
  // when even 100·scale cannot beat the best so far (the result is the same either way).

  // similar lengths: whole-string comparisons only, token ones slightly discounted
  if (lenRatio < 1.5) {
    if (endRatio >= 100 * UNBASE_SCALE) return endRatio;
    return Math.max(endRatio, tokenRatioText(a, b) * UNBASE_SCALE);
  }

  // very different lengths: substring comparisons, discounted more the more lengths differ.
  // rapidfuzz 3.10 (rapidfuzz-cpp < 3.3.3) takes 0.6 from a ratio of exactly 8 on; later
  // releases moved that boundary to "> 8".
  const partialScale = lenRatio < 8 ? 0.9 : 0.6;
  if (endRatio < 100 * partialScale) endRatio = Math.max(endRatio, partialRatioSeq(a.cps, b.cps) * partialScale);
  if (endRatio >= 100 * UNBASE_SCALE * partialScale) return endRatio;
  return Math.max(endRatio, partialTokenRatioText(a, b) * UNBASE_SCALE * partialScale);
}

// ---------------------------------------------------------------------------------------------
// Public scorers (0…100), named after their rapidfuzz `fuzz.*` counterparts.

type Scorer = (a: Text, b: Text) => number;

function scorer(impl: Scorer): (s1: string, s2: string, options?: FuzzOptions) => number {
  return (s1, s2, options = {}) => impl(prepare(s1, options), prepare(s2, options));
}

/** `fuzz.ratio` */
export const ratio = scorer((a, b) => ratioSeq(a.cps, b.cps));
/** `fuzz.partial_ratio` */
export const partialRatio = scorer((a, b) => partialRatioSeq(a.cps, b.cps));
/** `fuzz.token_sort_ratio` */
export const tokenSortRatio = scorer(tokenSortRatioText);
/** `fuzz.token_set_ratio` */
export const tokenSetRatio = scorer(tokenSetRatioText);
/** `fuzz.token_ratio` */
export const tokenRatio = scorer(tokenRatioText);
/** `fuzz.partial_token_sort_ratio` */
export const partialTokenSortRatio = scorer(partialTokenSortRatioText);
/** `fuzz.partial_token_set_ratio` */
export const partialTokenSetRatio = scorer(partialTokenSetRatioText);
/** `fuzz.partial_token_ratio` */
export const partialTokenRatio = scorer(partialTokenRatioText);
/** `fuzz.WRatio` */
export const wRatio = scorer(wRatioText);

const PROCESSED: FuzzOptions = { defaultProcess: true };

/**
 * The text_similarity `fuzzy_match` score (docs/architecture.md §6):
 * `fuzz.WRatio(candidate, reference, processor=utils.default_process) / 100`, in 0…1.
 */
export function fuzzyMatch(candidate: string, reference: string): number {
  return wRatio(candidate, reference, PROCESSED) / 100;
}
