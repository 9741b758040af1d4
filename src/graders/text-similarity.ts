import type { TextSimilarityGraderConfig } from '../domain/grader-config.ts';
import { compileTemplate } from '../templates/render-template.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';
import { isLocalMetric, localMetrics, type LocalMetric } from './metrics/local-metrics.ts';

export { isLocalMetric };

/**
 * Computes a metric somewhere other than this thread (`MetricPool`: the grading threads).
 * Failures — the time limit, a cancel, a thread that died — are results, not exceptions.
 */
export interface MetricScorer {
  score(metric: LocalMetric, candidate: string, reference: string, signal?: AbortSignal): Promise<{ ok: true; value: number } | { ok: false; error: { code: string; message: string } }>;
}

/**
 * `text_similarity` for every metric computed in-process. `cosine` needs a provider's embeddings
 * and is built elsewhere. Passes iff score ≥ `pass_threshold` (default 1: only a perfect match).
 * With a `scorer` the metric runs there (off the event loop); without one, in this thread.
 */
export function createTextSimilarityGrader(config: TextSimilarityGraderConfig, scorer: MetricScorer | null = null): Grader {
  const metric = config.evaluation_metric;
  if (!isLocalMetric(metric)) throw new Error(`metric '${metric}' is not computed locally`);
  const score = localMetrics[metric];
  const renderInput = compileTemplate(config.input);
  const renderReference = compileTemplate(config.reference);
  const threshold = config.pass_threshold ?? 1;
  return {
    type: 'text_similarity',
    async grade({ item, sample, signal }): Promise<GradeOutcome> {
      const ctx = { item, sample };
      const input = renderInput(ctx);
      const reference = renderReference(ctx);
      const variables = templateVariables(input.missing, reference.missing);
      let value: number;
      if (scorer === null) value = score(input.text, reference.text);
      else {
        const result = await scorer.score(metric, input.text, reference.text, signal);
        if (!result.ok) {
          const code = result.error.code === 'timeout' ? 'timeout' : 'grader_error';
          return { score: 0, passed: false, sample: null, error: { code, message: `text_similarity ${metric}: ${result.error.message}` }, ...variables };
        }
        value = result.value;
      }
      return { score: value, passed: value >= threshold, sample: null, error: null, ...variables };
    },
  };
}
