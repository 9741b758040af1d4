import { ngramMatches } from './ngrams.ts';
import { wordTokenize } from './word-tokenize.ts';

/**
 * Sentence BLEU as nltk 3.8 computes it (nltk/translate/bleu_score.py): `sentence_bleu([ref], hyp,
 * weights=(0.25,)*4, smoothing_function=SmoothingFunction().<method>)` with one reference.
 */

/** SmoothingFunction methods offered: method0 (nltk's default, none), method1, method4. */
export type BleuSmoothing = 'method0' | 'method1' | 'method4';

const MAX_ORDER = 4;
const WEIGHT = 0.25;
/** SmoothingFunction() defaults. */
const EPSILON = 0.1;
const K = 5;
/** Python's sys.float_info.min (smallest normal double), method0's stand-in for a 0 precision. */
const FLOAT_MIN = 2.2250738585072014e-308;

/**
 * Python's math.fsum: the correctly rounded sum (Shewchuk's partials plus CPython's final
 * half-even correction). For ≤ 4 finite terms this is a handful of operations.
 */
export function fsum(values: readonly number[]): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0) {
    const before = partials[n - 1] as number;
    if ((lo < 0 && before < 0) || (lo > 0 && before > 0)) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

/**
 * `sentence_bleu([referenceTokens], candidateTokens)` with uniform 4-gram weights and the given
 * smoothing (default method4, the one Proctor's text_similarity grader uses).
 */
export function sentenceBleu(
  referenceTokens: readonly string[],
  candidateTokens: readonly string[],
  smoothing: BleuSmoothing = 'method4',
): number {
  const hypLen = candidateTokens.length;
  const refLen = referenceTokens.length;

  // modified_precision for n = 1..4: numerator = clipped matches (with one reference, the
  // multiset intersection); denominator = max(1, number of candidate n-grams). nltk keeps these
  // as unnormalised Fractions; only the pair matters.
  const numerators = ngramMatches(candidateTokens, referenceTokens, MAX_ORDER);

  // corpus_bleu: no unigram match at all returns 0 before smoothing (and before any warning).
  if (numerators[0] === 0) return 0;

  // brevity_penalty with closest_ref_length = the single reference's length.
  const bp = hypLen > refLen ? 1 : hypLen === 0 ? 0 : Math.exp(1 - refLen / hypLen);

  // The smoothing function turns p_n into the precisions that enter the geometric mean;
  // non-positive ones are skipped by the `if p_i > 0` filter in corpus_bleu.
  const terms: number[] = [];
  let incvnt = 1;
  for (let i = 0; i < MAX_ORDER; i++) {
    const num = numerators[i] as number;
    const den = Math.max(1, hypLen - i);
    let p: number;
    if (num !== 0) {
      p = num / den; // float(Fraction) is the correctly rounded quotient, as is num / den here
    } else if (smoothing === 'method0') {
      p = FLOAT_MIN;
    } else if (smoothing === 'method1') {
      p = (num + EPSILON) / den;
    } else if (hypLen > 1) {
      // method4: 1 / (2**incvnt * k / ln(len(hyp))), divided by the denominator.
      p = 1 / ((2 ** incvnt * K) / Math.log(hypLen)) / den;
      incvnt++;
    } else {
      p = 0; // method4 leaves the zero Fraction for one-token hypotheses
    }
    if (p > 0) terms.push(WEIGHT * Math.log(p));
  }
  return bp * Math.exp(fsum(terms));
}

/** The text_similarity `bleu` metric: both strings through nltk's word_tokenize, then sentenceBleu. */
export function bleu(candidate: string, reference: string): number {
  return sentenceBleu(wordTokenize(reference), wordTokenize(candidate));
}
