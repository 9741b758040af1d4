/**
 * METEOR, ported from nltk 3.8 `nltk.translate.meteor_score.meteor_score([reference], hypothesis)`
 * with its defaults: `preprocess=str.lower`, `PorterStemmer()`, the WordNet 3.0 corpus, alpha 0.9,
 * beta 3, gamma 0.5. Scores must equal nltk's to 1e-9, so nltk's quirks are kept:
 *
 * - alignment is greedy, stage by stage (exact, stem, synonym), each stage scanning hypothesis
 *   positions from last to first and, for each, reference positions from last to first, taking
 *   the first equal pair (`_match_enums`);
 * - the stem stage hands its *stemmed* leftovers to the synonym stage, so synonyms are looked up
 *   for the stem of a hypothesis word and compared with stems of reference words;
 * - no match, or an empty side, scores 0.0 (nltk catches the ZeroDivisionError).
 */
import { porterStem } from './porter-stemmer.ts';
import { wordTokenize } from './word-tokenize.ts';
import { synonyms } from './wordnet.ts';

export interface MeteorParams {
  readonly alpha?: number;
  readonly beta?: number;
  readonly gamma?: number;
}

/** One unmatched word and its position in the token list (nltk's enumerate() pairs). */
interface Enumerated {
  readonly index: number;
  readonly word: string;
}

/** A hypothesis position aligned to a reference position. */
type Match = readonly [hypothesisIndex: number, referenceIndex: number];

const STEM_CACHE_LIMIT = 100_000;
const stemCache = new Map<string, string>();

/** `porterStem` memoised per word; the cap evicts the oldest entry. */
function cachedStem(word: string): string {
  const cached = stemCache.get(word);
  if (cached !== undefined) return cached;
  const stem = porterStem(word);
  if (stemCache.size >= STEM_CACHE_LIMIT) {
    const oldest = stemCache.keys().next();
    if (oldest.done !== true) stemCache.delete(oldest.value);
  }
  stemCache.set(word, stem);
  return stem;
}

/**
 * nltk `_match_enums` (and `_enum_wordnetsyn_match`, when `synonymsOf` is given): for each
 * hypothesis word from the end, the last still-unmatched reference word equal to it (or to one of
 * its synonyms) is paired with it and both leave their lists (nltk pops them; here both lists are
 * rewritten at the end, in order).
 *
 * nltk scans the reference list for every hypothesis word: quadratic, seconds to minutes for a
 * long text. The same pairs come from an index: the unmatched reference positions of each word,
 * ascending, so the last one is at the end of its list. The last position among the lists of the
 * words a hypothesis word matches is exactly where nltk's backwards scan stops.
 */
function matchEnums(hypothesis: Enumerated[], reference: Enumerated[], synonymsOf: ((word: string) => ReadonlySet<string>) | null, out: Match[]): void {
  const positions = new Map<string, number[]>();
  for (let j = 0; j < reference.length; j += 1) {
    const word = (reference[j] as Enumerated).word;
    const list = positions.get(word);
    if (list === undefined) positions.set(word, [j]);
    else list.push(j);
  }
  const hypothesisMatched = new Uint8Array(hypothesis.length);
  const referenceMatched = new Uint8Array(reference.length);
  for (let i = hypothesis.length - 1; i >= 0 && positions.size > 0; i -= 1) {
    const word = (hypothesis[i] as Enumerated).word;
    let bestWord = word;
    let best = lastOf(positions.get(word));
    const names = synonymsOf?.(word);
    if (names !== undefined && names.size > 0) {
      // walk whichever is shorter: the synonyms, or the distinct words still unmatched
      if (names.size <= positions.size) {
        for (const name of names) {
          const last = lastOf(positions.get(name));
          if (last > best) [best, bestWord] = [last, name];
        }
      } else {
        for (const [name, list] of positions) {
          const last = lastOf(list);
          if (last > best && names.has(name)) [best, bestWord] = [last, name];
        }
      }
    }
    if (best < 0) continue;
    const list = positions.get(bestWord) as number[];
    list.pop();
    if (list.length === 0) positions.delete(bestWord);
    out.push([(hypothesis[i] as Enumerated).index, (reference[best] as Enumerated).index]);
    hypothesisMatched[i] = 1;
    referenceMatched[best] = 1;
  }
  keepUnmatched(hypothesis, hypothesisMatched);
  keepUnmatched(reference, referenceMatched);
}

