import type { TestingCriterion } from '../domain/grader-config.ts';
import type { EvalObject, EvalRunObject } from '../domain/wire-objects.ts';

/** A criterion's display name from its id (`<name>-<uuid>`), via the eval's criteria. */
export function criterionName(evaluation: EvalObject, id: string): string {
  const found = evaluation.testing_criteria.find((c) => (c).id === id);
  return found?.name ?? id;
}

export interface CriterionRate {
  id: string;
  name: string;
  passed: number;
  total: number;
  rate: number;
}

/** The run's per-criterion counts in eval order, named. */
export function criterionRates(evaluation: EvalObject, run: EvalRunObject): CriterionRate[] {
  return (run.per_testing_criteria_results ?? []).map((r) => ({
    id: r.testing_criteria,
    name: criterionName(evaluation, r.testing_criteria),
    passed: r.passed,
    total: r.passed + r.failed,
    rate: r.passed + r.failed === 0 ? Number.NaN : r.passed / (r.passed + r.failed),
  }));
}

/** Grader types that produce a score worth a histogram (the others are pass/fail). */
export const SCORED_TYPES = new Set(['text_similarity', 'score_model', 'python', 'multi']);

/** The score range a grader defines, used as the histogram's axis; null: the observed range. */
export function scoreRange(c: TestingCriterion): readonly [number, number] | null {
  if (c.type === 'text_similarity') return [0, 1];
  if (c.type === 'score_model') {
    const range = (c as { range?: unknown }).range;
    return Array.isArray(range) && range.length === 2 && typeof range[0] === 'number' && typeof range[1] === 'number' ? [range[0], range[1]] : [0, 1];
  }
  return null;
}
