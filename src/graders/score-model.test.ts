import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { useFakeModelClients } from '../../test/support/fake-model-clients.ts';
import { scoreModelGraderSchema } from '../domain/grader-config.ts';
import type { SampleUsage } from '../domain/wire-objects.ts';
import type { JudgeCallResult, JudgeClient } from './judge-client.ts';
import { createScoreModelGrader, scoreModelSchema } from './score-model.ts';

type ChatParams = Omit<ChatCompletionCreateParamsNonStreaming, 'model'>;
interface ChatCall { model: string; params: ChatParams }

const USAGE: SampleUsage = { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, cached_tokens: 0 };

function completion(content: string | null, refusal: string | null = null): ChatCompletion {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'scorer-001',
    choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content, refusal } }],
  };
}

function stubJudge(reply: () => JudgeCallResult<ChatCompletion>) {
  const calls: ChatCall[] = [];
  const judge: JudgeClient = {
    async chat(model, params) {
      calls.push({ model, params });
      return reply();
    },
    async embeddings() {
      throw new Error('a score judge does not embed');
    },
  };
  return { judge, calls };
}

const answering = (content: string | null, refusal: string | null = null) =>
  stubJudge(() => ({ ok: true, value: completion(content, refusal), usage: USAGE, model: 'scorer-001' }));
const scoring = (result: unknown) => answering(JSON.stringify({ steps: [{ description: 'weigh', conclusion: 'done' }], result }));

const base = {
  type: 'score_model',
  name: 'quality',
  model: 'scorer',
  input: [{ role: 'user', content: 'Rate "{{ sample.output_text }}" for {{ item.topic }}.' }],
};
const row = { item: { topic: 'clarity' }, sample: { output_text: 'The sky is blue.' } };

