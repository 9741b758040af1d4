import type { TextSimilarityGraderConfig } from '../../domain/grader-config.ts';
import { bleu } from './bleu.ts';
import { fuzzyMatch } from './fuzzy-match.ts';
import { gleu } from './gleu.ts';
import { meteor } from './meteor.ts';
import { rougeL, rougeN } from './rouge.ts';

/** The text_similarity metrics computed in-process: every one but `cosine` (a provider's embeddings). */
export type LocalMetric = Exclude<TextSimilarityGraderConfig['evaluation_metric'], 'cosine'>;

/**
 * Each metric as the reference library computes it (architecture §6): (candidate, reference) → [0, 1].
 * The one table both the in-thread grader and the grading threads (metric-worker.ts) call, so a
 * score is the same number wherever it is computed.
 */
export const localMetrics: Readonly<Record<LocalMetric, (candidate: string, reference: string) => number>> = {
  bleu,
  gleu,
  meteor: (c, r) => meteor(c, r),
  fuzzy_match: fuzzyMatch,
  rouge_1: (c, r) => rougeN(c, r, 1),
  rouge_2: (c, r) => rougeN(c, r, 2),
  rouge_3: (c, r) => rougeN(c, r, 3),
  rouge_4: (c, r) => rougeN(c, r, 4),
  rouge_5: (c, r) => rougeN(c, r, 5),
  rouge_l: rougeL,
};

export const isLocalMetric = (metric: string): metric is LocalMetric => Object.hasOwn(localMetrics, metric);
