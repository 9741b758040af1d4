import { badRequest } from '../domain/api-error.ts';
import type { GraderConfig } from '../domain/grader-config.ts';
import type { GraderErrorFlags, RunGraderRequest, RunGraderResponse } from '../domain/grader-requests.ts';
import { checkGraderConfig, createGrader, JUDGE_ERRORS, type GradeOutcome, type GraderContext } from '../graders/grader-registry.ts';
import type { ModelUsage } from '../domain/wire-objects.ts';

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
    case JUDGE_ERRORS.server:
      flags.model_grader_server_error = true;
      flags.model_grader_server_error_details = error.message;
      break;
    case JUDGE_ERRORS.refusal:
      flags.model_grader_refusal_error = true;
      break;
    case JUDGE_ERRORS.parse:
      flags.model_grader_parse_error = true;
      break;
    default:
      flags.other_error = true;
  }
  return flags;
}

type TokenUsage = Omit<ModelUsage, 'model_name'>;

/** Grader model calls summed per model name, as `model_grader_token_usage_per_model` reports them. */
function usagePerModel(calls: readonly ModelUsage[]): Record<string, TokenUsage> {
  const out: Record<string, TokenUsage> = {};
  for (const { model_name, ...u } of calls) {
    const sum = (out[model_name] ??= { invocation_count: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 });
    sum.invocation_count += u.invocation_count;
    sum.prompt_tokens += u.prompt_tokens;
    sum.completion_tokens += u.completion_tokens;
    sum.total_tokens += u.total_tokens;
    sum.cached_tokens += u.cached_tokens;
  }
  return out;
}

/** The model a judge's reply names (the upstream's own model id, e.g. a dated snapshot). */
function sampledModel(outcome: GradeOutcome): string | null {
  const model = outcome.sample?.['model'];
  return typeof model === 'string' && model !== '' ? model : null;
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
    const usage = usagePerModel(outcome.usage ?? []);
    const models = Object.keys(usage);
    return {
      reward: outcome.error === null ? outcome.score : 0,
      metadata: {
        name: req.grader.name,
        type: req.grader.type,
        errors: errorFlags(outcome),
        execution_time: (performance.now() - started) / 1000,
        scores: req.grader.type === 'multi' ? subRewards : { [req.grader.name]: outcome.score },
        token_usage: models.length === 0 ? null : Object.values(usage).reduce((sum, u) => sum + u.total_tokens, 0),
        sampled_model_name: sampledModel(outcome) ?? models[0] ?? null,
      },
      sub_rewards: subRewards,
      model_grader_token_usage_per_model: usage,
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
