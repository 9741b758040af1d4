import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BadRequestError } from 'openai';
import type OpenAI from 'openai';
import type { GraderRunParams, GraderRunResponse } from 'openai/resources/fine-tuning/alpha/graders';
import { expectSchema } from '../compat/spec-schemas.ts';
import { fakeEmbedding, type FakeOpenAI, type FakeReplyResult, type FakeRequest } from '../support/fake-openai/fake-openai.ts';
import { testDatabases } from '../support/test-databases.ts';
import { allItems, asDataSource, cancelLeftoverRuns, createEval, expectEveryRowOnce, MODELS, runToEnd, stringCheck, upstreamUsage, useModelRunsServer, type Item, type Run } from './model-runs-fixtures.ts';

/**
 * Graders that call models — `label_model`, `score_model` and `text_similarity` with `cosine` —
 * in runs and in the graders API, through the official SDK against a Proctor whose PROCTOR_CONFIG
 * points at the fake upstream: verdicts, clamping, the judge's sample kept in `results[].sample`,
 * judge failures as data (refusal, unparseable output, a label outside `labels`, an upstream error,
 * an unknown model), and grader usage in `per_model_usage` equal to what the upstream reported.
 */

const JUDGE = MODELS.judge;
const EMBED = MODELS.embed;
const msg = (role: string, text: string) => ({ type: 'message', role, content: { type: 'input_text', text } });

type Result = { name: string; type: string; score: number; passed: boolean; sample: Record<string, any> | null; error?: { code: string; message: string } };
const resultsOf = (item: Item): Result[] => item.results as unknown as Result[];

/** The judge's verdicts, read off the rendered prompt: label prompts say `answer A vs B`, score prompts `score row N`. */
function judgeReply(req: FakeRequest): FakeReplyResult | undefined {
  const schema = req.body['response_format']?.json_schema?.name;
  const text = req.lastUserText;
  if (schema === 'label_model_result') {
    const m = /answer (.*) vs (.*)$/.exec(text);
    const special = /special (\w+)/.exec(text)?.[1];
    if (special === 'refuse') return { content: null, refusal: 'I will not grade this.' };
    if (special === 'prose') return 'The answer looks right to me.';
    if (special === 'maybe') return JSON.stringify({ steps: [], result: 'maybe' });
    if (special === 'cut') return { content: '', finish_reason: 'length' };
    if (special === 'fenced') return '```json\n{"steps":[],"result":"correct"}\n```';
    return JSON.stringify({ steps: [{ description: 'compare', conclusion: 'done' }], result: m && m[1] === m[2] ? 'correct' : 'incorrect' });
  }
  if (schema === 'score_model_result') {
    if (/score high/.test(text)) return JSON.stringify({ steps: [], result: 'high' });
    const n = Number(/score row (-?\d+)/.exec(text)?.[1] ?? Number.NaN);
    return JSON.stringify({ steps: [], result: n / 4 });
  }
  return undefined;
}

function useJudge(fake: FakeOpenAI): void {
  fake.setBehavior({
    reply: (req) => judgeReply(req) ?? `reply: ${req.lastUserText}`,
    // A 400 from the judge (not retried) for prompts that ask for it.
    outcome: (req) => (/special upstream400/.test(req.lastUserText) ? { status: 400, body: { error: { message: 'bad judge request (fake)', type: 'invalid_request_error', param: null, code: 'invalid_value' } } } : undefined),
  });
}

/** Cosine of the fake's float32 embeddings, as Proctor computes it. */
function fakeCosine(a: string, b: string): number {
  const x = fakeEmbedding(a);
  const y = fakeEmbedding(b);
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i]! * y[i]!;
    nx += x[i]! * x[i]!;
    ny += y[i]! * y[i]!;
  }
  return dot / Math.sqrt(nx * ny);
}

/** `per_model_usage` holds exactly these configured names, each equal to the fake's count for its upstream model. */
function expectUsage(run: Run, fake: FakeOpenAI, models: ReadonlyArray<{ name: string; upstream: string }>): void {
  const expected = models
    .map((m) => ({ model_name: m.name, ...upstreamUsage(fake, m.upstream) }))
    .filter((u) => u.invocation_count > 0)
    .sort((a, b) => a.model_name.localeCompare(b.model_name));
  const actual = [...(run.per_model_usage ?? [])].sort((a, b) => a.model_name.localeCompare(b.model_name));
  assert.deepEqual(actual, expected, 'per_model_usage equals what the upstream reported, per model');
}

