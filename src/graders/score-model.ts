import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { GraderConfig } from '../domain/grader-config.ts';
import { compileMessages } from '../templates/render-messages.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';
import { askJudge, JUDGE_ERRORS, judgeError, stepsSchema, type JudgeClient, type JudgeReported } from './judge-client.ts';

export type ScoreModelGraderConfig = Extract<GraderConfig, { type: 'score_model' }>;

/** The structured output a score judge must produce: its steps, then a number. */
export const scoreModelSchema: Record<string, unknown> = {
  type: 'object',
  properties: { steps: stepsSchema, result: { type: 'number' } },
  required: ['steps', 'result'],
  additionalProperties: false,
};

type JudgeParams = Omit<ChatCompletionCreateParamsNonStreaming, 'model' | 'messages' | 'response_format'>;

/** The grader's `sampling_params` as Chat Completions parameters, and as its sample reports them. */
function samplingOf(config: ScoreModelGraderConfig): { params: JudgeParams; reported: JudgeReported } {
  const p = config.sampling_params ?? {};
  const maxTokens = p.max_completion_tokens ?? p.max_completions_tokens ?? null;
  const params: JudgeParams = {
    ...(p.temperature != null ? { temperature: p.temperature } : {}),
    ...(p.top_p != null ? { top_p: p.top_p } : {}),
    ...(p.seed != null ? { seed: p.seed } : {}),
    ...(maxTokens != null ? { max_completion_tokens: maxTokens } : {}),
    ...(p.reasoning_effort != null ? { reasoning_effort: p.reasoning_effort } : {}),
  };
  const reported = { temperature: p.temperature ?? 1, top_p: p.top_p ?? 1, seed: p.seed ?? 42, max_completion_tokens: maxTokens ?? 0 };
  return { params, reported };
}

/**
 * `score_model` (architecture §6): the judge answers `{steps, result: number}` for the grader's `input`
 * rendered per row; the number is clamped to `range` (default [0, 1]) and the row passes iff it is
 * ≥ `pass_threshold` (default: the middle of the range). A refusal or a non-numeric result is an
 * error with score 0; the judge's raw output stays in `sample`.
 */
export function createScoreModelGrader(config: ScoreModelGraderConfig, judge: JudgeClient): Grader {
  const render = compileMessages({ type: 'template', template: config.input });
  const [min, max] = config.range ?? [0, 1];
  const threshold = config.pass_threshold ?? (min + max) / 2;
  const { params, reported } = samplingOf(config);
  return {
    type: 'score_model',
    async grade({ item, sample, signal }): Promise<GradeOutcome> {
      const rendered = render(item, sample);
      if (!rendered.ok) throw new Error(`a template grader input did not render: ${rendered.message}`);
      const answer = await askJudge(judge, { model: config.model, messages: rendered.messages, schemaName: 'score_model_result', schema: scoreModelSchema, params, reported }, signal);
      if (!answer.ok) return judgeError(answer, answer.error, rendered.missing);
      const value = answer.result;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return judgeError(answer, { code: JUDGE_ERRORS.parse, message: `the judge model's result ${JSON.stringify(value)} is not a number` }, rendered.missing);
      }
      const score = Math.min(max, Math.max(min, value));
      return { score, passed: score >= threshold, sample: answer.sample, error: null, ...templateVariables(rendered.missing), usage: answer.usage };
    },
  };
}
