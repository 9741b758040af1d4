import type { TextSimilarityGraderConfig } from '../domain/grader-config.ts';
import { compileTemplate } from '../templates/render-template.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';
import { bleu } from './metrics/bleu.ts';
import { fuzzyMatch } from './metrics/fuzzy-match.ts';
import { gleu } from './metrics/gleu.ts';
import { meteor } from './metrics/meteor.ts';
import { rougeL, rougeN } from './metrics/rouge.ts';

type LocalMetric = Exclude<TextSimilarityGraderConfig['evaluation_metric'], 'cosine'>;

/** Each metric as the reference library computes it (DESIGN §6): (candidate, reference) → [0, 1]. */
const metrics: Record<LocalMetric, (candidate: string, reference: string) => number> = {
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

export const isLocalMetric = (metric: string): metric is LocalMetric => metric in metrics;

/**
 * `text_similarity` for every metric computed in-process. `cosine` needs a provider's embeddings
 * and is built elsewhere. Passes iff score ≥ `pass_threshold` (default 1: only a perfect match).
 */
export function createTextSimilarityGrader(config: TextSimilarityGraderConfig): Grader {
  const metric = config.evaluation_metric;
  if (!isLocalMetric(metric)) throw new Error(`metric '${metric}' is not computed locally`);
  const score = metrics[metric];
  const renderInput = compileTemplate(config.input);
  const renderReference = compileTemplate(config.reference);
  const threshold = config.pass_threshold ?? 1;
  return {
    type: 'text_similarity',
    async grade({ item, sample }): Promise<GradeOutcome> {
      const ctx = { item, sample };
      const input = renderInput(ctx);
      const reference = renderReference(ctx);
      const value = score(input.text, reference.text);
      return {
        score: value,
        passed: value >= threshold,
        sample: null,
        error: null,
        ...templateVariables(input.missing, reference.missing),
      };
    },
  };
}