const labelCriterion = (name: string, model: string = JUDGE.name) => ({
  type: 'label_model',
  name,
  model,
  input: [msg('system', 'You grade answers.'), { role: 'user', content: 'row {{ item.n }} {{ item.note }} answer {{ item.answer }} vs {{ sample.output_text }}' }],
  labels: ['correct', 'incorrect'],
  passing_labels: ['correct'],
});

const scoreCriterion = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'score_model',
  name,
  model: JUDGE.name,
  input: [{ role: 'user', content: 'score row {{ item.n }} {{ item.note }}' }],
  ...extra,
});

const cosineCriterion = (name: string) => ({ type: 'text_similarity', name, input: '{{ sample.output_text }}', reference: '{{ item.answer }}', evaluation_metric: 'cosine', pass_threshold: 0.99 });

const jsonlRun = (rows: ReadonlyArray<{ item: Record<string, unknown>; sample: Record<string, unknown> }>) => ({
  name: 'graded by models',
  data_source: asDataSource({ type: 'jsonl', source: { type: 'file_content', content: rows } }),
});

for (const [index, db] of testDatabases().entries()) {
  describe(`model graders through the openai SDK (${db.name})`, () => {
    const server = useModelRunsServer(db);
    beforeEach(() => server.fake.reset());
    afterEach(() => cancelLeftoverRuns(server.fake));

    it('label_model, score_model and cosine grade a jsonl run: verdicts, clamping, the judge’s sample, usage equal to the upstream', async () => {
      const { client, fake } = server;
      useJudge(fake);
      const answers = ['Paris', 'Lima', 'Rome', 'Oslo', 'Bern', 'Kyiv'];
      const outputs = ['Paris', 'Cusco', 'Rome', 'Bergen', 'Bern', 'Lviv'];
      const rows = answers.map((answer, n) => ({ item: { n, answer, note: '' }, sample: { output_text: outputs[n]! } }));
      const { evalId, criterionIds } = await createEval(client, 'judged', [labelCriterion('label'), scoreCriterion('score', { range: [0, 1] }), cosineCriterion('cos')], false);
      const { run } = await runToEnd(client, evalId, jsonlRun(rows));
      assert.equal(run.status, 'completed');
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, rows.length);

      for (const item of items) {
        const n = item.datasource_item_id;
        const [label, score, cos] = resultsOf(item);
        const same = answers[n] === outputs[n];
        // label_model: passes iff the judge's label is a passing label; its sample is the judge's side of the row.
        assert.deepEqual([label!.name, label!.type, label!.passed, label!.score], [criterionIds[0], 'label_model', same, same ? 1 : 0], `row ${n} label`);
        assert.equal(label!.error, undefined);
        const judged = label!.sample!;
        assert.equal(judged['model'], JUDGE.upstream);
        assert.deepEqual(judged['input'], [
          { role: 'system', content: 'You grade answers.' },
          { role: 'user', content: `row ${n}  answer ${answers[n]} vs ${outputs[n]}` },
        ]);
        const raw = JSON.parse(String(judged['output'][0].content)) as { result: string };
        assert.equal(raw.result, same ? 'correct' : 'incorrect');
        assert.equal(judged['finish_reason'], 'stop');
        assert.ok(judged['usage'].total_tokens > 0);
        assert.equal(judged['error'], null);
        // score_model: n/4 clamped to [0, 1]; passes at ≥ 0.5 (the middle of the range).
        const expected = Math.min(1, n / 4);
        assert.deepEqual([score!.type, score!.score, score!.passed], ['score_model', expected, expected >= 0.5], `row ${n} score`);
        // cosine of the fake's embeddings; identical texts score 1.
        assert.equal(cos!.type, 'text_similarity');
        assert.ok(Math.abs(cos!.score - fakeCosine(outputs[n]!, answers[n]!)) < 1e-9, `row ${n} cosine ${cos!.score}`);
        if (same) assert.ok(Math.abs(cos!.score - 1) < 1e-9);
        assert.equal(cos!.passed, cos!.score >= 0.99);
        assert.equal(item.status, same && expected >= 0.5 ? 'pass' : 'fail');
      }
      const passedRows = items.filter((i) => i.status === 'pass').length;
      assert.deepEqual(run.result_counts, { total: 6, errored: 0, failed: 6 - passedRows, passed: passedRows });
      assert.deepEqual(
        run.per_testing_criteria_results,
        [
          { testing_criteria: criterionIds[0], passed: 3, failed: 3 },
          { testing_criteria: criterionIds[1], passed: 4, failed: 2 },
          { testing_criteria: criterionIds[2], passed: 3, failed: 3 },
        ],
      );
      assert.equal(fake.stats.usageByModel[JUDGE.upstream]?.invocation_count, 12, 'one judge call per row and model criterion');
      assert.equal(fake.stats.usageByModel[EMBED.upstream]?.invocation_count, 6, 'one embeddings call (two inputs) per row');
      expectUsage(run, fake, [JUDGE, EMBED]);

      // What the judge was asked: strict structured output naming the labels.
      const labelRequest = fake.stats.recorded.find((r) => r.model === JUDGE.upstream && r.body['response_format']?.json_schema?.name === 'label_model_result');
      assert.ok(labelRequest);
      const format = labelRequest.body['response_format'].json_schema;
      assert.equal(format.strict, true);
      assert.deepEqual(format.schema.properties.result, { type: 'string', enum: ['correct', 'incorrect'] });
    });

    it('an unknown judge model is the eval\'s 400 (testing_criteria[i].model), also inside multi; no eval is made', async () => {
      const { client } = server;
      const before = (await client.evals.list({ limit: 100 })).data.length;
      for (const [criteria, param] of [
        [[labelCriterion('label'), labelCriterion('ghost', 'no-such-judge')], 'testing_criteria[1].model'],
        [[scoreCriterion('ghost', { model: 'no-such-judge' })], 'testing_criteria[0].model'],
        [[{ type: 'multi', name: 'm', graders: { g: labelCriterion('g', 'no-such-judge') }, calculate_output: 'g' }], 'testing_criteria[0].graders.g.model'],
      ] as const) {
        const error = await createEval(client, 'ghost judge', [...criteria] as never, false).then(() => assert.fail('the eval was created'), (e: unknown) => e);
        assert.ok(error instanceof BadRequestError, String(error));
        assert.equal(error.param, param);
        assert.equal(error.code, 'model_not_found');
        assert.match(error.message, /no-such-judge/);
      }
      assert.equal((await client.evals.list({ limit: 100 })).data.length, before);
    });

    it('judge failures are data: refusal, prose, a label outside labels, no content, an upstream 400 — the run completes', async () => {
      const { client, fake } = server;
      useJudge(fake);
      const notes = ['', 'special refuse', 'special prose', 'special maybe', 'special cut', 'special upstream400', 'special fenced'];
      const rows = notes.map((note, n) => ({ item: { n, answer: 'x', note }, sample: { output_text: 'x' } }));
      const { evalId } = await createEval(client, 'judge failures', [labelCriterion('label')], false);
      const { run } = await runToEnd(client, evalId, jsonlRun(rows));
      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      assert.deepEqual(run.result_counts, { total: 7, errored: 5, failed: 0, passed: 2 });
      const items = await allItems(client, evalId, run.id);
      const expected: Array<[code: string | null, message: RegExp | null, output: string | null]> = [
        [null, null, null],
        ['model_grader_refusal_error', /refused to grade: I will not grade this\./, ''],
        ['model_grader_parse_error', /output is not JSON: The answer looks right to me\./, 'The answer looks right to me.'],
        ['model_grader_parse_error', /label "maybe" is not one of \["correct","incorrect"\]/, JSON.stringify({ steps: [], result: 'maybe' })],
        ['model_grader_parse_error', /returned no content \(finish_reason: length\)/, ''],
        ['model_grader_server_error', /failed \(invalid_value\): upstream answered 400 bad judge request \(fake\)/, null],
        [null, null, null],
      ];
      for (const item of items) {
        const n = item.datasource_item_id;
        const [label] = resultsOf(item);
        const [code, message, output] = expected[n]!;
        assert.equal(label!.error?.code ?? null, code, `row ${n}: ${JSON.stringify(label)}`);
        if (message) assert.match(label!.error!.message, message, `row ${n}`);
        assert.equal(label!.passed, code === null, `row ${n}`);
        if (code !== null) {
          assert.equal(label!.score, 0);
          assert.deepEqual(label!.sample!['error'], label!.error, `row ${n}: the judge's sample carries the error`);
        }
        // The judge's raw output is kept even when it could not be used.
        if (output !== null) assert.equal(label!.sample!['output'][0].content, output, `row ${n} raw output`);
        assert.equal(item.status, code === null ? 'pass' : 'fail');
      }
      expectUsage(run, fake, [JUDGE]);
    });

    it('a completions run graded by a judge: the judge sees the sampled output; usage counts both models apart', async () => {
      const { client, fake } = server;
      useJudge(fake);
      const ROWS = 8;
      const rows = Array.from({ length: ROWS }, (_, n) => ({ item: { n, answer: `reply: row ${n} go`, note: '' } }));
      const { evalId, criterionIds } = await createEval(client, 'sampled and judged', [labelCriterion('label'), stringCheck('exact', '{{ sample.output_text }}', '{{ item.answer }}')]);
      const { run } = await runToEnd(client, evalId, {
        name: 'sample then judge',
        data_source: asDataSource({ type: 'completions', model: MODELS.chat.name, input_messages: { type: 'template', template: [{ role: 'user', content: 'row {{ item.n }} go' }] }, source: { type: 'file_content', content: rows } }),
      });
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      assert.deepEqual(run.per_testing_criteria_results, [{ testing_criteria: criterionIds[0], passed: ROWS, failed: 0 }, { testing_criteria: criterionIds[1], passed: ROWS, failed: 0 }]);
      const items = await allItems(client, evalId, run.id);
      for (const item of items) {
        const judged = resultsOf(item)[0]!.sample!;
        assert.match(judged['input'][1].content, new RegExp(`answer reply: row ${item.datasource_item_id} go vs reply: row ${item.datasource_item_id} go$`));
        assert.equal(item.sample.model, MODELS.chat.upstream, 'the output item’s own sample is the sampled model’s');
      }
      expectUsage(run, fake, [MODELS.chat, JUDGE]);
      assert.equal(run.per_model_usage?.find((u) => u.model_name === MODELS.chat.name)?.invocation_count, ROWS);
      assert.equal(run.per_model_usage?.find((u) => u.model_name === JUDGE.name)?.invocation_count, ROWS);
    });

    if (index === 0) {
      describe('the graders API with model graders', () => {
        const runGrader = (client: OpenAI, grader: Record<string, unknown>, model_sample: string, item?: Record<string, unknown>): Promise<GraderRunResponse> =>
          client.fineTuning.alpha.graders.run({ grader: grader as unknown as GraderRunParams['grader'], model_sample, ...(item ? { item } : {}) });
        const usageEntry = (fake: FakeOpenAI, upstream: string) => {
          const u = upstreamUsage(fake, upstream);
          return { invocation_count: u.invocation_count, prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens, cached_tokens: u.cached_tokens };
        };

        it('score_model: the clamped reward, token_usage, sampled_model_name and usage per model', async () => {
          const { client, fake } = server;
          useJudge(fake);
          const grader = { ...scoreCriterion('judge score', { range: [0, 2] }), input: [{ role: 'user', content: 'score row {{ item.n }} for {{ sample.output_text }}' }] };
          const res = await runGrader(client, grader, 'whatever', { n: 3 });
          expectSchema(res, 'RunGraderResponse');
          assert.equal(res.reward, 0.75);
          assert.equal(res.metadata.name, 'judge score');
          assert.equal(res.metadata.type, 'score_model');
          assert.deepEqual(res.metadata.scores, { 'judge score': 0.75 });
          assert.equal(res.metadata.sampled_model_name, JUDGE.upstream);
          const usage = usageEntry(fake, JUDGE.upstream);
          assert.equal(res.metadata.token_usage, usage.total_tokens);
          assert.deepEqual(res.model_grader_token_usage_per_model, { [JUDGE.name]: usage });
          assert.ok(Object.values(res.metadata.errors).every((v) => v === false || v === null));
          const clamped = await runGrader(client, grader, 'x', { n: 12 });
          assert.equal(clamped.reward, 2, 'clamped to the top of range');
        });

        it('label_model and cosine run; a multi sums usage over its model sub-graders', async () => {
          const { client, fake } = server;
          useJudge(fake);
          const label = { ...labelCriterion('judge label'), input: [{ role: 'user', content: 'row 0 answer {{ item.answer }} vs {{ sample.output_text }}' }] };
          const right = await runGrader(client, label, 'Paris', { answer: 'Paris' });
          expectSchema(right, 'RunGraderResponse');
          assert.equal(right.reward, 1);
          assert.equal((await runGrader(client, label, 'Lyon', { answer: 'Paris' })).reward, 0);
          const cos = await runGrader(client, cosineCriterion('cos'), 'the cat sat', { answer: 'the cat sat down' });
          expectSchema(cos, 'RunGraderResponse');
          assert.ok(Math.abs(cos.reward - fakeCosine('the cat sat', 'the cat sat down')) < 1e-9);
          assert.equal(cos.metadata.sampled_model_name, EMBED.name, 'an embeddings call has no reply naming a model: the configured name');
          fake.reset();
          useJudge(fake);
          const multi = { type: 'multi', name: 'both', graders: { label, cos: cosineCriterion('cos') }, calculate_output: '(label + cos) / 2' };
          const both = await runGrader(client, multi, 'Paris', { answer: 'Paris' });
          expectSchema(both, 'RunGraderResponse');
          assert.ok(Math.abs(both.reward - 1) < 1e-9);
          assert.deepEqual(Object.keys(both.sub_rewards as object).sort(), ['cos', 'label']);
          assert.deepEqual(both.model_grader_token_usage_per_model, { [JUDGE.name]: usageEntry(fake, JUDGE.upstream), [EMBED.name]: usageEntry(fake, EMBED.upstream) });
          assert.equal(both.metadata.token_usage, usageEntry(fake, JUDGE.upstream).total_tokens + usageEntry(fake, EMBED.upstream).total_tokens);
        });

        it('judge failures set the model_grader_* flags; the reward is 0', async () => {
          const { client, fake } = server;
          useJudge(fake);
          const label = (note: string) => ({ ...labelCriterion('l'), input: [{ role: 'user', content: `row 0 special ${note} answer a vs a` }] });
          const refused = await runGrader(client, label('refuse'), 'a');
          expectSchema(refused, 'RunGraderResponse');
          assert.equal(refused.reward, 0);
          assert.equal(refused.metadata.errors.model_grader_refusal_error, true);
          assert.equal(refused.metadata.errors.model_grader_parse_error, false);
          const prose = await runGrader(client, label('prose'), 'a');
          assert.equal(prose.metadata.errors.model_grader_parse_error, true);
          const failed = await runGrader(client, label('upstream400'), 'a');
          assert.equal(failed.metadata.errors.model_grader_server_error, true);
          assert.match(String(failed.metadata.errors.model_grader_server_error_details), /upstream answered 400 bad judge request/);
          assert.equal(failed.metadata.token_usage, null, 'no usage from a call that failed');
          assert.deepEqual(failed.model_grader_token_usage_per_model, {});
          const unknown = await runGrader(client, labelCriterion('l', 'no-such-judge'), 'a', { n: 0, answer: 'a', note: '' });
          assert.equal(unknown.metadata.errors.model_grader_server_error, true);
          assert.match(String(unknown.metadata.errors.model_grader_server_error_details), /model_not_found/);
          const score = await runGrader(client, scoreCriterion('s'), 'a', { n: 0, note: 'score high' });
          assert.equal(score.metadata.errors.model_grader_parse_error, true);
          assert.equal(score.reward, 0);
        });
      });
    }
  });
}