describe('score_model grader', () => {
  it('sends the rendered prompt, a strict numeric json_schema and the sampling params', async () => {
    const config = scoreModelGraderSchema.parse({
      ...base,
      sampling_params: { temperature: 0.2, top_p: 0.9, seed: 7, max_completions_tokens: 300, reasoning_effort: 'low' },
    });
    const { judge, calls } = scoring(0.8);
    const out = await createScoreModelGrader(config, judge).grade(row);
    assert.equal(out.error, null);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.model, 'scorer');
    assert.deepEqual(calls[0]?.params, {
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      max_completion_tokens: 300,
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'Rate "The sky is blue." for clarity.' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'score_model_result',
          strict: true,
          schema: {
            type: 'object',
            properties: {
              steps: {
                type: 'array',
                items: { type: 'object', properties: { description: { type: 'string' }, conclusion: { type: 'string' } }, required: ['description', 'conclusion'], additionalProperties: false },
              },
              result: { type: 'number' },
            },
            required: ['steps', 'result'],
            additionalProperties: false,
          },
        },
      },
    });
    // The judge's sample reports the values sent, in the output item's sample shape.
    assert.equal(out.sample?.['temperature'], 0.2);
    assert.equal(out.sample?.['top_p'], 0.9);
    assert.equal(out.sample?.['seed'], 7);
    assert.equal(out.sample?.['max_completion_tokens'], 300);
    assert.equal(out.sample?.['model'], 'scorer-001');
  });

  it('sends only the sampling params that were set; max_completion_tokens is accepted too', async () => {
    const { judge, calls } = scoring(1);
    await createScoreModelGrader(scoreModelGraderSchema.parse({ ...base, sampling_params: { max_completion_tokens: 50, temperature: null } }), judge).grade(row);
    const sent = Object.keys(calls[0]!.params).sort();
    assert.deepEqual(sent, ['max_completion_tokens', 'messages', 'response_format']);
    assert.equal(calls[0]?.params.max_completion_tokens, 50);
  });

  it('clamps to range [0, 10] and passes from the midpoint 5 by default', async () => {
    const config = scoreModelGraderSchema.parse({ ...base, range: [0, 10] });
    const cases: Array<[number, number, boolean]> = [[7, 7, true], [5, 5, true], [4.99, 4.99, false], [12, 10, true], [-3, 0, false], [10, 10, true], [0, 0, false]];
    for (const [result, score, passed] of cases) {
      const out = await createScoreModelGrader(config, scoring(result).judge).grade(row);
      assert.equal(out.error, null, String(result));
      assert.equal(out.score, score, String(result));
      assert.equal(out.passed, passed, String(result));
    }
  });

  it('defaults to range [0, 1] with threshold 0.5', async () => {
    const config = scoreModelGraderSchema.parse(base);
    for (const [result, score, passed] of [[0.5, 0.5, true], [0.49, 0.49, false], [1.5, 1, true], [-0.1, 0, false]] as const) {
      const out = await createScoreModelGrader(config, scoring(result).judge).grade(row);
      assert.equal(out.score, score, String(result));
      assert.equal(out.passed, passed, String(result));
    }
  });

  it('uses an explicit pass_threshold', async () => {
    const config = scoreModelGraderSchema.parse({ ...base, range: [1, 5], pass_threshold: 4 });
    assert.equal((await createScoreModelGrader(config, scoring(3.5).judge).grade(row)).passed, false);
    assert.equal((await createScoreModelGrader(config, scoring(4).judge).grade(row)).passed, true);
    // Midpoint of [1, 5] is 3 when no threshold is given.
    const midpoint = scoreModelGraderSchema.parse({ ...base, range: [1, 5] });
    assert.equal((await createScoreModelGrader(midpoint, scoring(3).judge).grade(row)).passed, true);
    assert.equal((await createScoreModelGrader(midpoint, scoring(2.9).judge).grade(row)).passed, false);
  });

  it('a non-numeric result scores 0 with model_grader_parse_error and the raw output kept', async () => {
    const config = scoreModelGraderSchema.parse({ ...base, range: [0, 10] });
    for (const result of ['7', null, true, { value: 7 }, [7]]) {
      const out = await createScoreModelGrader(config, scoring(result).judge).grade(row);
      assert.equal(out.error?.code, 'model_grader_parse_error', JSON.stringify(result));
      assert.match(out.error.message, /is not a number/);
      assert.equal(out.score, 0);
      assert.equal(out.passed, false);
      assert.deepEqual(out.sample?.['output'], [{ role: 'assistant', content: JSON.stringify({ steps: [{ description: 'weigh', conclusion: 'done' }], result }) }]);
      assert.deepEqual(out.sample?.['error'], out.error);
      assert.equal(out.usage?.length, 1, 'the call happened: its usage counts');
    }
  });

  it('malformed JSON is model_grader_parse_error with the raw output kept', async () => {
    const out = await createScoreModelGrader(scoreModelGraderSchema.parse(base), answering('score: 0.9').judge).grade(row);
    assert.equal(out.error?.code, 'model_grader_parse_error');
    assert.match(out.error.message, /not JSON: score: 0\.9/);
    assert.equal(out.score, 0);
    assert.deepEqual(out.sample?.['output'], [{ role: 'assistant', content: 'score: 0.9' }]);
  });

  it('a refusal is model_grader_refusal_error', async () => {
    const out = await createScoreModelGrader(scoreModelGraderSchema.parse(base), answering(null, 'No.').judge).grade(row);
    assert.equal(out.error?.code, 'model_grader_refusal_error');
    assert.equal(out.score, 0);
    assert.equal(out.passed, false);
  });

  it('a failed call is model_grader_server_error with the upstream message', async () => {
    const { judge } = stubJudge(() => ({ ok: false, error: { code: 'server_error', message: 'The server had an error while processing your request.' } }));
    const out = await createScoreModelGrader(scoreModelGraderSchema.parse(base), judge).grade(row);
    assert.equal(out.error?.code, 'model_grader_server_error');
    assert.match(out.error.message, /The server had an error while processing your request\./);
    assert.equal(out.score, 0);
    assert.deepEqual(out.usage, []);
  });

  it('reports the usage of the judge call under the configured model name', async () => {
    const out = await createScoreModelGrader(scoreModelGraderSchema.parse(base), scoring(0.7).judge).grade(row);
    assert.deepEqual(out.usage, [{ model_name: 'scorer', invocation_count: 1, prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, cached_tokens: 0 }]);
    assert.deepEqual(out.sample?.['usage'], USAGE);
  });

  it('flags invalid_variable when the sample is missing and still grades', async () => {
    const { judge, calls } = scoring(0.9);
    const out = await createScoreModelGrader(scoreModelGraderSchema.parse(base), judge).grade({ item: { topic: 'clarity' }, sample: null });
    assert.equal(out.invalid_variable, true);
    assert.equal(out.passed, true);
    assert.deepEqual(calls[0]?.params.messages, [{ role: 'user', content: 'Rate "" for clarity.' }]);
  });
});

describe('score_model grader against the fake upstream through ModelClients', () => {
  const live = useFakeModelClients();

  it('clamps the judge score and reports exactly the upstream usage', async () => {
    live.fake.setBehavior({ reply: () => ({ content: { steps: [{ description: 'a', conclusion: 'b' }], result: 14 } }) });
    const config = scoreModelGraderSchema.parse({ ...base, model: 'gpt-4.1-mini', range: [0, 10], sampling_params: { seed: 3 } });
    const out = await createScoreModelGrader(config, live.clients).grade(row);
    assert.equal(out.error, null);
    assert.equal(out.score, 10);
    assert.equal(out.passed, true);
    const body = live.fake.stats.recorded[0]?.body;
    assert.equal(body?.['seed'], 3);
    assert.deepEqual(body?.['response_format'], { type: 'json_schema', json_schema: { name: 'score_model_result', strict: true, schema: scoreModelSchema } });
    assert.deepEqual(out.usage, [{ model_name: 'gpt-4.1-mini', ...live.fake.stats.usageByModel['gpt-4.1-mini'] }]);
  });
});
