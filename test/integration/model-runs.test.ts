import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { BadRequestError, toFile } from 'openai';
import { expectSchema } from '../compat/spec-schemas.ts';
import { countPromptTokens, countWords, type FakeMessage, type FakeOutcome } from '../support/fake-openai/fake-openai.ts';
import { waitForRun } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import {
  allItems, arrivalsByRow, asDataSource, cancelLeftoverRuns, createEval, expectRunSchema, expectConcurrencyWithin, expectEveryRowOnce, expectUsageEqualsItems, expectUsageEqualsUpstream, MODEL_TIMEOUT_MS, MODELS, NO_KEY_MODEL, perRowFaults, rowOfBody,
  rowOfRequest, runToEnd, sleep, stringCheck, trackRun, UNSERVED_UPSTREAM, UNSET_KEY_ENV, upstreamUsage, useModelRunsServer, type Item, type ModelSpec, type Run,
} from './model-runs-fixtures.ts';

/**
 * Model-backed runs end to end, through the official `openai` SDK against a running Proctor whose
 * PROCTOR_CONFIG points at the fake upstream: `completions` and `responses` data sources from
 * `file_content` and `file_id`, templates (short and EvalItem forms, text/output/image parts,
 * `{{item.x}}`) and `item_reference`, every sampling parameter, structured output and tools as the
 * graders see them, the output item's full `sample`, the run's echo, per-model usage equal to the
 * upstream's, max_concurrency, retries under every fault (no row lost, exact counts), calls that
 * never succeed, unresolvable models, and cancel stopping upstream traffic. On both databases.
 */

type Row = { item: Record<string, unknown> };

const msg = (role: string, text: string) => ({ type: 'message', role, content: { type: 'input_text', text } });
const fm = (role: string, text: string): FakeMessage => ({ role, text });
const toJsonl = (rows: readonly Row[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function uploadRows(client: OpenAI, rows: readonly Row[]): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(toJsonl(rows)), 'rows.jsonl'), purpose: 'evals' });
  expectSchema(file, 'OpenAIFile');
  return file.id;
}

/** Rows whose last user message says `row <n> go`; a criterion on `reply: row <n> go` passes them all. */
const goRows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ item: { n: i } }));
const GO_TEMPLATE = [{ role: 'user', content: 'row {{item.n}} go' }];
const goReply = (i: number): string => `reply: row ${i} go`;
const replyCriterion = stringCheck('reply', '{{sample.output_text}}', 'reply: row {{item.n}} go');

function goRun(model: ModelSpec | string, rows: readonly Row[], type: 'completions' | 'responses' = 'completions') {
  const name = typeof model === 'string' ? model : model.name;
  return { name: `${name} run`, data_source: asDataSource({ type, model: name, input_messages: { type: 'template', template: GO_TEMPLATE }, source: { type: 'file_content', content: rows } }) };
}

function outcomeName(o: FakeOutcome): string {
  return typeof o === 'string' ? o : String(o.status);
}

function countOutcomes(plan: ReadonlyArray<readonly FakeOutcome[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const faults of plan) for (const f of faults) out[outcomeName(f)] = (out[outcomeName(f)] ?? 0) + 1;
  return out;
}

const errorOf = (item: Item): { code: string; message: string } | null => item.sample.error ?? null;

