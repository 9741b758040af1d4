/**
 * ROUGE-N and ROUGE-L F-measures as google's `rouge-score` package computes them with
 * `rouge_scorer.RougeScorer([...], use_stemmer=False).score(target=reference, prediction=candidate)`
 * and `.fmeasure` (docs/architecture.md §6). Precision is relative to the candidate (the prediction),
 * recall to the reference (the target).
 */
import { LcsPattern } from './levenshtein.ts';

export type RougeN = 1 | 2 | 3 | 4 | 5;

/**
 * `rouge.tokenize.tokenize(text, stemmer=None)`: lowercase (Python `str.lower`, which
 * `toLowerCase` matches for every character that can end up as a-z or 0-9, e.g. U+0130 → "i̇",
 * U+212A KELVIN SIGN → "k"), then every run of characters outside [a-z0-9] is a separator —
 * so accented and non-Latin letters split words rather than belong to them.
 */
export function rougeTokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((token) => token.length > 0);
}

/** `rouge.scoring.fmeasure`: harmonic mean, 0 when both are 0. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** `rouge_scorer._create_ngrams`: multiset of the n-grams (joined by spaces; tokens have none). */
function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = n === 1 ? (tokens[i] as string) : tokens.slice(i, i + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

/** `rouge_scorer._score_ngrams(...).fmeasure`. */
function scoreNgrams(reference: Map<string, number>, candidate: Map<string, number>): number {
  let overlap = 0;
  let referenceTotal = 0;
  let candidateTotal = 0;
  for (const [gram, count] of reference) {
    overlap += Math.min(count, candidate.get(gram) ?? 0);
    referenceTotal += count;
  }
  for (const count of candidate.values()) candidateTotal += count;
  const precision = overlap / Math.max(candidateTotal, 1);
  const recall = overlap / Math.max(referenceTotal, 1);
  return fmeasure(precision, recall);
}

/** ROUGE-N F-measure of `candidate` against `reference`. */
export function rougeN(candidate: string, reference: string, n: RougeN): number {
  return scoreNgrams(ngramCounts(rougeTokenize(reference), n), ngramCounts(rougeTokenize(candidate), n));
}

const tokenPattern = new LcsPattern();

/**
 * ROUGE-L F-measure (`rouge_scorer._score_lcs`, sentence level — not the summary-level
 * "rougeLsum"): LCS length of the token sequences over each side's token count. The package's
 * DP table is replaced by a bit-parallel LCS over token ids, which yields the same length.
 */
export function rougeL(candidate: string, reference: string): number {
  const referenceTokens = rougeTokenize(reference);
  const candidateTokens = rougeTokenize(candidate);
  if (referenceTokens.length === 0 || candidateTokens.length === 0) return 0;

  const ids = new Map<string, number>();
  const toIds = (tokens: readonly string[]): number[] =>
    tokens.map((token) => {
      let id = ids.get(token);
      if (id === undefined) {
        id = ids.size;
        ids.set(token, id);
      }
      return id;
    });
  const referenceIds = toIds(referenceTokens);
  const candidateIds = toIds(candidateTokens);
  const lcs = tokenPattern.assign(referenceIds).lcs(candidateIds);

  const precision = lcs / candidateTokens.length;
  const recall = lcs / referenceTokens.length;
  return fmeasure(precision, recall);
}
