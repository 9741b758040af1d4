import type { GraderConfig } from '../domain/grader-config.ts';
import { compileMessages } from '../templates/render-messages.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';
import { askJudge, JUDGE_ERRORS, judgeError, stepsSchema, type JudgeClient } from './judge-client.ts';

export type LabelModelGraderConfig = Extract<GraderConfig, { type: 'label_model' }>;

/** The structured output a label judge must produce: its steps, then one of `labels`. */
export function labelModelSchema(labels: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: { steps: stepsSchema, result: { type: 'string', enum: [...labels] } },
    required: ['steps', 'result'],
    additionalProperties: false,
  };
}

/**
 * `label_model` (architecture §6): the judge sees the grader's `input` messages rendered per row with
 * `{{ item.… }}` and `{{ sample.… }}`, answers `{steps, result}` with `result` one of `labels`, and
 * the row passes iff that label is one of `passing_labels` (score 1, else 0). A refusal, output that
 * does not parse or a label outside `labels` is an error; the judge's raw output stays in `sample`.
 */
export function createLabelModelGrader(config: LabelModelGraderConfig, judge: JudgeClient): Grader {
  const render = compileMessages({ type: 'template', template: config.input });
  const labels = new Set(config.labels);
  const passing = new Set(config.passing_labels);
  const schema = labelModelSchema(config.labels);
  return {
    type: 'label_model',
    async grade({ item, sample, signal }): Promise<GradeOutcome> {
      const rendered = render(item, sample);
      if (!rendered.ok) throw new Error(`a template grader input did not render: ${rendered.message}`);
      const answer = await askJudge(judge, { model: config.model, messages: rendered.messages, schemaName: 'label_model_result', schema }, signal);
      if (!answer.ok) return judgeError(answer, answer.error, rendered.missing);
      const label = answer.result;
      if (typeof label !== 'string' || !labels.has(label)) {
        const message = `the judge model's label ${JSON.stringify(label)} is not one of ${JSON.stringify(config.labels)}`;
        return judgeError(answer, { code: JUDGE_ERRORS.parse, message }, rendered.missing);
      }
      const passed = passing.has(label);
      return { score: passed ? 1 : 0, passed, sample: answer.sample, error: null, ...templateVariables(rendered.missing), usage: answer.usage };
    },
  };
}