const lastOf = (list: readonly number[] | undefined): number => (list === undefined ? -1 : (list[list.length - 1] ?? -1));

/** Drops the flagged entries of a list in place, keeping the order of the rest. */
function keepUnmatched(list: Enumerated[], matched: Uint8Array): void {
  let kept = 0;
  for (let k = 0; k < list.length; k += 1) if (matched[k] === 0) list[kept++] = list[k] as Enumerated;
  list.length = kept;
}

/** nltk `_enum_stem_match`'s relabelling: each leftover word replaced by its Porter stem. */
function stemAll(list: readonly Enumerated[]): Enumerated[] {
  return list.map(({ index, word }) => ({ index, word: cachedStem(word) }));
}

/**
 * nltk `_count_chunks`: runs of matches (sorted by hypothesis position) that are adjacent in
 * both the hypothesis and the reference.
 */
function countChunks(matches: readonly Match[]): number {
  let chunks = 1;
  for (let i = 0; i + 1 < matches.length; i += 1) {
    const current = matches[i];
    const next = matches[i + 1];
    if (current === undefined || next === undefined) continue;
    if (!(next[0] === current[0] + 1 && next[1] === current[1] + 1)) chunks += 1;
  }
  return chunks;
}

/**
 * nltk 3.8 `meteor_score([reference], hypothesis)` (= `single_meteor_score`) on pre-tokenized
 * input. Tokens are lowercased with `toLowerCase()`, nltk's `str.lower`.
 */
export function meteorScore(
  reference: readonly string[],
  hypothesis: readonly string[],
  params: MeteorParams = {},
): number {
  const alpha = params.alpha ?? 0.9;
  const beta = params.beta ?? 3;
  const gamma = params.gamma ?? 0.5;
  const translationLength = hypothesis.length;
  const referenceLength = reference.length;
  if (translationLength === 0 || referenceLength === 0) return 0;

  let hyp: Enumerated[] = hypothesis.map((word, index) => ({ index, word: word.toLowerCase() }));
  let ref: Enumerated[] = reference.map((word, index) => ({ index, word: word.toLowerCase() }));

  // nltk `_enum_align_words`: exact, then stems, then synonyms, each on what is left.
  const matches: Match[] = [];
  matchEnums(hyp, ref, null, matches);
  if (hyp.length > 0 && ref.length > 0) {
    hyp = stemAll(hyp);
    ref = stemAll(ref);
    matchEnums(hyp, ref, null, matches);
    matchEnums(hyp, ref, synonyms, matches);
  }
  const matchCount = matches.length;
  if (matchCount === 0) return 0;
  // Each hypothesis position is matched at most once, so this is nltk's sort by key.
  matches.sort((a, b) => a[0] - b[0]);

  // Same operation order as nltk, so the floating-point result is bit-identical.
  const precision = matchCount / translationLength;
  const recall = matchCount / referenceLength;
  const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall);
  const fragFrac = countChunks(matches) / matchCount;
  const penalty = gamma * fragFrac ** beta;
  return (1 - penalty) * fmean;
}

/**
 * METEOR of a candidate string against a reference string, both split by `tokenize` — by default
 * the nltk `word_tokenize` port, as text_similarity uses (architecture §6).
 */
export function meteor(
  candidate: string,
  reference: string,
  tokenize: (text: string) => string[] = wordTokenize,
): number {
  return meteorScore(tokenize(reference), tokenize(candidate));
}
