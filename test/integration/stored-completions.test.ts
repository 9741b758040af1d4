import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BadRequestError, NotFoundError } from 'openai';
import type OpenAI from 'openai';
import { expectSchema } from '../compat/spec-schemas.ts';
import { testDatabases } from '../support/test-databases.ts';
import { allItems, asDataSource, cancelLeftoverRuns, MODELS, PROCTOR_KEY, runToEnd, useModelRunsServer } from './model-runs-fixtures.ts';

/**
 * The logging proxy (`POST /v1/chat/completions`, `store: true` with `metadata`) and what it feeds:
 * the stored-completions endpoints (list, retrieve, update, delete), evals with a `logs` or
 * `stored_completions` data source config, and runs whose source is `stored_completions` — graded
 * as logged, or re-sampled from `item.input` by another model. Through the official SDK, on both
 * databases, against the fake upstream.
 */

const CHAT = MODELS.chat;

async function logTraffic(client: OpenAI, useCase: string, count: number, extra: Record<string, string> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const completion = await client.chat.completions.create({
      model: CHAT.name,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `${useCase} question ${i}` }],
      store: true,
      metadata: { use_case: useCase, ...extra },
      temperature: 0.5,
    });
    ids.push(completion.id);
  }
  return ids;
}

for (const db of testDatabases()) {
  describe(`logging proxy and stored_completions runs (${db.name})`, () => {
    const server = useModelRunsServer(db);
    beforeEach(() => server.fake.reset());
    afterEach(() => cancelLeftoverRuns(server.fake));

    it('proxies a chat completion; store: true logs it with its metadata, which stays here (not forwarded)', async () => {
      const { client, fake } = server;
      const stored = await client.chat.completions.create({ model: CHAT.name, messages: [{ role: 'user', content: 'hello there' }], store: true, metadata: { team: 'a' } });
      assert.match(stored.id, /^chatcmpl-[0-9a-f]{32}$/);
      assert.equal(stored.choices[0]?.message.content, 'reply: hello there');
      assert.equal(stored.model, CHAT.upstream);
      assert.ok((stored.usage?.total_tokens ?? 0) > 0);
      const sent = fake.stats.recorded.at(-1)!;
      assert.equal(sent.model, CHAT.upstream);
      assert.equal(sent.body['store'], undefined, 'store is not forwarded');
      assert.equal(sent.body['metadata'], undefined, 'metadata is not forwarded');

      const plain = await client.chat.completions.create({ model: CHAT.name, messages: [{ role: 'user', content: 'not logged' }] });
      assert.equal(plain.choices[0]?.message.content, 'reply: not logged');

      const fetched = await client.chat.completions.retrieve(stored.id);
      assert.equal(fetched.id, stored.id);
      assert.deepEqual((fetched as unknown as { metadata: unknown }).metadata, { team: 'a' });
      assert.deepEqual(fetched.choices, stored.choices);
      await assert.rejects(client.chat.completions.retrieve(plain.id), NotFoundError, 'an unstored completion is not kept');

      const listed = await client.chat.completions.list({ metadata: { team: 'a' } });
      assert.deepEqual(listed.data.map((c) => c.id), [stored.id]);
      const updated = await client.chat.completions.update(stored.id, { metadata: { team: 'b' } });
      assert.deepEqual((updated as unknown as { metadata: unknown }).metadata, { team: 'b' });
      assert.deepEqual((await client.chat.completions.list({ metadata: { team: 'a' } })).data, []);
      assert.deepEqual(await client.chat.completions.delete(stored.id), { object: 'chat.completion.deleted', id: stored.id, deleted: true });
      await assert.rejects(client.chat.completions.retrieve(stored.id), NotFoundError);
    });

    it('stream: true answers as a stream the SDK reads, with a usage chunk when asked', async () => {
      const { client } = server;
      const stream = await client.chat.completions.create({ model: CHAT.name, messages: [{ role: 'user', content: 'stream me' }], stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      let finish: string | null = null;
      for await (const chunk of stream) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, 'reply: stream me');
      assert.equal(finish, 'stop');
      assert.ok((usage?.total_tokens ?? 0) > 0);
    });

    it('stream: true passes the provider’s chunks on as they come; with store: true they carry the stored id and the assembled answer is logged', async () => {
      const { client } = server;
      const stream = await client.chat.completions.create({ model: CHAT.name, messages: [{ role: 'user', content: 'one two three four' }], stream: true, store: true, metadata: { streamed: db.name } });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      assert.ok(chunks.length >= 6, `${chunks.length} chunks: role, a chunk per word, finish`);
      const ids = new Set(chunks.map((c) => c.id));
      assert.equal(ids.size, 1);
      const id = [...ids][0]!;
      assert.match(id, /^chatcmpl-[0-9a-f]{32}$/);
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'reply: one two three four');
      assert.ok(chunks.every((c) => c.usage === undefined && c.choices.length === 1), 'no usage chunk: the caller did not ask for one');
      const stored = await client.chat.completions.retrieve(id);
      assert.equal(stored.choices[0]?.message.content, 'reply: one two three four');
      assert.equal(stored.choices[0]?.finish_reason, 'stop');
      assert.ok((stored.usage?.total_tokens ?? 0) > 0, 'usage was asked of the provider for the log');
      assert.deepEqual((stored as unknown as { metadata: unknown }).metadata, { streamed: db.name });
      const unknown = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }], stream: true }).then(() => null, (e: unknown) => e);
      assert.ok(unknown instanceof NotFoundError, 'a failure before the first chunk is an ordinary error response');
    });

    it('streams a caller abandons free their slot: max_concurrency 3 serves 8 broken-off streams, then a call', async () => {
      const { client } = server;
      const narrow = MODELS.narrow;
      const walkAway = async () => {
        for (let i = 0; i < 8; i++) {
          const stream = await client.chat.completions.create({ model: narrow.name, messages: [{ role: 'user', content: `a long answer ${i}` }], stream: true });
          for await (const chunk of stream) {
            assert.equal(chunk.object, 'chat.completion.chunk');
            break; // the caller walks away after the first chunk
          }
        }
        return client.chat.completions.create({ model: narrow.name, messages: [{ role: 'user', content: 'still served' }] });
      };
      // A leaked slot makes a later call wait forever: give up after 15 s and say so.
      const after = await Promise.race([walkAway(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000).unref())]);
      assert.ok(after !== null, 'a slot leaked: a call waited for a free slot');
      assert.equal(after.choices[0]?.message.content, 'reply: still served');
    });

    it('errors keep OpenAI’s shape: a bad body is 400, an unknown model 404, the provider’s 400 passes through', async () => {
      const { client, fake } = server;
      const noMessages = await client.chat.completions.create({ model: CHAT.name, messages: [] }).then(() => null, (e: unknown) => e);
      assert.ok(noMessages instanceof BadRequestError);
      assert.equal(noMessages.param, 'messages');
      const unknown = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).then(() => null, (e: unknown) => e);
      assert.ok(unknown instanceof NotFoundError);
      assert.equal(unknown.code, 'model_not_found');
      fake.setBehavior({ script: [{ status: 400, body: { error: { message: 'temperature is out of range (fake)', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } }] });
      const refused = await client.chat.completions.create({ model: CHAT.name, messages: [{ role: 'user', content: 'x' }], temperature: 9 }).then(() => null, (e: unknown) => e);
      assert.ok(refused instanceof BadRequestError);
      assert.equal(refused.code, 'invalid_value');
      assert.match(refused.message, /temperature is out of range \(fake\)/);
    });

    it('an eval on logs grades the logged answers (filters: the eval’s and the run’s metadata, model, time, limit)', async () => {
      const { client, fake } = server;
      const useCase = `support-${db.name}`;
      const ids = await logTraffic(client, useCase, 5);
      await logTraffic(client, `other-${db.name}`, 2);
      await logTraffic(client, useCase, 2, { tier: 'gold' });
      const evaluation = await client.evals.create({
        name: 'logged support answers',
        data_source_config: { type: 'logs', metadata: { use_case: useCase } },
        testing_criteria: [{ type: 'string_check', name: 'echoes', input: '{{ sample.output_text }}', reference: 'reply: ', operation: 'like' }],
      });
      expectSchema(evaluation, 'Eval');
      const callsBefore = fake.stats.requests;

      const all = await runToEnd(client, evaluation.id, { name: 'as logged', data_source: asDataSource({ type: 'completions', source: { type: 'stored_completions' } }) });
      assert.equal(all.run.status, 'completed');
      assert.deepEqual(all.run.result_counts, { total: 7, errored: 0, failed: 0, passed: 7 }, "the eval's metadata filter selects 7 logs");
      assert.equal(all.run.per_model_usage, null, 'grading logged answers calls no model');
      assert.equal(fake.stats.requests, callsBefore);
      const items = await allItems(client, evaluation.id, all.run.id);
      assert.deepEqual(items.slice(0, 5).map((i) => i.datasource_item['completion_id']), ids, 'oldest first');
      const first = items[0]!;
      assert.deepEqual(first.datasource_item['input'], [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `${useCase} question 0` }]);
      assert.deepEqual(first.sample.output, [{ role: 'assistant', content: `reply: ${useCase} question 0` }]);
      assert.equal(first.sample.model, CHAT.upstream);
      assert.equal(first.sample.temperature, 0.5);

      const gold = await runToEnd(client, evaluation.id, { data_source: asDataSource({ type: 'completions', source: { type: 'stored_completions', metadata: { tier: 'gold' } } }) });
      assert.equal(gold.run.result_counts.total, 2, "the run's metadata narrows the eval's");
      const limited = await runToEnd(client, evaluation.id, { data_source: asDataSource({ type: 'completions', source: { type: 'stored_completions', limit: 3, model: CHAT.name } }) });
      assert.equal(limited.run.result_counts.total, 3);
      const future = Math.floor(Date.now() / 1000) + 3600;
      const none = await runToEnd(client, evaluation.id, { data_source: asDataSource({ type: 'completions', source: { type: 'stored_completions', created_after: future } }) });
      assert.equal(none.run.status, 'completed');
      assert.equal(none.run.result_counts.total, 0);
      const untilNow = await runToEnd(client, evaluation.id, { data_source: asDataSource({ type: 'completions', source: { type: 'stored_completions', created_before: future, model: 'some-other-model' } }) });
      assert.equal(untilNow.run.result_counts.total, 0, 'the model filter applies');
    });

    it('a stored_completions run with a model re-samples item.input and grades the new answers', async () => {
      const { client, fake } = server;
      const useCase = `resample-${db.name}`;
      await logTraffic(client, useCase, 4);
      const evaluation = await client.evals.create({
        name: 'resampled',
        data_source_config: { type: 'stored_completions', metadata: { use_case: useCase } },
        testing_criteria: [{ type: 'string_check', name: 'same answer', input: '{{ sample.output_text }}', reference: 'reply: {{ item.input[1].content }}', operation: 'eq' }],
      });
      fake.reset();
      const { run } = await runToEnd(client, evaluation.id, {
        data_source: asDataSource({ type: 'completions', model: MODELS.structured.name, input_messages: { type: 'item_reference', item_reference: 'item.input' }, source: { type: 'stored_completions' } }),
      });
      assert.deepEqual(run.result_counts, { total: 4, errored: 0, failed: 0, passed: 4 });
      assert.equal(fake.stats.usageByModel[MODELS.structured.upstream]?.invocation_count, 4);
      assert.equal(run.per_model_usage?.[0]?.model_name, MODELS.structured.name);
      const items = await allItems(client, evaluation.id, run.id);
      for (const item of items) assert.equal(item.sample.model, MODELS.structured.upstream);
    });

    it('bad input on the proxy and the stored-completions endpoints: OpenAI (or Azure) error bodies, never a 5xx', async () => {
      const { proctor, fake } = server;
      const send = async (method: string, path: string, body?: string) => {
        const res = await fetch(`${proctor.url}${path}`, { method, headers: { authorization: `Bearer ${PROCTOR_KEY}`, 'api-key': PROCTOR_KEY, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) });
        return { status: res.status, body: (await res.json()) as { error: Record<string, unknown> } };
      };
      const cases: Array<[method: string, path: string, body: string | undefined, status: number, param: string | null]> = [
        ['POST', '/v1/chat/completions', '{"model":', 400, null],
        ['POST', '/v1/chat/completions', '[]', 400, null],
        ['POST', '/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }), 400, 'model'],
        ['POST', '/v1/chat/completions', JSON.stringify({ model: CHAT.name, messages: 'hi' }), 400, 'messages'],
        ['POST', '/v1/chat/completions', JSON.stringify({ model: CHAT.name, messages: [{ content: 'no role' }] }), 400, 'messages[0].role'],
        ['POST', '/v1/chat/completions', JSON.stringify({ model: CHAT.name, messages: [{ role: 'user', content: 'x' }], store: 'yes' }), 400, 'store'],
        ['POST', '/v1/chat/completions', JSON.stringify({ model: CHAT.name, messages: [{ role: 'user', content: 'x' }], store: true, metadata: { k: 'v'.repeat(513) } }), 400, 'metadata.k'],
        ['GET', '/v1/chat/completions?limit=0', undefined, 400, 'limit'],
        ['GET', '/v1/chat/completions?order=sideways', undefined, 400, 'order'],
        ['GET', '/v1/chat/completions?after=chatcmpl-nope', undefined, 400, 'after'],
        ['GET', `/v1/chat/completions?metadata[${'k'.repeat(65)}]=v`, undefined, 400, null],
        ['GET', '/v1/chat/completions/chatcmpl-0000', undefined, 404, 'completion_id'],
        ['POST', '/v1/chat/completions/chatcmpl-0000', JSON.stringify({ metadata: { a: 'b' } }), 404, 'completion_id'],
        ['POST', '/v1/chat/completions/chatcmpl-0000', JSON.stringify({ metadata: 'x' }), 400, 'metadata'],
        ['DELETE', '/v1/chat/completions/chatcmpl-0000', undefined, 404, 'completion_id'],
      ];
      const before = fake.stats.requests;
      for (const [method, path, body, status, param] of cases) {
        const res = await send(method, path, body);
        const what = `${method} ${path} ${body ?? ''}`;
        assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'param', 'type'], what);
        if (param !== null) assert.equal(res.body.error['param'], param, what);
      }
      assert.equal(fake.stats.requests, before, 'nothing invalid reached the provider');
      const azure = await send('POST', '/openai/v1/chat/completions', '{"model":');
      assert.equal(azure.status, 400);
      assert.equal(azure.body.error['type'], 'error', 'Azure paths answer in Azure\'s shape');
    });

    it('a responses log source is a clear 400', async () => {
      const { client } = server;
      const evaluation = await client.evals.create({ name: 'r', data_source_config: { type: 'logs' }, testing_criteria: [{ type: 'string_check', name: 's', input: 'a', reference: 'a', operation: 'eq' }] });
      const error = await client.evals.runs.create(evaluation.id, { data_source: asDataSource({ type: 'responses', source: { type: 'responses' } }) }).then(() => null, (e: unknown) => e);
      assert.ok(error instanceof BadRequestError);
      assert.equal(error.param, 'data_source.source.type');
      assert.match(error.message, /stored_completions/);
    });
  });
}
