import { badRequest } from '../domain/api-error.ts';
import type { GraderConfig } from '../domain/grader-config.ts';
import type { GraderErrorFlags, RunGraderRequest, RunGraderResponse } from '../domain/grader-requests.ts';
import { checkGraderConfig } from '../graders/check-grader-config.ts';
import type { GradeOutcome } from '../graders/grader.ts';
import { createGrader, unsupportedGraderType, type GraderContext } from '../graders/grader-registry.ts';

const noErrors = (): GraderErrorFlags => ({
  formula_parse_error: false,
  sample_parse_error: false,
  truncated_observation_error: false,
  unresponsive_reward_error: false,
  invalid_variable_error: false,
  other_error: false,
  python_grader_server_error: false,
  python_grader_server_error_type: null,
  python_grader_runtime_error: false,
  python_grader_runtime_error_details: null,
  model_grader_server_error: false,
  model_grader_refusal_error: false,
  model_grader_parse_error: false,
  model_grader_server_error_details: null,
});

/** A grader outcome's error → the spec's error flags. */
function errorFlags(outcome: GradeOutcome): GraderErrorFlags {
  const flags = noErrors();
  flags.invalid_variable_error = outcome.invalid_variable;
  const error = outcome.error;
  if (error === null) return flags;
  switch (error.code) {
    case 'python_grader_runtime_error':
      flags.python_grader_runtime_error = true;
      flags.python_grader_runtime_error_details = error.message;
      break;
    case 'python_grader_server_error':
      flags.python_grader_server_error = true;
      flags.python_grader_server_error_type = error.message;
      break;
    case 'timeout':
      flags.unresponsive_reward_error = true;
      break;
    default:
      flags.other_error = true;
  }
  return flags;
}

/**
 * The graders endpoints: validate a grader config, or run one on a single `model_sample`. The
 * sample offers `output_text` and, when the text is a JSON object, `output_json`.
 */
export class GraderService {
  readonly #ctx: GraderContext;
  constructor(ctx: GraderContext) {
    this.#ctx = ctx;
  }

  async validate(grader: GraderConfig, param = 'grader'): Promise<{ grader: GraderConfig }> {
    const problem = checkGraderConfig(grader);
    if (problem) throw badRequest(problem.message, `${param}.${problem.path}`, problem.code);
    await this.#checkPython(grader, param);
    return { grader };
  }

  async run(req: RunGraderRequest): Promise<RunGraderResponse> {
    await this.validate(req.grader);
    const unsupported = unsupportedGraderType(req.grader);
    if (unsupported) throw badRequest(`${unsupported}.`, 'grader.type', 'unsupported_grader');
    let outputJson: unknown = null;
    try {
      const parsed: unknown = JSON.parse(req.model_sample);
      if (parsed !== null && typeof parsed === 'object') outputJson = parsed;
    } catch {
      // Not JSON: templates can still use output_text.
    }
    const sample: Record<string, unknown> = { output_text: req.model_sample, ...(outputJson !== null ? { output_json: outputJson } : {}) };
    const started = performance.now();
    const outcome = await createGrader(req.grader, this.#ctx).grade({ item: req.item ?? {}, sample });
    const subRewards = outcome.sub_rewards ?? {};
    return {
      reward: outcome.error === null ? outcome.score : 0,
      metadata: {
        name: req.grader.name,
        type: req.grader.type,
        errors: errorFlags(outcome),
        execution_time: (performance.now() - started) / 1000,
        scores: req.grader.type === 'multi' ? subRewards : { [req.grader.name]: outcome.score },
        token_usage: null,
        sampled_model_name: null,
      },
      sub_rewards: subRewards,
      model_grader_token_usage_per_model: {},
    };
  }

  /** A python grader (alone or inside multi) must compile: a syntax error is the caller's 400. */
  async #checkPython(grader: GraderConfig, param: string): Promise<void> {
    if (grader.type === 'python') {
      const message = await this.#ctx.python().validate(grader.source);
      if (message !== null) throw badRequest(`Invalid python grader source: ${message}`, `${param}.source`, 'python_grader_compile_error');
    } else if (grader.type === 'multi') {
      for (const [key, sub] of Object.entries(grader.graders)) await this.#checkPython(sub, `${param}.graders.${key}`);
    }
  }
}
