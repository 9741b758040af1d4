import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import OpenAI, { toFile } from 'openai';
import { expectSchema } from '../compat/spec-schemas.ts';
import { FAKE_OPENAI_API_KEY } from '../support/fake-openai/fake-openai.ts';
import { testDatabases } from '../support/test-databases.ts';
import { allItems, asDataSource, cancelLeftoverRuns, createEval, expectEveryRowOnce, MODELS, rowOfBody, rowOfRequest, runToEnd, stringCheck, useModelRunsServer, type Item } from './model-runs-fixtures.ts';

/**
 * Workflows that users of the hosted Evals API bring, each of which failed on Proctor before
 * (issue 8 §2, items 1–5), through the official `openai` SDK against a running Proctor:
 * 1. jsonl rows whose `sample` holds only `output_text`, on an eval with `include_sample_schema`;
 * 2. jsonl rows whose `sample` is a whole Chat Completion or Responses object, as the SDK returns it;
 * 3. tool calls of a sampled answer kept on the output message and in `output_tools`;
 * 4. every string field of every content part templated (`input_audio.data` among them);
 * 5. a pydantic `model_json_schema()` item schema (`$defs` + `$ref`), and other local references.
 * On both databases; every body checked against the spec's schemas.
 */

type Row = { item: Record<string, unknown>; sample?: Record<string, unknown> };

async function uploadRows(client: OpenAI, rows: readonly Row[]): Promise<string> {
  const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const file = await client.files.create({ file: await toFile(Buffer.from(text), 'rows.jsonl'), purpose: 'evals' });
  return file.id;
}

/** A create that must fail: its status, and the OpenAI error body's param and message. */
async function refused(promise: Promise<unknown>): Promise<{ status: number; param: string | null; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) {
      const body = error.error as { param?: string | null; message?: string } | undefined;
      return { status: error.status ?? 0, param: body?.param ?? null, message: body?.message ?? '' };
    }
    throw error;
  }
  assert.fail('expected the request to be refused');
}

const passedAll = (items: readonly Item[]) => items.every((it) => it.status === 'pass' && it.results.every((r) => r.passed && r['invalid_variable_error'] !== true));