for (const db of testDatabases()) {
  describe(`model-backed runs through the openai SDK (${db.name})`, () => {
    const server = useModelRunsServer(db);
    beforeEach(() => server.fake.reset());
    afterEach(() => cancelLeftoverRuns(server.fake));

    // -------------------------------------------------------------------------------------------
    // Data sources, templates, sampling params, the sample

    it('completions from file_content: short-form template with {{item.x}}, every sampling param sent, full sample, echo, exact counts and usage', async () => {
      const { client, fake } = server;
      fake.setBehavior({ cachedFraction: 0.5, latencyMs: 5 });
      const model = MODELS.chat;
      const ROWS = 24;
      const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({ item: { n: i, topic: 'arithmetic', question: `what is ${i} plus ${i}?`, expect: i % 2 === 0 ? `row ${i}:` : 'never said' } }));
      const { evalId, criterionIds } = await createEval(client, 'completions template', [stringCheck('says the row', '{{sample.output_text}}', '{{item.expect}}', 'like')]);
      const template = [
        { role: 'system', content: 'You answer questions about {{item.topic}}.' },
        { role: 'user', content: 'row {{item.n}}: {{item.question}}' },
      ];
      const sampling_params = { temperature: 0.3, top_p: 0.9, seed: 7, max_completion_tokens: 64, reasoning_effort: 'low' };
      const ds = { type: 'completions', model: model.name, input_messages: { type: 'template', template }, sampling_params, source: { type: 'file_content', content: rows } };
      const { created, run } = await runToEnd(client, evalId, { name: 'chat run', metadata: { suite: 'model-runs' }, data_source: asDataSource(ds) });

      // The run echoes its model and data source (templates in the long EvalItem form, architecture §6).
      const echoed = { ...ds, input_messages: { type: 'template', template: [msg('system', template[0]!.content), msg('user', template[1]!.content)] } };
      for (const r of [created, run]) {
        assert.equal(r.model, model.name);
        assert.deepEqual(r.data_source, echoed);
        assert.equal(r.name, 'chat run');
        assert.deepEqual(r.metadata, { suite: 'model-runs' });
      }
      assert.equal(created.status, 'queued');
      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      const passed = Math.ceil(ROWS / 2);
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: ROWS - passed, passed });
      assert.deepEqual(run.per_testing_criteria_results, [{ testing_criteria: criterionIds[0], passed, failed: ROWS - passed }]);

      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      const system = 'You answer questions about arithmetic.';
      for (const item of items) {
        const i = item.datasource_item_id;
        const user = `row ${i}: what is ${i} plus ${i}?`;
        const reply = `reply: ${user}`;
        const prompt = countPromptTokens([fm('system', system), fm('user', user)]);
        const completion = countWords(reply);
        assert.deepEqual(item.datasource_item, rows[i]!.item);
        assert.equal(item.run_id, run.id);
        assert.equal(item.eval_id, evalId);
        assert.deepEqual(item.sample, {
          input: [{ role: 'system', content: system }, { role: 'user', content: user }],
          output: [{ role: 'assistant', content: reply }],
          finish_reason: 'stop',
          model: model.upstream,
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, cached_tokens: Math.floor(prompt * 0.5) },
          error: null,
          temperature: 0.3,
          top_p: 0.9,
          seed: 7,
          max_completion_tokens: 64,
        });
        assert.equal(item.status, i % 2 === 0 ? 'pass' : 'fail');
        assert.equal(item.results.length, 1);
        assert.equal(item.results[0]!.passed, i % 2 === 0);
      }

      // What went upstream: one Chat Completions call per row with every sampling parameter.
      const sent = fake.stats.recorded.filter((r) => r.model === model.upstream);
      assert.equal(sent.length, ROWS);
      assert.deepEqual(new Set(sent.map((r) => rowOfBody(r.body))).size, ROWS);
      for (const r of sent) {
        const i = rowOfBody(r.body)!;
        assert.equal(r.endpoint, 'chat.completions');
        assert.deepEqual(r.body['messages'], [{ role: 'system', content: system }, { role: 'user', content: `row ${i}: what is ${i} plus ${i}?` }]);
        assert.equal(r.body['temperature'], 0.3);
        assert.equal(r.body['top_p'], 0.9);
        assert.equal(r.body['seed'], 7);
        assert.equal(r.body['max_completion_tokens'], 64);
        assert.equal(r.body['reasoning_effort'], 'low');
        assert.notEqual(r.body['stream'], true);
      }
      expectUsageEqualsUpstream(run, items, fake, model);
      expectConcurrencyWithin(fake, model);
    });

    it('completions from file_id: EvalItem form with input_text, input_image and output_text parts; max_completions_tokens spelling kept and sent', async () => {
      const { client, fake } = server;
      const model = MODELS.parts;
      const ROWS = 6;
      const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({ item: { n: i, persona: 'a pirate', name: `cat ${i}`, image: `https://images.example/cat-${i}.png` } }));
      const fileId = await uploadRows(client, rows);
      const { evalId } = await createEval(client, 'completions parts', [stringCheck('cut short', '{{sample.output_text}}', 'reply: row {{item.n}}')]);
      const template = [
        { type: 'message', role: 'developer', content: { type: 'input_text', text: 'Persona: {{item.persona}}' } },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look at {{item.name}}' }, { type: 'input_image', image_url: '{{item.image}}', detail: 'low' }] },
        { type: 'message', role: 'assistant', content: { type: 'output_text', text: 'I see {{item.name}}.' } },
        { type: 'message', role: 'user', content: { type: 'input_text', text: 'row {{item.n}} describe it in detail please' } },
      ];
      // The spelling the service also accepts; temperature 0 is a value, not an absence.
      const sampling_params = { max_completions_tokens: 3, temperature: 0 };
      const ds = { type: 'completions', model: model.name, input_messages: { type: 'template', template }, sampling_params, source: { type: 'file_id', id: fileId } };
      const { created, run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
      assert.deepEqual(created.data_source, ds, 'echo keeps max_completions_tokens as sent');
      assert.deepEqual(run.data_source, ds);
      assert.equal(run.model, model.name);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });

      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      for (const item of items) {
        const i = item.datasource_item_id;
        const image = `https://images.example/cat-${i}.png`;
        const texts = [fm('developer', 'Persona: a pirate'), fm('user', `Look at cat ${i}`), fm('assistant', `I see cat ${i}.`), fm('user', `row ${i} describe it in detail please`)];
        const prompt = countPromptTokens(texts);
        assert.deepEqual(item.datasource_item, rows[i]!.item);
        assert.deepEqual(item.sample, {
          input: [
            { role: 'developer', content: 'Persona: a pirate' },
            { role: 'user', content: `Look at cat ${i}[image: ${image}]` },
            { role: 'assistant', content: `I see cat ${i}.` },
            { role: 'user', content: `row ${i} describe it in detail please` },
          ],
          // Three words: the fake honours max_completion_tokens and says why it stopped.
          output: [{ role: 'assistant', content: `reply: row ${i}` }],
          finish_reason: 'length',
          model: model.upstream,
          usage: { prompt_tokens: prompt, completion_tokens: 3, total_tokens: prompt + 3, cached_tokens: 0 },
          error: null,
          temperature: 0,
          top_p: 1,
          seed: 42,
          max_completion_tokens: 3,
        });
        assert.equal(item.status, 'pass');
      }
      const sent = fake.stats.recorded.filter((r) => r.model === model.upstream);
      assert.equal(sent.length, ROWS);
      for (const r of sent) {
        const i = rowOfBody(r.body)!;
        assert.deepEqual(r.body['messages'], [
          { role: 'developer', content: 'Persona: a pirate' },
          { role: 'user', content: [{ type: 'text', text: `Look at cat ${i}` }, { type: 'image_url', image_url: { url: `https://images.example/cat-${i}.png`, detail: 'low' } }] },
          { role: 'assistant', content: `I see cat ${i}.` },
          { role: 'user', content: `row ${i} describe it in detail please` },
        ]);
        assert.equal(r.body['max_completion_tokens'], 3);
        assert.equal(r.body['temperature'], 0);
        for (const absent of ['max_completions_tokens', 'top_p', 'seed', 'reasoning_effort', 'response_format', 'tools']) assert.equal(absent in r.body, false, `${absent} not sent`);
      }
      expectUsageEqualsUpstream(run, items, fake, model);
    });

    it('completions with item_reference (item.messages): string and part contents sent as the row has them', async () => {
      const { client, fake } = server;
      const model = MODELS.chat;
      const ROWS = 5;
      const messagesOf = (i: number) => [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: `row ${i}: first` },
        { role: 'assistant', content: 'noted' },
        { role: 'user', content: [{ type: 'input_text', text: `row ${i} says hi` }, { type: 'input_image', image_url: `https://images.example/${i}.png` }] },
      ];
      const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({ item: { n: i, messages: messagesOf(i) } }));
      const { evalId } = await createEval(client, 'item reference', [stringCheck('reply', '{{sample.output_text}}', 'reply: row {{item.n}} says hi')]);
      const ds = { type: 'completions', model: model.name, input_messages: { type: 'item_reference', item_reference: 'item.messages' }, source: { type: 'file_content', content: rows } };
      const { run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
      assert.deepEqual(run.data_source, ds);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      for (const item of items) {
        const i = item.datasource_item_id;
        assert.deepEqual(item.sample.input, [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: `row ${i}: first` },
          { role: 'assistant', content: 'noted' },
          { role: 'user', content: `row ${i} says hi[image: https://images.example/${i}.png]` },
        ]);
        assert.deepEqual(item.sample.output, [{ role: 'assistant', content: `reply: row ${i} says hi` }]);
        // No sampling_params: the API's defaults are reported.
        assert.deepEqual([item.sample.temperature, item.sample.top_p, item.sample.seed, item.sample.max_completion_tokens], [1, 1, 42, 0]);
      }
      for (const r of fake.stats.recorded) {
        const i = rowOfBody(r.body)!;
        assert.deepEqual(r.body['messages'], [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: `row ${i}: first` },
          { role: 'assistant', content: 'noted' },
          { role: 'user', content: [{ type: 'text', text: `row ${i} says hi` }, { type: 'image_url', image_url: { url: `https://images.example/${i}.png` } }] },
        ]);
        for (const absent of ['temperature', 'top_p', 'seed', 'max_completion_tokens']) assert.equal(absent in r.body, false, `${absent} not sent`);
      }
      expectUsageEqualsUpstream(run, items, fake, model);
    });

    it('a row without the referenced messages errors (invalid_input_messages) and its sample still reports the run\'s sampling values', async () => {
      const { client, fake } = server;
      const model = MODELS.chat;
      const rows: Row[] = [
        { item: { n: 0, messages: [{ role: 'user', content: 'row 0 go' }] } },
        { item: { n: 1 } },
        { item: { n: 2, messages: [{ role: 'user', content: 'row 2 go' }] } },
      ];
      const { evalId } = await createEval(client, 'item reference missing', [replyCriterion]);
      const sampling_params = { temperature: 0.5, top_p: 0.7, seed: 3, max_completion_tokens: 20 };
      const ds = { type: 'completions', model: model.name, input_messages: { type: 'item_reference', item_reference: 'item.messages' }, sampling_params, source: { type: 'file_content', content: rows } };
      const { run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: 3, errored: 1, failed: 0, passed: 2 });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, 3);
      const bad = items[1]!;
      assert.equal(bad.status, 'fail');
      assert.deepEqual(errorOf(bad), { code: 'invalid_input_messages', message: 'item.messages is not present in this row' });
      assert.equal(bad.sample.model, model.name);
      assert.deepEqual(bad.sample.output, []);
      assert.deepEqual(bad.sample.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 });
      assert.equal(fake.stats.byModel[model.upstream], 2, 'the bad row made no upstream call');
      expectUsageEqualsUpstream(run, items, fake, model);
      // Like every other row of this run (and like rows whose model call failed), the sample states
      // the sampling values the run used.
      const reported = (it: Item) => ({ temperature: it.sample.temperature, top_p: it.sample.top_p, seed: it.sample.seed, max_completion_tokens: it.sample.max_completion_tokens });
      assert.deepEqual(reported(items[0]!), { temperature: 0.5, top_p: 0.7, seed: 3, max_completion_tokens: 20 });
      assert.deepEqual(reported(bad), reported(items[0]!), 'an unrenderable row reports the run\'s sampling_params, not jsonl defaults');
    });

    it('completions: response_format json_schema → grader sees sample.output_json; tools → sample.output_tools', async () => {
      const { client, fake } = server;
      const model = MODELS.structured;
      const ROWS = 6;
      const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({ item: { n: i } }));
      const template = [{ role: 'user', content: 'row {{item.n}} please answer' }];

      // json_schema: the fake answers with an instance of the schema (its strings are the default reply).
      const response_format = {
        type: 'json_schema',
        json_schema: { name: 'answer', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' }, confidence: { type: 'number' } }, required: ['answer', 'confidence'], additionalProperties: false } },
      };
      const json = await createEval(client, 'output_json', [
        stringCheck('answer', '{{sample.output_json.answer}}', 'reply: row {{item.n}} please answer'),
        stringCheck('confidence', '{{sample.output_json.confidence}}', '0'),
      ]);
      const jsonDs = { type: 'completions', model: model.name, input_messages: { type: 'template', template }, sampling_params: { response_format, seed: 5 }, source: { type: 'file_content', content: rows } };
      const jsonRun = await runToEnd(client, json.evalId, { data_source: asDataSource(jsonDs) });
      assert.deepEqual(jsonRun.run.data_source, { ...jsonDs, input_messages: { type: 'template', template: [msg('user', template[0]!.content)] } });
      assert.equal(jsonRun.run.status, 'completed');
      assert.deepEqual(jsonRun.run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      assert.deepEqual(jsonRun.run.per_testing_criteria_results, json.criterionIds.map((id) => ({ testing_criteria: id, passed: ROWS, failed: 0 })));
      const jsonItems = await allItems(client, json.evalId, jsonRun.run.id);
      expectEveryRowOnce(jsonItems, ROWS);
      for (const item of jsonItems) {
        const i = item.datasource_item_id;
        assert.deepEqual(JSON.parse(String((item.sample.output[0] as { content: string }).content)), { answer: `reply: row ${i} please answer`, confidence: 0 });
        assert.equal(item.sample.seed, 5);
      }
      for (const r of fake.stats.recorded) assert.deepEqual(r.body['response_format'], response_format);
      expectUsageEqualsUpstream(jsonRun.run, jsonItems, fake, model);

      // tools: the fake calls the tool; graders read the call from sample.output_tools.
      fake.reset();
      fake.setBehavior({ reply: (req) => ({ tool_calls: [{ name: 'lookup', arguments: { q: `row ${rowOfRequest(req)}` } }] }) });
      const tools = [{ type: 'function', function: { name: 'lookup', description: 'Look a thing up.', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];
      const tool = await createEval(client, 'output_tools', [
        stringCheck('tool name', '{{sample.output_tools[0].function.name}}', 'lookup'),
        stringCheck('tool arguments', '{{sample.output_tools[0].function.arguments}}', '{"q":"row {{item.n}}"}'),
      ]);
      const toolDs = { type: 'completions', model: model.name, input_messages: { type: 'template', template }, sampling_params: { tools }, source: { type: 'file_content', content: rows } };
      const toolRun = await runToEnd(client, tool.evalId, { data_source: asDataSource(toolDs) });
      assert.equal(toolRun.run.status, 'completed');
      assert.deepEqual(toolRun.run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      const toolItems = await allItems(client, tool.evalId, toolRun.run.id);
      expectEveryRowOnce(toolItems, ROWS);
      for (const item of toolItems) {
        assert.equal(item.sample.finish_reason, 'tool_calls');
        // The call stays on the output message, as the upstream answered it (Chat Completions shape).
        const call = { type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ q: `row ${item.datasource_item_id}` }) } };
        assert.deepEqual(item.sample.output, [{ role: 'assistant', content: '', tool_calls: [{ id: (item.sample.output[0] as { tool_calls: [{ id: string }] }).tool_calls[0].id, ...call }] }]);
        assert.deepEqual(item.results.map((r) => r.passed), [true, true]);
      }
      for (const r of fake.stats.recorded) assert.deepEqual(r.body['tools'], tools);
      expectUsageEqualsUpstream(toolRun.run, toolItems, fake, model);
    });

    it('responses from file_content: template, sampling params mapped to the Responses API, text.format json_schema → sample.output_json', async () => {
      const { client, fake } = server;
      fake.setBehavior({ cachedFraction: 0.25 });
      const model = MODELS.responses;
      const ROWS = 8;
      const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({ item: { n: i, question: `name ${i} colours` } }));
      const template = [
        { role: 'developer', content: 'Answer in JSON.' },
        { role: 'user', content: 'row {{item.n}}: {{item.question}}' },
      ];
      const format = { type: 'json_schema', name: 'answer', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } };
      const sampling_params = { temperature: 0.2, top_p: 0.8, seed: 11, max_completion_tokens: 40, reasoning_effort: 'medium', text: { format } };
      const { evalId } = await createEval(client, 'responses json', [stringCheck('answer', '{{sample.output_json.answer}}', 'reply: row {{item.n}}: {{item.question}}')]);
      const ds = { type: 'responses', model: model.name, input_messages: { type: 'template', template }, sampling_params, source: { type: 'file_content', content: rows } };
      const { created, run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
      const echoed = { ...ds, input_messages: { type: 'template', template: [msg('developer', 'Answer in JSON.'), msg('user', template[1]!.content)] } };
      assert.deepEqual(created.data_source, echoed);
      assert.deepEqual(run.data_source, echoed);
      assert.equal(run.model, model.name);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      for (const item of items) {
        const i = item.datasource_item_id;
        const user = `row ${i}: name ${i} colours`;
        const text = JSON.stringify({ answer: `reply: ${user}` });
        const prompt = countPromptTokens([fm('developer', 'Answer in JSON.'), fm('user', user)]);
        const completion = countWords(text);
        assert.deepEqual(item.sample, {
          input: [{ role: 'developer', content: 'Answer in JSON.' }, { role: 'user', content: user }],
          output: [{ role: 'assistant', content: text }],
          finish_reason: 'stop',
          model: model.upstream,
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, cached_tokens: Math.floor(prompt * 0.25) },
          error: null,
          temperature: 0.2,
          top_p: 0.8,
          seed: 11,
          max_completion_tokens: 40,
        });
      }
      const sent = fake.stats.recorded.filter((r) => r.model === model.upstream);
      assert.equal(sent.length, ROWS);
      for (const r of sent) {
        const i = rowOfBody(r.body)!;
        assert.equal(r.endpoint, 'responses');
        assert.deepEqual(r.body['input'], [{ role: 'developer', content: 'Answer in JSON.' }, { role: 'user', content: `row ${i}: name ${i} colours` }]);
        assert.equal(r.body['temperature'], 0.2);
        assert.equal(r.body['top_p'], 0.8);
        assert.equal(r.body['max_output_tokens'], 40);
        assert.deepEqual(r.body['reasoning'], { effort: 'medium' });
        assert.deepEqual(r.body['text'], { format });
        for (const absent of ['seed', 'max_completion_tokens', 'messages', 'reasoning_effort']) assert.equal(absent in r.body, false, `${absent} is not a Responses parameter`);
      }
      expectUsageEqualsUpstream(run, items, fake, model);
      expectConcurrencyWithin(fake, model);
    });

    it('responses from file_id: EvalItem parts (input_image as input_image), tools → sample.output_tools; and item_reference', async () => {
      const { client, fake } = server;
      fake.setBehavior({ reply: (req) => ({ tool_calls: [{ name: 'lookup', arguments: { q: `row ${rowOfRequest(req)}` } }] }) });
      const model = MODELS.responses;
      const ROWS = 5;
      const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({ item: { n: i, image: `https://images.example/r-${i}.png`, messages: [{ role: 'user', content: `row ${i} via reference` }] } }));
      const fileId = await uploadRows(client, rows);
      const template = [
        { type: 'message', role: 'system', content: { type: 'input_text', text: 'You can look things up.' } },
        { type: 'message', role: 'assistant', content: { type: 'output_text', text: 'Ready.' } },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'row {{item.n}} what is this?' }, { type: 'input_image', image_url: '{{item.image}}' }] },
      ];
      const tools = [{ type: 'function', name: 'lookup', description: 'Look a thing up.', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }, strict: true }];
      const { evalId } = await createEval(client, 'responses tools', [
        stringCheck('tool name', '{{sample.output_tools[0].name}}', 'lookup'),
        stringCheck('tool arguments', '{{sample.output_tools[0].arguments}}', '{"q":"row {{item.n}}"}'),
      ]);
      const ds = { type: 'responses', model: model.name, input_messages: { type: 'template', template }, sampling_params: { tools }, source: { type: 'file_id', id: fileId } };
      const { run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
      assert.deepEqual(run.data_source, ds);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      for (const item of items) {
        const i = item.datasource_item_id;
        assert.deepEqual(item.sample.input, [
          { role: 'system', content: 'You can look things up.' },
          { role: 'assistant', content: 'Ready.' },
          { role: 'user', content: `row ${i} what is this?[image: https://images.example/r-${i}.png]` },
        ]);
        const calls = (item.sample.output[0] as { tool_calls?: Array<Record<string, unknown>> }).tool_calls;
        assert.deepEqual(calls?.map((c) => [c['type'], c['function'], c['name'], c['arguments']]), [['function', { name: 'lookup', arguments: `{"q":"row ${i}"}` }, 'lookup', `{"q":"row ${i}"}`]]);
      }
      for (const r of fake.stats.recorded) {
        const i = rowOfBody(r.body)!;
        assert.deepEqual(r.body['input'], [
          { role: 'system', content: 'You can look things up.' },
          { role: 'assistant', content: 'Ready.' },
          { role: 'user', content: [{ type: 'input_text', text: `row ${i} what is this?` }, { type: 'input_image', image_url: `https://images.example/r-${i}.png`, detail: 'auto' }] },
        ]);
        assert.deepEqual(r.body['tools'], tools);
      }
      expectUsageEqualsUpstream(run, items, fake, model);

      // The same rows through item_reference.
      fake.reset();
      const { evalId: refEval } = await createEval(client, 'responses reference', [stringCheck('reply', '{{sample.output_text}}', 'reply: row {{item.n}} via reference')]);
      const refDs = { type: 'responses', model: model.name, input_messages: { type: 'item_reference', item_reference: 'item.messages' }, source: { type: 'file_id', id: fileId } };
      const ref = await runToEnd(client, refEval, { data_source: asDataSource(refDs) });
      assert.deepEqual(ref.run.data_source, refDs);
      assert.deepEqual(ref.run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      const refItems = await allItems(client, refEval, ref.run.id);
      expectEveryRowOnce(refItems, ROWS);
      for (const r of fake.stats.recorded) assert.deepEqual(r.body['input'], [{ role: 'user', content: `row ${rowOfBody(r.body)} via reference` }]);
      expectUsageEqualsUpstream(ref.run, refItems, fake, model);
    });

    // -------------------------------------------------------------------------------------------
    // Limits

    it('max_concurrency holds across two concurrent runs of one model; usage of both equals the upstream\'s', async () => {
      const { client, fake } = server;
      fake.setBehavior({ latencyMs: 20, cachedFraction: 0.5 });
      const model = MODELS.narrow;
      const ROWS = 40;
      const { evalId } = await createEval(client, 'narrow', [replyCriterion]);
      const [a, b] = await Promise.all([runToEnd(client, evalId, goRun(model, goRows(ROWS))), runToEnd(client, evalId, goRun(model, goRows(ROWS)))]);
      for (const { run } of [a, b]) {
        assert.equal(run.status, 'completed');
        assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      }
      assert.equal(expectConcurrencyWithin(fake, model), model.maxConcurrency, `${model.upstream} should be driven at exactly max_concurrency`);
      const upstream = upstreamUsage(fake, model.upstream);
      assert.equal(upstream.invocation_count, 2 * ROWS);
      const sum = (k: keyof typeof upstream) => (a.run.per_model_usage?.[0]?.[k] ?? 0) + (b.run.per_model_usage?.[0]?.[k] ?? 0);
      for (const k of Object.keys(upstream) as Array<keyof typeof upstream>) assert.equal(sum(k), upstream[k], `per_model_usage.${k} of both runs`);
      for (const { run } of [a, b]) assert.equal(run.per_model_usage?.[0]?.model_name, model.name);
    });

    // -------------------------------------------------------------------------------------------
    // Robust calls

    it('429: retry-after-ms is honoured before retry-after; retry-after (seconds) alone is waited out', async () => {
      const { client, fake } = server;
      const model = MODELS.faults;
      const { evalId } = await createEval(client, '429s', [replyCriterion]);

      // retry-after-ms 20 beside retry-after 30 s: the 20 ms wins.
      fake.setBehavior({ retryAfterMs: 20, retryAfterSeconds: 30, outcome: perRowFaults((row) => ({ faults: row % 2 === 0 ? ['429', '429'] : ['429'] })) });
      const ROWS = 12;
      const fast = await runToEnd(client, evalId, goRun(model, goRows(ROWS)));
      assert.equal(fast.run.status, 'completed');
      assert.deepEqual(fast.run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      assert.ok(fast.ms < 15_000, `run took ${fast.ms} ms: retry-after-ms (20 ms) must win over retry-after (30 s)`);
      assert.deepEqual({ ...fake.stats.byOutcome }, { '429': ROWS * 1.5, ok: ROWS });
      const fastItems = await allItems(client, evalId, fast.run.id);
      expectEveryRowOnce(fastItems, ROWS);
      for (const [row, times] of arrivalsByRow(fake, model.upstream)) {
        assert.equal(times.length, row % 2 === 0 ? 3 : 2, `row ${row} attempts`);
        for (let k = 1; k < times.length; k++) assert.ok(times[k]! - times[k - 1]! >= 15, `row ${row} retried after ${times[k]! - times[k - 1]!} ms`);
      }
      expectUsageEqualsUpstream(fast.run, fastItems, fake, model);

      // Only retry-after: 1 (second): each retry waits at least a second.
      fake.reset();
      fake.setBehavior({ retryAfterMs: null, retryAfterSeconds: 1, outcome: perRowFaults(() => ({ faults: ['429'] })) });
      const SLOW = 4;
      const slow = await runToEnd(client, evalId, goRun(model, goRows(SLOW)));
      assert.deepEqual(slow.run.result_counts, { total: SLOW, errored: 0, failed: 0, passed: SLOW });
      for (const [row, times] of arrivalsByRow(fake, model.upstream)) {
        assert.equal(times.length, 2, `row ${row} attempts`);
        assert.ok(times[1]! - times[0]! >= 990, `row ${row} retried after ${times[1]! - times[0]!} ms, retry-after asked for 1 s`);
      }
      expectUsageEqualsUpstream(slow.run, await allItems(client, evalId, slow.run.id), fake, model);
      expectConcurrencyWithin(fake, model);
    });

    it('faults that eventually succeed (429, 500, 502, 503, 408, 409, connection resets before and mid body, malformed JSON): no row lost, exact counts and usage', async () => {
      const { client, fake } = server;
      const model = MODELS.faults;
      const ROWS = 120;
      const kinds: FakeOutcome[] = ['429', '500', { status: 502 }, { status: 503 }, { status: 408 }, { status: 409 }, 'reset', 'reset_mid_body', 'malformed'];
      const plan = Array.from({ length: ROWS }, (_, row) => Array.from({ length: (row * 7) % 4 }, (_, k) => kinds[(row + k * 3) % kinds.length]!));
      fake.setBehavior({ retryAfterMs: 20, latencyMs: 2, cachedFraction: 0.5, outcome: perRowFaults((row) => ({ faults: plan[row] ?? [] })) });
      const { evalId, criterionIds } = await createEval(client, 'eventual success', [replyCriterion]);
      const { run } = await runToEnd(client, evalId, goRun(model, goRows(ROWS)));
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
      assert.deepEqual(run.per_testing_criteria_results, [{ testing_criteria: criterionIds[0], passed: ROWS, failed: 0 }]);
      assert.deepEqual({ ...fake.stats.byOutcome }, { ...countOutcomes(plan), ok: ROWS }, 'every planned fault happened once and each row then succeeded');
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      for (const item of items) {
        assert.equal(errorOf(item), null);
        assert.deepEqual(item.sample.output, [{ role: 'assistant', content: goReply(item.datasource_item_id) }]);
      }
      const arrivals = arrivalsByRow(fake, model.upstream);
      for (let row = 0; row < ROWS; row++) assert.equal(arrivals.get(row)?.length, plan[row]!.length + 1, `row ${row}: one attempt per planned fault, then success`);
      expectUsageEqualsUpstream(run, items, fake, model);
      expectConcurrencyWithin(fake, model);
    });

    it('malformed JSON (a cut body, or not JSON at all) is retried: every row passes, usage still equals the upstream', async () => {
      const { client, fake } = server;
      const model = MODELS.faults;
      const { evalId } = await createEval(client, 'malformed', [replyCriterion]);
      for (const malformedKind of ['truncated', 'not_json'] as const) {
        fake.reset();
        fake.setBehavior({ malformedKind, outcome: perRowFaults((row) => ({ faults: row === 1 ? ['malformed', 'malformed'] : [] })) });
        const { run } = await runToEnd(client, evalId, goRun(model, goRows(4)));
        assert.equal(run.status, 'completed');
        assert.deepEqual(run.result_counts, { total: 4, errored: 0, failed: 0, passed: 4 }, malformedKind);
        const items = await allItems(client, evalId, run.id);
        expectEveryRowOnce(items, 4);
        for (const item of items) assert.equal(errorOf(item), null, malformedKind);
        assert.deepEqual({ ...fake.stats.byOutcome }, { malformed: 2, ok: 4 }, `${malformedKind}: retried until it parsed`);
        expectUsageEqualsUpstream(run, items, fake, model);
      }
    });

    it('faults that never succeed: rows errored with a clear sample.error after the right number of attempts, the run still completed', async () => {
      const { client, fake } = server;
      const model = MODELS.doomed;
      const badRequest = { status: 400, body: { error: { message: 'Invalid value for temperature (fake).', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } };
      const cases: Array<{ fault: FakeOutcome; attempts: number; code: string; message: RegExp }> = [
        { fault: '429', attempts: 5, code: 'rate_limit_exceeded', message: /^upstream answered 429 Rate limit reached.*\(gave up after 5 attempts\)$/ },
        { fault: '500', attempts: 5, code: 'server_error', message: /^upstream answered 500 .*\(gave up after 5 attempts\)$/ },
        { fault: 'reset', attempts: 5, code: 'connection_error', message: /\(gave up after 5 attempts\)$/ },
        { fault: 'reset_mid_body', attempts: 5, code: 'connection_error', message: /\(gave up after 5 attempts\)$/ },
        { fault: badRequest, attempts: 1, code: 'invalid_value', message: /^upstream answered 400 Invalid value for temperature \(fake\)\.$/ },
        { fault: { status: 401 }, attempts: 1, code: 'authentication_error', message: /^upstream answered 401 / },
        { fault: { status: 429, headers: { 'retry-after': '120' } }, attempts: 1, code: 'rate_limit_exceeded', message: /upstream asked to retry after 120 s/ },
        { fault: 'malformed', attempts: 5, code: 'invalid_response', message: /^upstream sent malformed JSON: .*\(gave up after 5 attempts\)$/ },
      ];
      const ROWS = cases.length + 2; // two rows that succeed
      fake.setBehavior({ retryAfterMs: 20, outcome: perRowFaults((row) => ({ faults: cases[row] ? [cases[row].fault] : [], forever: true })) });
      const { evalId } = await createEval(client, 'never succeeds', [replyCriterion]);
      const { run } = await runToEnd(client, evalId, goRun(model, goRows(ROWS)));
      expectRunSchema(run);
      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      assert.deepEqual(run.result_counts, { total: ROWS, errored: cases.length, failed: 0, passed: 2 });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      const arrivals = arrivalsByRow(fake, model.upstream);
      cases.forEach((c, row) => {
        const item = items[row]!;
        const error = errorOf(item);
        const what = `row ${row} (${outcomeName(c.fault)})`;
        assert.equal(item.status, 'fail', what);
        assert.equal(error?.code, c.code, `${what}: ${JSON.stringify(error)}`);
        assert.match(error?.message ?? '', c.message, what);
        assert.equal(arrivals.get(row)?.length, c.attempts, `${what}: attempts`);
        assert.deepEqual(item.results, [], `${what}: nothing to grade`);
        assert.deepEqual(item.sample.output, [], what);
        assert.equal(item.sample.finish_reason, '', what);
        assert.equal(item.sample.model, model.name, what);
        assert.deepEqual(item.sample.input, [{ role: 'user', content: `row ${row} go` }], what);
        assert.deepEqual(item.sample.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 }, what);
      });
      for (const row of [cases.length, cases.length + 1]) assert.equal(items[row]!.status, 'pass');
      expectUsageEqualsUpstream(run, items, fake, model);
      expectConcurrencyWithin(fake, model);
    });

    it('timeouts: a hung attempt is abandoned after the per-attempt timeout and retried; an upstream that never answers errors the row', async () => {
      const { client, fake } = server;
      const model = MODELS.timeout;
      fake.setBehavior({ outcome: perRowFaults((row) => (row === 0 ? { faults: ['timeout'] } : row === 1 ? { faults: ['timeout'], forever: true } : { faults: [] })) });
      const { evalId } = await createEval(client, 'timeouts', [replyCriterion]);
      const created = await client.evals.runs.create(evalId, goRun(model, goRows(3)));
      trackRun(client, evalId, created.id);
      // Row 0's first attempt hangs: within a few timeouts it must have been given up and retried.
      const deadline = Date.now() + 4 * MODEL_TIMEOUT_MS + 1000;
      while (Date.now() < deadline && (arrivalsByRow(fake, model.upstream).get(0)?.length ?? 0) < 2) await sleep(50);
      const attempts = arrivalsByRow(fake, model.upstream).get(0)?.length ?? 0;
      assert.ok(
        attempts >= 2,
        `row 0's hung upstream call was not given up within ${4 * MODEL_TIMEOUT_MS + 1000} ms (${attempts} attempt): ` +
          'the per-attempt model timeout is fixed at ModelClients\' 120 s default and nothing in PROCTOR_CONFIG or the environment sets it ' +
          '(start-proctor.ts constructs ModelClients without timeoutMs; PROCTOR_MODEL_TIMEOUT_MS is ignored)',
      );
      const run = await waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evalId }), 30_000);
      expectRunSchema(run);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: 3, errored: 1, failed: 0, passed: 2 });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, 3);
      assert.equal(errorOf(items[1]!)?.code, 'timeout');
      assert.match(errorOf(items[1]!)?.message ?? '', /did not answer within .*gave up after 5 attempts/);
      assert.equal(fake.stats.byOutcome['timeout'], 6);
      expectUsageEqualsUpstream(run, items, fake, model);
    });

    it('unknown model or provider without a key: a 400 naming data_source.model at creation, no run, no upstream call', async () => {
      const { client, fake } = server;
      const { evalId } = await createEval(client, 'unresolvable', [replyCriterion]);
      const cases = [
        { model: NO_KEY_MODEL, type: 'completions' as const, code: 'missing_api_key', message: new RegExp(`provider 'nokey' has no API key: set ${UNSET_KEY_ENV}`) },
        { model: 'no-such-model', type: 'responses' as const, code: 'model_not_found', message: /unknown model 'no-such-model': it is not a PROCTOR_CONFIG models entry/ },
        { model: 'nosuch/fake-model', type: 'completions' as const, code: 'model_not_found', message: /unknown model 'nosuch\/fake-model'.*configured provider \(fake, nokey\)/ },
      ];
      for (const c of cases) {
        const error = await client.evals.runs.create(evalId, goRun(c.model, goRows(3), c.type)).then(
          () => assert.fail(`${c.model}: the run was created`),
          (e: unknown) => e,
        );
        assert.ok(error instanceof BadRequestError, `${c.model}: ${String(error)}`);
        assert.equal(error.status, 400);
        assert.equal(error.param, 'data_source.model', c.model);
        assert.equal(error.code, c.code, c.model);
        assert.match(error.message, c.message, c.model);
      }
      assert.deepEqual((await client.evals.runs.list(evalId)).data, [], 'no run was created');
      assert.equal(fake.stats.byEndpoint['chat.completions'] ?? 0, 0);
      assert.equal(fake.stats.byEndpoint['responses'] ?? 0, 0);
    });

    it('a model the upstream does not serve (known only upstream): rows errored with its 404, run completed', async () => {
      const { client, fake } = server;
      const { evalId } = await createEval(client, 'unserved', [replyCriterion]);
      const ROWS = 3;
      const model = `fake/${UNSERVED_UPSTREAM}`;
      const { run } = await runToEnd(client, evalId, goRun(model, goRows(ROWS)));
      assert.equal(run.model, model);
      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      assert.deepEqual(run.result_counts, { total: ROWS, errored: ROWS, failed: 0, passed: 0 });
      assert.equal(run.per_model_usage, null);
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, ROWS);
      for (const item of items) {
        const error = errorOf(item);
        assert.equal(error?.code, 'model_not_found', JSON.stringify(error));
        assert.match(error?.message ?? '', new RegExp(`^upstream answered 404 The model .${UNSERVED_UPSTREAM}. does not exist`));
        assert.equal(item.sample.model, model);
        assert.deepEqual(item.sample.input, [{ role: 'user', content: `row ${item.datasource_item_id} go` }]);
        assert.deepEqual(item.sample.output, []);
      }
      assert.equal(fake.stats.byEndpoint['chat.completions'] ?? 0, ROWS, 'once per row (404 is not retried)');
      assert.equal(fake.stats.byOutcome['404'], ROWS);
    });

    // -------------------------------------------------------------------------------------------
    // Cancel

    it('cancel mid-run (2,000 rows, 200 ms upstream latency): upstream traffic stops within ~1 s, in-flight calls are aborted, the run stays canceled', async () => {
      const { client, fake } = server;
      const model = MODELS.cancel;
      const ROWS = 2000;
      fake.setBehavior({ latencyMs: 200 });
      const { evalId } = await createEval(client, 'cancel', [replyCriterion]);
      const created = await client.evals.runs.create(evalId, goRun(model, goRows(ROWS)));
      trackRun(client, evalId, created.id);
      const started = Date.now();
      while ((fake.stats.byModel[model.upstream] ?? 0) < 2 * model.maxConcurrency) {
        assert.ok(Date.now() - started < 30_000, 'upstream traffic did not start');
        await sleep(20);
      }
      const canceled = await client.evals.runs.cancel(created.id, { eval_id: evalId });
      const cancelReturned = Date.now();
      expectRunSchema(canceled);
      assert.equal(canceled.status, 'canceled');

      await sleep(1000);
      const quietFrom = Date.now();
      await sleep(1000);
      assert.equal(fake.requestsSince(quietFrom), 0, `upstream requests kept arriving more than 1 s after cancel returned (${fake.requestsSince(cancelReturned)} since cancel)`);
      assert.equal(fake.stats.inFlight, 0, 'no upstream call left in flight');
      assert.ok((fake.stats.byOutcome['client_closed'] ?? 0) > 0, 'in-flight calls were aborted, not waited for');
      expectConcurrencyWithin(fake, model);

      const run = await client.evals.runs.retrieve(created.id, { eval_id: evalId });
      expectRunSchema(run);
      assert.equal(run.status, 'canceled');
      assert.ok(run.result_counts.total < ROWS, `total ${run.result_counts.total} < ${ROWS}`);
      assert.equal(run.result_counts.errored, 0, 'calls cut short by cancel are not counted as errors');
      await sleep(500);
      const later = await client.evals.runs.retrieve(created.id, { eval_id: evalId });
      assert.equal(later.status, 'canceled');
      assert.deepEqual(later.result_counts, run.result_counts, 'nothing more is counted after cancel has settled');
      const items = await allItems(client, evalId, run.id);
      assert.equal(items.length, run.result_counts.total);
      assert.equal(new Set(items.map((i) => i.datasource_item_id)).size, items.length);
      // Usage: the run's per_model_usage is exactly its items' usage, and every counted call is one
      // the upstream answered. Answers still in transit when cancel aborted their calls (at most
      // one per call in flight) were billed upstream but cannot be counted; nothing else may be missing.
      expectUsageEqualsItems(later, items, model);
      const upstream = upstreamUsage(fake, model.upstream);
      const counted = later.per_model_usage?.[0]?.invocation_count ?? 0;
      assert.ok(counted <= upstream.invocation_count, `counted ${counted} calls, the upstream answered ${upstream.invocation_count}`);
      assert.ok(
        upstream.invocation_count - counted <= model.maxConcurrency,
        `${upstream.invocation_count - counted} answered calls missing from per_model_usage: more than the ${model.maxConcurrency} that can be in flight at cancel`,
      );
      assert.equal(await waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evalId })).then((r: Run) => r.status), 'canceled');
    });
  });
}
