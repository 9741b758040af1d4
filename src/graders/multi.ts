import type { GraderConfig, MultiGraderConfig } from '../domain/grader-config.ts';
import { evaluateFormula } from './formula/evaluate-formula.ts';
import { parseFormula } from './formula/parse-formula.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';

/**
 * `multi`: runs every named sub-grader on the row, then `calculate_output` over their scores.
 * The formula was checked at validation; a sub-grader error or an arithmetic error (division by
 * zero, log of 0) errors the criterion — it never becomes a NaN reward. Passes iff the reward ≥
 * `pass_threshold` (default 1, like text_similarity without a threshold).
 */
export function createMultiGrader(config: MultiGraderConfig, build: (sub: GraderConfig) => Grader): Grader {
  const parsed = parseFormula(config.calculate_output);
  if (!parsed.ok) throw new Error(`calculate_output was not validated: ${parsed.message}`);
  const subs = Object.entries(config.graders).map(([key, sub]) => ({ key, grader: build(sub) }));
  const threshold = config.pass_threshold ?? 1;
  return {
    type: 'multi',
    async grade(input): Promise<GradeOutcome> {
      const outcomes = await Promise.all(subs.map(async ({ key, grader }) => ({ key, outcome: await grader.grade(input) })));
      const subRewards: Record<string, number> = {};
      for (const { key, outcome } of outcomes) subRewards[key] = outcome.score;
      // The sub-graders' missing template paths, together (the flag stays if one did not say which).
      const invalidVariable = {
        ...templateVariables(...outcomes.map(({ outcome }) => outcome.missing_variables ?? [])),
        invalid_variable: outcomes.some(({ outcome }) => outcome.invalid_variable),
      };
      const usage = outcomes.flatMap(({ outcome }) => outcome.usage ?? []);
      const failed = outcomes.find(({ outcome }) => outcome.error !== null);
      if (failed?.outcome.error) {
        const error = { code: failed.outcome.error.code, message: `sub-grader '${failed.key}': ${failed.outcome.error.message}` };
        return { score: 0, passed: false, sample: null, error, ...invalidVariable, sub_rewards: subRewards, usage };
      }
      const result = evaluateFormula(parsed.ast, subRewards);
      if (!result.ok) {
        return { score: 0, passed: false, sample: null, error: { code: 'formula_error', message: result.message }, ...invalidVariable, sub_rewards: subRewards, usage };
      }
      return { score: result.value, passed: result.value >= threshold, sample: null, error: null, ...invalidVariable, sub_rewards: subRewards, usage };
    },
  };
}
