import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { useFakeModelClients } from '../../test/support/fake-model-clients.ts';
import { labelModelGraderSchema } from '../domain/grader-config.ts';
import type { SampleUsage } from '../domain/wire-objects.ts';
import type { JudgeCallResult, JudgeClient } from './judge-client.ts';
import { createLabelModelGrader, labelModelSchema } from './label-model.ts';

type ChatParams = Omit<ChatCompletionCreateParamsNonStreaming, 'model'>;
interface ChatCall { model: string; params: ChatParams; signal: AbortSignal | undefined }

const USAGE: SampleUsage = { prompt_tokens: 31, completion_tokens: 12, total_tokens: 43, cached_tokens: 8 };

function completion(content: string | null, extra: { refusal?: string; finish_reason?: ChatCompletion.Choice['finish_reason'] } = {}): ChatCompletion {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'judge-2025-01-01',
    choices: [{ index: 0, logprobs: null, finish_reason: extra.finish_reason ?? 'stop', message: { role: 'assistant', content, refusal: extra.refusal ?? null } }],
  };
}

/** A judge that answers every chat call with `reply` and records what it was sent. */
function stubJudge(reply: (call: ChatCall) => JudgeCallResult<ChatCompletion>) {
  const calls: ChatCall[] = [];
  const judge: JudgeClient = {
    async chat(model, params, signal) {
      const call = { model, params, signal };
      calls.push(call);
      return reply(call);
    },
    async embeddings() {
      throw new Error('a label judge does not embed');
    },
  };
  return { judge, calls };
}

const answering = (content: string | null, extra: Parameters<typeof completion>[1] = {}) =>
  stubJudge(() => ({ ok: true, value: completion(content, extra), usage: USAGE, model: 'judge-2025-01-01' }));
const labelled = (label: unknown) => answering(JSON.stringify({ steps: [{ description: 'read it', conclusion: 'fine' }], result: label }));

const config = labelModelGraderSchema.parse({
  type: 'label_model',
  name: 'tone',
  model: 'judge',
  input: [
    { role: 'system', content: 'Label the answer.' },
    { role: 'user', content: 'Q: {{ item.question }}\nA: {{ sample.output_text }}' },
  ],
  labels: ['good', 'ok', 'bad'],
  passing_labels: ['good', 'ok'],
});

const row = { item: { question: 'What is 2+2?' }, sample: { output_text: '4' } };

