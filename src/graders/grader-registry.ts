import type { GraderConfig } from '../domain/grader-config.ts';
import type { Grader } from './grader.ts';
import { createMultiGrader } from './multi.ts';
import { createPythonGrader } from './python/python-grader.ts';
import type { PythonSandboxPool } from './python/python-sandbox-pool.ts';
import { createStringCheckGrader } from './string-check.ts';
import { createTextSimilarityGrader, isLocalMetric } from './text-similarity.ts';

/** What graders need from the process: the python sandbox pool, started on first use. */
export interface GraderContext {
  python(): PythonSandboxPool;
}

/**
 * Which validated graders this build can run. The API accepts every type of the spec; callers ask
 * `unsupportedGraderType` first and report its message instead of grading.
 */
export function unsupportedGraderType(config: GraderConfig): string | null {
  switch (config.type) {
    case 'string_check':
    case 'python':
      return null;
    case 'text_similarity':
      return isLocalMetric(config.evaluation_metric) ? null : `text_similarity metric '${config.evaluation_metric}' needs an embeddings provider, which this Proctor build does not call yet`;
    case 'score_model':
    case 'label_model':
      return `grader type '${config.type}' needs a model provider, which this Proctor build does not call yet`;
    case 'multi':
      for (const sub of Object.values(config.graders)) {
        const problem = unsupportedGraderType(sub);
        if (problem) return problem;
      }
      return null;
  }
}

/** Builds the grader for a config; an unsupported type here is a bug (callers check first). */
export function createGrader(config: GraderConfig, ctx: GraderContext): Grader {
  switch (config.type) {
    case 'string_check':
      return createStringCheckGrader(config);
    case 'text_similarity':
      return createTextSimilarityGrader(config);
    case 'python':
      return createPythonGrader(config, ctx.python());
    case 'multi':
      return createMultiGrader(config, (sub) => createGrader(sub, ctx));
    case 'score_model':
    case 'label_model':
      throw new Error(unsupportedGraderType(config) ?? `cannot build grader '${config.type}'`);
  }
}
