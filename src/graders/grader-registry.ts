import type { GraderConfig } from '../domain/grader-config.ts';
import { createCosineGrader } from './cosine-similarity.ts';
import type { Grader } from './grader.ts';
import type { JudgeClient } from './judge-client.ts';
import { createLabelModelGrader } from './label-model.ts';
import { createMultiGrader } from './multi.ts';
import { createPythonGrader } from './python/python-grader.ts';
import type { PythonSandboxPool } from './python/python-sandbox-pool.ts';
import { createScoreModelGrader } from './score-model.ts';
import { createStringCheckGrader } from './string-check.ts';
import { createTextSimilarityGrader, type MetricScorer } from './text-similarity.ts';

// The folder's public face for services (the /graders endpoints), which import only this file.
export { checkGraderConfig, type GraderConfigProblem } from './check-grader-config.ts';
export type { GradeOutcome } from './grader.ts';
export { JUDGE_ERRORS } from './judge-client.ts';

/** What graders need from the process: the python sandbox pool (started on first use) and the models. */
export interface GraderContext {
  python(): PythonSandboxPool;
  /** Judge and embedding calls; shares the per-model limits with sampling (one `ModelClients`). */
  judge: JudgeClient;
  /** The model `text_similarity` with `cosine` embeds with (config `embedding_model`). */
  embeddingModel: string;
  /**
   * Where text_similarity's local metrics run: the grading threads (started on first use), or
   * null / absent to compute them in the calling thread.
   */
  metrics?: () => MetricScorer | null;
}

/** Builds the grader for a validated config. */
export function createGrader(config: GraderConfig, ctx: GraderContext): Grader {
  switch (config.type) {
    case 'string_check':
      return createStringCheckGrader(config);
    case 'text_similarity':
      return config.evaluation_metric === 'cosine' ? createCosineGrader({ ...config, evaluation_metric: 'cosine' }, ctx.judge, ctx.embeddingModel) : createTextSimilarityGrader(config, ctx.metrics?.() ?? null);
    case 'python':
      return createPythonGrader(config, ctx.python());
    case 'multi':
      return createMultiGrader(config, (sub) => createGrader(sub, ctx));
    case 'label_model':
      return createLabelModelGrader(config, ctx.judge);
    case 'score_model':
      return createScoreModelGrader(config, ctx.judge);
  }
}
