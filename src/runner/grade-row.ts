import type { TestingCriterion } from '../domain/grader-config.ts';
import type { ApiErrorObject, GraderResult, ModelUsage } from '../domain/wire-objects.ts';
import type { Grader, GradeOutcome } from '../graders/grader.ts';

export interface CriterionGrader {
  criterion: TestingCriterion;
  grader: Grader;
}

export interface RowGrade {
  results: GraderResult[];
  /** Model calls the graders made for this row. */
  usage: ModelUsage[];
  status: 'pass' | 'fail';
  /** The first grader error, if any: the row counts in `errored` (architecture §6, item status). */
  error: ApiErrorObject | null;
}

/**
 * Runs every criterion on one row. A grader that throws is a bug in that grader, but it still
 * only errors this row's criterion — never the batch.
 */
export async function gradeRow(graders: readonly CriterionGrader[], item: Record<string, unknown>, sample: Record<string, unknown> | null, signal: AbortSignal): Promise<RowGrade> {
  // Criteria run side by side: two judge criteria cost one round trip of latency, not two.
  const outcomes = await Promise.all(graders.map(({ criterion, grader }) => gradeOne(criterion, grader, item, sample, signal)));
  const results: GraderResult[] = [];
  const usage: ModelUsage[] = [];
  let error: ApiErrorObject | null = null;
  graders.forEach(({ criterion }, i) => {
    const outcome = outcomes[i]!;
    if (outcome.usage) usage.push(...outcome.usage);
    const result: GraderResult = { name: criterion.id, type: criterion.type, score: outcome.score, passed: outcome.error === null && outcome.passed, sample: outcome.sample };
    if (outcome.invalid_variable) {
      // The row is still graded (the path rendered empty, architecture §6); the result says which path,
      // so a typo such as `{{ item.captial }}` is visible rather than a silent empty string.
      result['invalid_variable_error'] = true;
      result['invalid_variable_error_details'] = missingVariablesMessage(outcome.missing_variables ?? []);
    }
    if (outcome.error !== null) {
      result['error'] = outcome.error;
      error ??= outcome.error;
    }
    results.push(result);
  });
  const status = error === null && results.every((r) => r.passed) ? 'pass' : 'fail';
  return { results, usage, status, error };
}

function missingVariablesMessage(paths: readonly string[]): string {
  if (paths.length === 0) return 'a template variable was not found in this row and rendered as an empty string';
  const named = paths.map((p) => `'{{ ${p} }}'`).join(', ');
  return paths.length === 1
    ? `template variable ${named} was not found in this row and rendered as an empty string`
    : `template variables ${named} were not found in this row and rendered as empty strings`;
}

async function gradeOne(criterion: TestingCriterion, grader: Grader, item: Record<string, unknown>, sample: Record<string, unknown> | null, signal: AbortSignal): Promise<GradeOutcome> {
  try {
    return await grader.grade({ item, sample, signal });
  } catch (thrown) {
    return {
      score: 0,
      passed: false,
      sample: null,
      error: { code: 'grader_error', message: `grader '${criterion.name}' failed: ${thrown instanceof Error ? thrown.message : String(thrown)}` },
      invalid_variable: false,
    };
  }
}
