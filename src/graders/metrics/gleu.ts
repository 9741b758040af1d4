import { ngramMatches } from './ngrams.ts';
import { wordTokenize } from './word-tokenize.ts';

/**
 * Sentence GLEU as nltk 3.8 computes it (nltk/translate/gleu_score.py, `sentence_gleu` with
 * min_len=1, max_len=4): all 1- to 4-grams of each side counted together (nltk.util.everygrams);
 * per reference, matches = size of the Counter intersection and n_all = max(candidate n-grams,
 * reference n-grams); the reference with the best matches / n_all wins (the first on ties).
 */

const MIN_LEN = 1;
const MAX_LEN = 4;

/** Number of n-grams of orders MIN_LEN..MAX_LEN in `length` tokens (everygrams' total). */
function everygramTotal(length: number): number {
  let total = 0;
  for (let n = MIN_LEN; n <= MAX_LEN; n++) total += Math.max(0, length - n + 1);
  return total;
}

/** `sentence_gleu(references, hypothesis)`. */
export function sentenceGleu(references: readonly (readonly string[])[], hypothesis: readonly string[]): number {
  const tpfp = everygramTotal(hypothesis.length);
  let best: { match: number; all: number } | undefined;
  for (const reference of references) {
    const all = Math.max(tpfp, everygramTotal(reference.length));
    if (all === 0) continue;
    // n-grams of different orders never meet in the everygrams Counter, so the intersection
    // is the sum of the per-order intersections.
    const perOrder = ngramMatches(hypothesis, reference, MAX_LEN);
    let match = 0;
    for (let n = MIN_LEN; n <= MAX_LEN; n++) match += perOrder[n - 1] as number;
    if (best === undefined || match / all > best.match / best.all) best = { match, all };
  }
  // corpus_gleu over one sentence: 0.0 when no reference had any n-gram to compare.
  return best === undefined ? 0 : best.match / best.all;
}

/** The text_similarity `gleu` metric: both strings through nltk's word_tokenize, then sentenceGleu. */
export function gleu(candidate: string, reference: string): number {
  return sentenceGleu([wordTokenize(reference)], wordTokenize(candidate));
}
