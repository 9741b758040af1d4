import type { z } from 'zod';
import type { pythonGraderSchema } from '../../domain/grader-config.ts';
import type { GradeOutcome, Grader } from '../grader.ts';
import type { PythonSandboxPool } from './python-sandbox-pool.ts';

export type PythonGraderConfig = z.output<typeof pythonGraderSchema>;

/**
 * Pass rule when a python criterion has no `pass_threshold`: score ≥ 0.5. The API leaves it open
 * (the field is optional, the hosted service documents no default). We take the rule score_model
 * uses for its default range [0, 1] — the midpoint (architecture §6) — because python graders
 * conventionally return a score in [0, 1] too, so the same row scored the same way passes the same
 * way under either grader. Set `pass_threshold` to be explicit.
 */
export const DEFAULT_PYTHON_PASS_THRESHOLD = 0.5;

/**
 * The python grader: `grade(sample, item) -> float` in the shared sandbox pool. The score is the
 * returned number; passed = score ≥ pass_threshold. An exception, a non-number, NaN/inf or a
 * timeout is an `error` in the outcome (that criterion, that row), never a thrown error.
 */
export function createPythonGrader(config: PythonGraderConfig, pool: PythonSandboxPool): Grader {
  const program = pool.program(config.source); // hashed once per grader, compiled once per worker
  const threshold = config.pass_threshold ?? DEFAULT_PYTHON_PASS_THRESHOLD;
  return {
    type: 'python',
    async grade({ item, sample, signal }): Promise<GradeOutcome> {
      const result = await pool.run(program, sample, item, signal);
      if (!result.ok) return { score: 0, passed: false, sample: null, error: result.error, invalid_variable: false };
      return { score: result.value, passed: result.value >= threshold, sample: null, error: null, invalid_variable: false };
    },
  };
}
