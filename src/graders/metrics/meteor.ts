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
 * nltk `_match_enums` (and `_enum_wordnetsyn_match`, with another test): for each hypothesis
 * word from the end, the last still-unmatched reference word that `matches` it is paired with it
 * and both leave their lists. Mutates both lists, like nltk's `pop`.
 */
function matchEnums(
  hypothesis: Enumerated[],
  reference: Enumerated[],
  matches: (hypothesisWord: string) => (referenceWord: string) => boolean,
  out: Match[],
): void {
  for (let i = hypothesis.length - 1; i >= 0; i -= 1) {
    // Nothing left to pair with; nltk keeps looping, but without any effect.
    if (reference.length === 0) return;
    const h = hypothesis[i];
    if (h === undefined) continue;
    const test = matches(h.word);
    for (let j = reference.length - 1; j >= 0; j -= 1) {
      const r = reference[j];
      if (r !== undefined && test(r.word)) {
        out.push([h.index, r.index]);
        hypothesis.splice(i, 1);
        reference.splice(j, 1);
        break;
      }
    }
  }
}

const exactly =
  (hypothesisWord: string) =>
  (referenceWord: string): boolean =>
    hypothesisWord === referenceWord;

/** nltk `_enum_wordnetsyn_match`: the word itself or any WordNet synonym of it. */
const bySynonym = (hypothesisWord: string): ((referenceWord: string) => boolean) => {
  const names = synonyms(hypothesisWord);
  return (referenceWord) => referenceWord === hypothesisWord || names.has(referenceWord);
};

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
  matchEnums(hyp, ref, exactly, matches);
  if (hyp.length > 0 && ref.length > 0) {
    hyp = stemAll(hyp);
    ref = stemAll(ref);
    matchEnums(hyp, ref, exactly, matches);
    matchEnums(hyp, ref, bySynonym, matches);
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
 * the nltk `word_tokenize` port, as text_similarity uses (DESIGN §6).
 */
export function meteor(
  candidate: string,
  reference: string,
  tokenize: (text: string) => string[] = wordTokenize,
): number {
  return meteorScore(tokenize(reference), tokenize(candidate));
}