for (const db of testDatabases()) {
  describe(`workflows migrating users bring (${db.name})`, () => {
    const server = useModelRunsServer(db);
    beforeEach(() => server.fake.reset());
    afterEach(() => cancelLeftoverRuns(server.fake));

    it('1. jsonl rows with a sample of only output_text run on an eval with include_sample_schema: true; samples are checked for types', async () => {
      const { client } = server;
      const { evalId } = await createEval(client, 'output_text only', [stringCheck('answer', '{{sample.output_text}}', '{{item.expect}}'), stringCheck('json', '{{sample.output_json.n}}', '{{item.n}}')], true);
      const rows: Row[] = Array.from({ length: 4 }, (_, n) => ({ item: { n, expect: `{"n": ${n}}` }, sample: { output_text: `{"n": ${n}}` } }));
      const { run } = await runToEnd(client, evalId, { data_source: asDataSource({ type: 'jsonl', source: { type: 'file_content', content: rows } }) });
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: 4, errored: 0, failed: 0, passed: 4 });
      const items = await allItems(client, evalId, run.id);
      expectEveryRowOnce(items, 4);
      assert.ok(passedAll(items));
      for (const item of items) {
        assert.deepEqual(item.sample.output, [{ role: 'assistant', content: `{"n": ${item.datasource_item_id}}` }]);
        assert.equal(item.sample.model, '');
        assert.equal(item.sample.finish_reason, 'stop');
      }

      // A file of such rows is fine too; a row with no sample at all still runs (its sample is simply absent).
      const fileId = await uploadRows(client, [...rows, { item: { n: 9, expect: 'x' } }]);
      const fromFile = await runToEnd(client, evalId, { data_source: asDataSource({ type: 'jsonl', source: { type: 'file_id', id: fileId } }) });
      assert.deepEqual(fromFile.run.result_counts, { total: 5, errored: 0, failed: 1, passed: 4 });

      // Types are still checked, and the item still against item_schema.
      const jsonl = (content: Row[]) => client.evals.runs.create(evalId, { data_source: asDataSource({ type: 'jsonl', source: { type: 'file_content', content } }) });
      for (const [sample, field] of [[{ output_text: 5 }, 'output_text'], [{ model: ['m'] }, 'model'], [{ choices: 'none' }, 'choices'], [{ output_tools: {} }, 'output_tools']] as const) {
        const bad = await refused(jsonl([{ item: { n: 1 }, sample: sample }]));
        assert.equal(bad.status, 400);
        assert.equal(bad.param, `data_source.source.content[0].sample.${field}`, JSON.stringify(sample));
      }
      const badItem = await refused(jsonl([rows[0]!, { item: { n: 'one' }, sample: { output_text: 'x' } }]));
      assert.deepEqual([badItem.status, badItem.param], [400, 'data_source.source.content[1].item.n']);
    });

    it('2. jsonl rows whose sample is a whole Chat Completion or Responses object (as the SDK returns them) are graded like sampled ones', async () => {
      const { client, fake } = server;
      // The user's own calls, made with the SDK straight to the provider, then saved as eval rows.
      const upstream = new OpenAI({ baseURL: fake.url, apiKey: FAKE_OPENAI_API_KEY, maxRetries: 0 });
      fake.setBehavior({
        reply: (req) => {
          const n = rowOfRequest(req) ?? -1;
          return n % 2 === 0 ? { content: { answer: `row ${n}` } } : { tool_calls: [{ name: 'lookup', arguments: { q: `row ${n}` }, id: `call_${n}` }] };
        },
      });
      const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
      const rows: Row[] = [];
      for (let n = 0; n < 4; n++) {
        const completion = await upstream.chat.completions.create({ model: MODELS.chat.upstream, messages: [{ role: 'user', content: `row ${n}` }], tools });
        rows.push({ item: { n }, sample: JSON.parse(JSON.stringify(completion)) as Record<string, unknown> });
      }
      for (let n = 4; n < 8; n++) {
        const response = await upstream.responses.create({ model: MODELS.responses.upstream, input: `row ${n}`, tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }] });
        // The Python SDK's model_dump() has no output_text (a property there): the text comes from `output`.
        const dumped = JSON.parse(JSON.stringify(response)) as Record<string, unknown>;
        delete dumped['output_text'];
        rows.push({ item: { n }, sample: dumped });
      }
      const criteria = [
        // Text answers (even rows): output_text, output_json and choices; tool calls (odd rows): output_tools in either API's spelling.
        { type: 'string_check', name: 'text', input: '{{sample.output_text}}', reference: '{{item.text}}', operation: 'eq' },
        { type: 'string_check', name: 'json', input: '{{sample.output_json.answer}}', reference: '{{item.answer}}', operation: 'eq' },
        { type: 'string_check', name: 'choice', input: '{{sample.choices[0].message.content}}', reference: '{{item.text}}', operation: 'eq' },
        { type: 'string_check', name: 'chat-spelled tool', input: '{{sample.output_tools[0].function.arguments}}', reference: '{{item.args}}', operation: 'eq' },
        { type: 'string_check', name: 'responses-spelled tool', input: '{{sample.output_tools[0].name}}{{sample.output_tools[0].arguments}}', reference: '{{item.tool}}', operation: 'eq' },
      ];
      const created = await client.evals.create({
        name: 'whole answers',
        data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, include_sample_schema: true },
        testing_criteria: criteria as never,
      });
      // What graders must see, per row, for every criterion to pass.
      for (const row of rows) {
        const n = row.item['n'] as number;
        const text = n % 2 === 0 ? JSON.stringify({ answer: `row ${n}` }) : '';
        Object.assign(row.item, { text, answer: n % 2 === 0 ? `row ${n}` : '', args: n % 2 === 0 ? '' : JSON.stringify({ q: `row ${n}` }), tool: n % 2 === 0 ? '' : `lookup${JSON.stringify({ q: `row ${n}` })}` });
      }
      const fileId = await uploadRows(client, rows);
      const { run } = await runToEnd(client, created.id, { data_source: asDataSource({ type: 'jsonl', source: { type: 'file_id', id: fileId } }) });
      assert.equal(run.status, 'completed');
      const items = await allItems(client, created.id, run.id);
      expectEveryRowOnce(items, 8);
      // Even rows have no tool call, odd rows no text or JSON: those criteria resolve nothing there.
      for (const item of items) {
        const n = item.datasource_item_id;
        const byName = Object.fromEntries(item.results.map((r) => [String(r.name).replace(/-[0-9a-f-]{36}$/, ''), r]));
        // (A Chat Completion that only calls a tool has `content: null` in its own choices.)
        const expectResolved = n % 2 === 0 ? ['text', 'json', 'choice'] : ['text', 'chat-spelled tool', 'responses-spelled tool'];
        for (const name of expectResolved) {
          assert.equal(byName[name]?.passed, true, `row ${n}: ${name} ${JSON.stringify(byName[name])}`);
          assert.notEqual(byName[name]?.['invalid_variable_error'], true, `row ${n}: ${name} resolved`);
        }
        const sample = row(rows, n);
        assert.equal(item.sample.model, sample['model'], 'the model the answer names');
        assert.deepEqual(item.sample.usage, { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 });
        const out = item.sample.output[0] as { role: string; content: string; tool_calls?: Array<Record<string, any>> };
        assert.equal(out.role, 'assistant');
        assert.equal(out.content, n % 2 === 0 ? JSON.stringify({ answer: `row ${n}` }) : '');
        if (n % 2 === 1) assert.equal(out.tool_calls?.[0]?.['function']?.arguments, JSON.stringify({ q: `row ${n}` }));
        else assert.equal(out.tool_calls, undefined);
        assert.equal(item.sample.finish_reason, n < 4 ? (n % 2 === 0 ? 'stop' : 'tool_calls') : 'stop');
      }
    });

    it('3. tool calls of a sampled answer are kept: sample.output[0].tool_calls and sample.output_tools (completions and responses)', async () => {
      const { client, fake } = server;
      fake.setBehavior({ reply: (req) => ({ tool_calls: [{ name: 'lookup', arguments: { q: `row ${rowOfRequest(req)}` } }] }) });
      const rows: Row[] = Array.from({ length: 3 }, (_, n) => ({ item: { n } }));
      const template = [{ role: 'user', content: 'row {{item.n}} look it up' }];
      const criteria = [
        stringCheck('chat spelling', '{{sample.output_tools[0].function.arguments}}', '{"q":"row {{item.n}}"}'),
        stringCheck('responses spelling', '{{sample.output_tools[0].arguments}}', '{"q":"row {{item.n}}"}'),
        stringCheck('on the message', '{{sample.choices[0].message.tool_calls[0].function.name}}', 'lookup'),
      ];
      const chatTools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
      const responsesTools = [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }];
      for (const [type, model, tools] of [['completions', MODELS.chat, chatTools], ['responses', MODELS.responses, responsesTools]] as const) {
        const { evalId } = await createEval(client, `${type} tools`, criteria);
        const ds = { type, model: model.name, input_messages: { type: 'template', template }, sampling_params: { tools }, source: { type: 'file_content', content: rows } };
        const { run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
        assert.deepEqual(run.result_counts, { total: 3, errored: 0, failed: 0, passed: 3 }, type);
        const items = await allItems(client, evalId, run.id);
        for (const item of items) {
          const n = item.datasource_item_id;
          const output = item.sample.output as Array<{ role: string; content: string; tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }> }>;
          assert.equal(output.length, 1);
          assert.equal(output[0]!.role, 'assistant');
          assert.equal(output[0]!.content, '');
          const call = output[0]!.tool_calls?.[0];
          assert.ok(call, `${type}: the tool call is on the output message`);
          assert.equal(call.type, 'function');
          assert.equal(call.function.name, 'lookup');
          assert.equal(call.function.arguments, JSON.stringify({ q: `row ${n}` }));
          assert.match(call.id, /^call_/);
          assert.ok(passedAll([item]), `${type} row ${n}: ${JSON.stringify(item.results)}`);
        }
      }
    });

    it('3b. logged tool use (streamed and not) keeps its tool calls when graded as logged, and a logged conversation with tool turns can be re-sent', async () => {
      const { client, fake } = server;
      const useCase = `tools-${db.name}`;
      fake.setBehavior({ reply: (req) => ({ tool_calls: [{ name: 'lookup', arguments: { q: `row ${rowOfRequest(req)}` } }] }) });
      const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
      // A conversation that already used the tool once: an assistant turn with only a call, the tool's answer.
      const conversation = (n: number) => [
        { role: 'user' as const, content: `row ${n} look it up` },
        { role: 'assistant' as const, content: null, tool_calls: [{ id: `call_prev_${n}`, type: 'function' as const, function: { name: 'lookup', arguments: '{"q":"before"}' } }] },
        { role: 'tool' as const, tool_call_id: `call_prev_${n}`, content: 'nothing found' },
        { role: 'user' as const, content: `row ${n} try again` },
      ];
      for (let n = 0; n < 4; n++) {
        const params = { model: MODELS.chat.name, messages: conversation(n), tools, store: true, metadata: { use_case: useCase } };
        if (n % 2 === 0) {
          await client.chat.completions.create(params);
        } else {
          const stream = await client.chat.completions.create({ ...params, stream: true });
          for await (const chunk of stream) void chunk;
        }
      }
      const evaluation = await client.evals.create({
        name: 'logged tool use',
        data_source_config: { type: 'logs', metadata: { use_case: useCase } },
        testing_criteria: [{ type: 'string_check', name: 'tool', input: '{{ sample.output_tools[0].name }}', reference: 'lookup', operation: 'eq' }],
      });
      // Graded as logged: the call is on the output message and in output_tools, streamed or not.
      const logged = await runToEnd(client, evaluation.id, { data_source: asDataSource({ type: 'completions', source: { type: 'stored_completions' } }) });
      assert.deepEqual(logged.run.result_counts, { total: 4, errored: 0, failed: 0, passed: 4 });
      const loggedItems = await allItems(client, evaluation.id, logged.run.id);
      for (const item of loggedItems) {
        const n = Number(/row (\d+)/.exec(String((item.datasource_item['input'] as Array<{ content: string }>)[3]!.content))![1]);
        const out = item.sample.output[0] as { content: string; tool_calls?: Array<{ type: string; function: { name: string; arguments: string } }> };
        assert.equal(out.content, '');
        assert.deepEqual(out.tool_calls?.map((c) => [c.type, c.function.name, c.function.arguments]), [['function', 'lookup', JSON.stringify({ q: `row ${n}` })]], `row ${n}: ${JSON.stringify(item.sample.output)}`);
        assert.equal(item.sample.finish_reason, 'tool_calls');
      }

      // Re-sent to a model through item_reference: the tool turns go upstream as they were logged.
      fake.reset();
      fake.setBehavior({ reply: (req) => `ok ${rowOfRequest(req)}` });
      const resent = await runToEnd(client, evaluation.id, {
        data_source: asDataSource({ type: 'completions', model: MODELS.structured.name, input_messages: { type: 'item_reference', item_reference: 'item.input' }, source: { type: 'stored_completions' } }),
      });
      // The model answered with text this time, so the criterion fails; what matters is that no row errored.
      assert.deepEqual(resent.run.result_counts, { total: 4, errored: 0, failed: 4, passed: 0 }, 'no row refused for its tool turns');
      const sent = fake.stats.recorded.filter((r) => r.model === MODELS.structured.upstream);
      assert.equal(sent.length, 4);
      for (const r of sent) {
        const n = rowOfBody(r.body)!;
        assert.deepEqual(r.body['messages'], conversation(n));
      }
    });

    it('4. every string field of every content part is templated: input_audio data, image url and detail (completions and responses, and item_reference)', async () => {
      const { client, fake } = server;
      const rows: Row[] = Array.from({ length: 3 }, (_, n) => ({ item: { n, audio_base64: Buffer.from(`RIFF audio ${n}`).toString('base64'), image: `https://images.example/${n}.png`, detail: n % 2 === 0 ? 'low' : 'high' } }));
      const template = [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'row {{item.n}}: transcribe' },
            { type: 'input_audio', input_audio: { data: '{{ item.audio_base64 }}', format: 'wav' } },
            { type: 'input_image', image_url: '{{item.image}}', detail: '{{item.detail}}' },
          ],
        },
      ];
      for (const [type, model] of [['completions', MODELS.parts], ['responses', MODELS.responses]] as const) {
        fake.reset();
        const { evalId } = await createEval(client, `${type} audio`, [stringCheck('reply', '{{sample.output_text}}', 'reply: row {{item.n}}: transcribe')]);
        const ds = { type, model: model.name, input_messages: { type: 'template', template }, source: { type: 'file_content', content: rows } };
        const { run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
        assert.deepEqual(run.result_counts, { total: 3, errored: 0, failed: 0, passed: 3 }, type);
        const sent = fake.stats.recorded.filter((r) => r.model === model.upstream);
        assert.equal(sent.length, 3);
        for (const r of sent) {
          const n = rowOfBody(r.body)!;
          const row = rows[n]!.item;
          const content = (type === 'completions' ? r.body['messages'] : r.body['input'])[0].content as Array<Record<string, any>>;
          assert.deepEqual(content[1], { type: 'input_audio', input_audio: { data: row['audio_base64'], format: 'wav' } }, `${type}: audio data rendered`);
          if (type === 'completions') assert.deepEqual(content[2], { type: 'image_url', image_url: { url: row['image'], detail: row['detail'] } });
          else assert.deepEqual(content[2], { type: 'input_image', image_url: row['image'], detail: row['detail'] });
        }
      }

      // item_reference: audio and file parts a row's messages carry are sent as they are.
      fake.reset();
      const refRows: Row[] = [0, 1].map((n) => ({
        item: { n, messages: [{ role: 'user', content: [{ type: 'text', text: `row ${n} listen` }, { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'mp3' } }, { type: 'file', file: { file_id: 'file-abc', filename: 'notes.pdf' } }] }] },
      }));
      const { evalId } = await createEval(client, 'reference audio', [stringCheck('reply', '{{sample.output_text}}', 'reply: row {{item.n}} listen')]);
      const ds = { type: 'completions', model: MODELS.parts.name, input_messages: { type: 'item_reference', item_reference: 'item.messages' }, source: { type: 'file_content', content: refRows } };
      const { run } = await runToEnd(client, evalId, { data_source: asDataSource(ds) });
      assert.deepEqual(run.result_counts, { total: 2, errored: 0, failed: 0, passed: 2 });
      for (const r of fake.stats.recorded) {
        const n = rowOfBody(r.body)!;
        assert.deepEqual(r.body['messages'], [{ role: 'user', content: [{ type: 'text', text: `row ${n} listen` }, { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'mp3' } }, { type: 'file', file: { file_id: 'file-abc', filename: 'notes.pdf' } }] }]);
      }
    });

    it('5. a pydantic model_json_schema() item schema ($defs + $ref), a recursive one and draft-04 definitions: created, echoed resolvable, rows checked through the references', async () => {
      const { client } = server;
      const pydantic = {
        $defs: {
          Customer: { properties: { name: { title: 'Name', type: 'string' }, tier: { $ref: '#/$defs/Tier' } }, required: ['name'], title: 'Customer', type: 'object' },
          Tier: { enum: ['free', 'pro'], title: 'Tier', type: 'string' },
          Line: { properties: { sku: { title: 'Sku', type: 'string' }, qty: { title: 'Qty', type: 'integer' } }, required: ['sku', 'qty'], title: 'Line', type: 'object' },
        },
        properties: { n: { type: 'integer' }, customer: { $ref: '#/$defs/Customer' }, lines: { items: { $ref: '#/$defs/Line' }, title: 'Lines', type: 'array' } },
        required: ['n', 'customer', 'lines'],
        title: 'Order',
        type: 'object',
      };
      const tree = { type: 'object', properties: { n: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['n'] };
      const draft4 = { definitions: { count: { type: 'integer', minimum: 0 } }, type: 'object', properties: { n: { $ref: '#/definitions/count' } }, required: ['n'] };
      const cases = [
        { schema: pydantic, good: { n: 1, customer: { name: 'Ada', tier: 'pro' }, lines: [{ sku: 'a', qty: 2 }] }, bad: { n: 1, customer: { name: 'Ada', tier: 'gold' }, lines: [] }, badParam: 'item.customer.tier' },
        { schema: tree, good: { n: 1, children: [{ n: 2, children: [{ n: 3 }] }] }, bad: { n: 1, children: [{ children: [] }] }, badParam: 'item.children[0].n' },
        { schema: draft4, good: { n: 0 }, bad: { n: -1 }, badParam: 'item.n' },
      ];
      for (const [i, c] of cases.entries()) {
        for (const include_sample_schema of [true, false]) {
          const created = await client.evals.create({
            name: `refs ${i}`,
            data_source_config: { type: 'custom', item_schema: c.schema, include_sample_schema },
            testing_criteria: [{ type: 'string_check', name: 'n', input: '{{item.n}}', reference: '{{item.n}}', operation: 'eq' }],
          });
          expectSchema(created, 'Eval');
          // The echoed schema stands alone: any validator resolves its references.
          const echoed = created.data_source_config.schema as Record<string, unknown>;
          const validate = new Ajv({ strict: false }).compile(echoed);
          const row = include_sample_schema ? { item: c.good, sample: { model: 'm', choices: [] } } : { item: c.good };
          assert.equal(validate(row), true, JSON.stringify(validate.errors));
          assert.equal(validate({ ...row, item: c.bad }), false);
          assert.deepEqual((await client.evals.retrieve(created.id)).data_source_config, created.data_source_config);

          const { run } = await runToEnd(client, created.id, { data_source: asDataSource({ type: 'jsonl', source: { type: 'file_content', content: [{ item: c.good }] } }) });
          assert.deepEqual(run.result_counts, { total: 1, errored: 0, failed: 0, passed: 1 });
          const bad = await refused(client.evals.runs.create(created.id, { data_source: asDataSource({ type: 'jsonl', source: { type: 'file_content', content: [{ item: c.good }, { item: c.bad }] } }) }));
          assert.deepEqual([bad.status, bad.param], [400, `data_source.source.content[1].${c.badParam}`]);
        }
      }
    });
  });
}

function row(rows: readonly Row[], n: number): Record<string, unknown> {
  return rows.find((r) => r.item['n'] === n)!.sample!;
}