describe('label_model grader', () => {
  it('sends the rendered messages (item and sample) with a strict json_schema of the labels', async () => {
    const { judge, calls } = labelled('good');
    const signal = new AbortController().signal;
    const out = await createLabelModelGrader(config, judge).grade({ ...row, signal });
    assert.equal(out.error, null);
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.model, 'judge');
    assert.equal(call.signal, signal);
    assert.deepEqual(call.params.messages, [
      { role: 'system', content: 'Label the answer.' },
      { role: 'user', content: 'Q: What is 2+2?\nA: 4' },
    ]);
    assert.deepEqual(call.params.response_format, {
      type: 'json_schema',
      json_schema: {
        name: 'label_model_result',
        strict: true,
        schema: {
          type: 'object',
          properties: {
            steps: {
              type: 'array',
              items: { type: 'object', properties: { description: { type: 'string' }, conclusion: { type: 'string' } }, required: ['description', 'conclusion'], additionalProperties: false },
            },
            result: { type: 'string', enum: ['good', 'ok', 'bad'] },
          },
          required: ['steps', 'result'],
          additionalProperties: false,
        },
      },
    });
    assert.deepEqual(call.params.response_format, { type: 'json_schema', json_schema: { name: 'label_model_result', strict: true, schema: labelModelSchema(['good', 'ok', 'bad']) } });
    assert.equal('temperature' in call.params, false, 'label_model has no sampling params');
    assert.equal(out.invalid_variable, false);
  });

  it('passes iff the label is one of passing_labels (score 1/0)', async () => {
    for (const [label, passed] of [['good', true], ['ok', true], ['bad', false]] as const) {
      const out = await createLabelModelGrader(config, labelled(label).judge).grade(row);
      assert.equal(out.passed, passed, label);
      assert.equal(out.score, passed ? 1 : 0, label);
      assert.equal(out.error, null, label);
    }
  });

  it("keeps the judge's raw output, model and usage in the sample and reports the usage", async () => {
    const raw = JSON.stringify({ steps: [], result: 'bad' });
    const out = await createLabelModelGrader(config, answering(raw).judge).grade(row);
    assert.deepEqual(out.sample, {
      input: [
        { role: 'system', content: 'Label the answer.' },
        { role: 'user', content: 'Q: What is 2+2?\nA: 4' },
      ],
      output: [{ role: 'assistant', content: raw }],
      finish_reason: 'stop',
      model: 'judge-2025-01-01',
      usage: USAGE,
      error: null,
      temperature: 1,
      top_p: 1,
      seed: 42,
      max_completion_tokens: 0,
    });
    assert.deepEqual(out.usage, [{ model_name: 'judge', invocation_count: 1, prompt_tokens: 31, completion_tokens: 12, total_tokens: 43, cached_tokens: 8 }]);
  });

  it('a refusal is model_grader_refusal_error, with the refusal kept and usage still counted', async () => {
    const out = await createLabelModelGrader(config, answering(null, { refusal: 'I cannot grade this.' }).judge).grade(row);
    assert.equal(out.error?.code, 'model_grader_refusal_error');
    assert.match(out.error.message, /I cannot grade this\./);
    assert.equal(out.score, 0);
    assert.equal(out.passed, false);
    assert.deepEqual(out.sample?.['output'], [{ role: 'assistant', content: '', refusal: 'I cannot grade this.' }]);
    assert.deepEqual(out.sample?.['error'], out.error);
    assert.equal(out.usage?.length, 1);
  });

  it('malformed JSON is model_grader_parse_error, with the raw output kept', async () => {
    const raw = '{"steps": [], "result": "go';
    const out = await createLabelModelGrader(config, answering(raw, { finish_reason: 'length' }).judge).grade(row);
    assert.equal(out.error?.code, 'model_grader_parse_error');
    assert.match(out.error.message, /finish_reason: length/);
    assert.equal(out.score, 0);
    assert.equal(out.passed, false);
    assert.deepEqual(out.sample?.['output'], [{ role: 'assistant', content: raw }]);
    assert.deepEqual(out.sample?.['error'], out.error);
    assert.deepEqual(out.usage, [{ model_name: 'judge', invocation_count: 1, ...USAGE }]);
  });

  it('a label outside labels, a missing result, a non-object or empty reply is model_grader_parse_error', async () => {
    for (const raw of [JSON.stringify({ steps: [], result: 'great' }), JSON.stringify({ steps: [], result: 1 }), JSON.stringify({ steps: [] }), '["good"]', '"good"', '', '   ']) {
      const out = await createLabelModelGrader(config, answering(raw).judge).grade(row);
      assert.equal(out.error?.code, 'model_grader_parse_error', raw);
      assert.equal(out.score, 0, raw);
      assert.equal(out.passed, false, raw);
      assert.deepEqual(out.sample?.['output'], [{ role: 'assistant', content: raw }], raw);
    }
    const out = await createLabelModelGrader(config, labelled('great').judge).grade(row);
    assert.match(out.error?.message ?? '', /"great" is not one of \["good","ok","bad"\]/);
  });

  it('accepts a reply wrapped in a Markdown code fence (providers without strict outputs)', async () => {
    const out = await createLabelModelGrader(config, answering('```json\n{"steps": [], "result": "ok"}\n```').judge).grade(row);
    assert.equal(out.error, null);
    assert.equal(out.passed, true);
  });

  it('a failed call is model_grader_server_error with the upstream message and no usage', async () => {
    const { judge } = stubJudge(() => ({ ok: false, error: { code: 'rate_limit_exceeded', message: 'Rate limit reached for judge' } }));
    const out = await createLabelModelGrader(config, judge).grade(row);
    assert.equal(out.error?.code, 'model_grader_server_error');
    assert.match(out.error.message, /Rate limit reached for judge/);
    assert.match(out.error.message, /rate_limit_exceeded/);
    assert.equal(out.score, 0);
    assert.equal(out.passed, false);
    assert.deepEqual(out.usage, []);
    assert.equal(out.sample?.['model'], 'judge');
    assert.deepEqual(out.sample?.['output'], []);
    assert.deepEqual(out.sample?.['error'], out.error);
  });

  it('a missing template path renders empty, flags invalid_variable and still grades', async () => {
    const { judge, calls } = labelled('good');
    const out = await createLabelModelGrader(config, judge).grade({ item: {}, sample: null });
    assert.equal(out.invalid_variable, true);
    assert.equal(out.passed, true);
    assert.deepEqual(calls[0]?.params.messages[1], { role: 'user', content: 'Q: \nA: ' });
  });

  it('sends images of the input as content parts', async () => {
    const withImage = labelModelGraderSchema.parse({
      ...config,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Is this {{ item.animal }}?' }, { type: 'input_image', image_url: '{{ item.url }}', detail: 'low' }] }],
    });
    const { judge, calls } = labelled('good');
    await createLabelModelGrader(withImage, judge).grade({ item: { animal: 'a cat', url: 'https://example.com/cat.png' }, sample: null });
    assert.deepEqual(calls[0]?.params.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Is this a cat?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } }] },
    ]);
  });
});

describe('label_model grader against the fake upstream through ModelClients', () => {
  const live = useFakeModelClients();

  it('grades with a structured reply and reports exactly the usage the upstream reported', async () => {
    live.fake.setBehavior({ reply: () => ({ content: { steps: [], result: 'good' } }) });
    const judge: JudgeClient = live.clients; // ModelClients satisfies the interface structurally
    const cfg = labelModelGraderSchema.parse({ ...config, model: 'gpt-4o-mini' });
    const out = await createLabelModelGrader(cfg, judge).grade(row);
    assert.equal(out.error, null);
    assert.equal(out.passed, true);
    assert.equal(out.score, 1);
    const recorded = live.fake.stats.recorded;
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]?.endpoint, 'chat.completions');
    assert.deepEqual(recorded[0]?.body['response_format'], { type: 'json_schema', json_schema: { name: 'label_model_result', strict: true, schema: labelModelSchema(['good', 'ok', 'bad']) } });
    const upstream = live.fake.stats.usageByModel['gpt-4o-mini'];
    assert.ok(upstream);
    assert.deepEqual(out.usage, [{ model_name: 'gpt-4o-mini', ...upstream }]);
    assert.deepEqual(out.sample?.['output'], [{ role: 'assistant', content: JSON.stringify({ steps: [], result: 'good' }) }]);
  });
});
