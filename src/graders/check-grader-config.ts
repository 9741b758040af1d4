import type { GraderConfig } from '../domain/grader-config.ts';
import { checkFormulaVariables, parseFormula } from './formula/parse-formula.ts';

export interface GraderConfigProblem {
  message: string;
  /** Path below the grader, e.g. `calculate_output` or `graders.similarity.source`. */
  path: string;
  code: string;
}

/**
 * Checks beyond the wire shape that need the grader code itself: a multi grader's formula must
 * parse and name only its graders' keys (a 400 at validation, architecture §6).
 */
export function checkGraderConfig(config: GraderConfig): GraderConfigProblem | null {
  if (config.type !== 'multi') return null;
  const parsed = parseFormula(config.calculate_output);
  if (!parsed.ok) return { message: `Invalid calculate_output: ${parsed.message}.`, path: 'calculate_output', code: 'formula_parse_error' };
  const vars = checkFormulaVariables(parsed, Object.keys(config.graders));
  if (!vars.ok) return { message: `Invalid calculate_output: ${vars.message}.`, path: 'calculate_output', code: 'invalid_variable_error' };
  for (const [key, sub] of Object.entries(config.graders)) {
    const inner = checkGraderConfig(sub);
    if (inner) return { ...inner, path: `graders.${key}.${inner.path}` };
  }
  return null;
}
