import type { ModelUsage } from '../domain/wire-objects.ts';

/**
 * The contract every grader implements. Expected outcomes — a failing row, a judge that could not
 * answer, a template variable missing from a row — are data in `GradeOutcome`; a thrown error is a bug.
 */

export interface GradeInput {
  item: Record<string, unknown>;
  /** The row's sample (model output or the row's own `sample` column); null when there is none. */
  sample: Record<string, unknown> | null;
  signal?: AbortSignal;
}

export interface GradeOutcome {
  score: number;
  passed: boolean;
  /** What the grader itself produced, e.g. a judge model's raw output; null for string_check. */
  sample: Record<string, unknown> | null;
  /** Set when the grader could not grade this row; the item then counts as errored. */
  error: { code: string; message: string } | null;
  /** A template path did not resolve; it rendered empty and the row was still graded (architecture §6). */
  invalid_variable: boolean;
  /** Which paths did not resolve (as written between the braces), when `invalid_variable`. */
  missing_variables?: readonly string[];
  /** A multi grader's sub-grader scores, by their keys in `graders`. */
  sub_rewards?: Record<string, number>;
  /** Model calls the grader made (judges, embeddings): they count in the run's per_model_usage. */
  usage?: ModelUsage[];
}

/** `invalid_variable` and the paths behind it, from the `missing` lists of rendered templates. */
export function templateVariables(...missing: ReadonlyArray<readonly string[]>): Pick<GradeOutcome, 'invalid_variable' | 'missing_variables'> {
  const paths = [...new Set(missing.flat())];
  return paths.length === 0 ? { invalid_variable: false } : { invalid_variable: true, missing_variables: paths };
}

export interface Grader {
  readonly type: string;
  grade(input: GradeInput): Promise<GradeOutcome>;
}
