import type { TestingCriterion } from '../domain/grader-config.ts';
import type { Grader } from './grader.ts';
import { createStringCheckGrader } from './string-check.ts';
import { createTextSimilarityGrader, isLocalMetric } from './text-similarity.ts';

/**
 * Which validated criteria this build can run. The API accepts every type of the spec; the runner
 * asks `unsupportedGraderType` first and reports the message instead of grading.
 */
export function unsupportedGraderType(criterion: TestingCriterion): string | null {
  switch (criterion.type) {
    case 'string_check':
      return null;
    case 'text_similarity':
      return isLocalMetric(criterion.evaluation_metric) ? null : `text_similarity metric '${criterion.evaluation_metric}' needs an embeddings provider, which this Proctor build does not call yet`;
    case 'python':
    case 'score_model':
    case 'label_model':
      return `grader type '${criterion.type}' is not available in this Proctor build yet`;
  }
}

/** Builds the grader for a criterion; an unsupported type here is a bug (callers check first). */
export function createGrader(criterion: TestingCriterion): Grader {
  switch (criterion.type) {
    case 'string_check':
      return createStringCheckGrader(criterion);
    case 'text_similarity':
      return createTextSimilarityGrader(criterion);
    default:
      throw new Error(unsupportedGraderType(criterion) ?? `unknown grader type '${criterion.type}'`);
  }
}
