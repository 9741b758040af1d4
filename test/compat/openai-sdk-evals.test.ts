import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { testDatabases } from '../support/test-databases.ts';
import {
  bodyOf, evalParams, expectPage, ITEM_SCHEMA, KEY_A, KEY_B, KEY_LIST, KEY_UNKNOWN, openaiClient, passSecond, raw, rejectsWith, useProctor,
} from './compat-fixtures.ts';
import { expectSchema } from './spec-schemas.ts';

const MISSING_EVAL = 'eval_00000000000000000000000000000000';

for (const db of testDatabases()) {
  describe(`openai SDK: evals (${db.name})`, () => {
    const server = useProctor(db);

    describe('create, retrieve, update, delete', () => {
      it('creates an eval with 201 and echoes it in the spec shape', async () => {
        const client = openaiClient(server.url);
        const { data: created, response } = await client.evals.create(evalParams('create test')).withResponse();
        assert.equal(response.status, 201);
        expectSchema(created, 'Eval');
        assert.equal(created.object, 'eval');
        assert.match(created.id, /^eval_[0-9a-f]{32}$/);
        assert.equal(created.name, 'create test');
        assert.deepEqual(created.metadata, { suite: 'compat' });
        assert.ok(Number.isInteger(created.created_at) && Math.abs(created.created_at - Date.now() / 1000) < 60);
        assert.equal(created.data_source_config.type, 'custom');
        const schema = created.data_source_config.schema as { properties: { item: unknown; sample?: unknown }; required: string[] };
        assert.deepEqual(schema.properties.item, ITEM_SCHEMA);
        assert.ok(schema.properties.sample !== undefined, 'include_sample_schema adds the sample namespace');
        assert.deepEqual(schema.required, ['item', 'sample']);
        assert.equal(created.testing_criteria.length, 1);
        const criterion = created.testing_criteria[0] as unknown as Record<string, unknown>;
        assert.equal(criterion['type'], 'string_check');
        assert.equal(criterion['name'], 'exact answer');
        assert.equal(criterion['operation'], 'eq');
        assert.equal(criterion['input'], '{{ sample.output_text }}');
        assert.match(String(criterion['id']), /^exact answer-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      });

      it('retrieves exactly what create returned', async () => {
        const client = openaiClient(server.url);
        const created = await client.evals.create(evalParams('retrieve test'));
        const got = await client.evals.retrieve(created.id);
        expectSchema(got, 'Eval');
        assert.deepEqual(got, created);
      });

      it('updates name and metadata and keeps the rest', async () => {
        const client = openaiClient(server.url);
        const created = await client.evals.create(evalParams('before update'));
        const updated = await client.evals.update(created.id, { name: 'after update', metadata: { stage: 'two' } });
        expectSchema(updated, 'Eval');
        assert.equal(updated.id, created.id);
        assert.equal(updated.name, 'after update');
        assert.deepEqual(updated.metadata, { stage: 'two' });
        assert.deepEqual(updated.testing_criteria, created.testing_criteria);
        assert.equal(updated.created_at, created.created_at);
        const renamedOnly = await client.evals.update(created.id, { name: 'renamed again' });
        assert.deepEqual(renamedOnly.metadata, { stage: 'two' }, 'an update without metadata keeps it');
        assert.deepEqual(await client.evals.retrieve(created.id), renamedOnly);
      });

      it('deletes an eval: eval.deleted, then 404 on retrieve, update and a second delete', async () => {
        const client = openaiClient(server.url);
        const created = await client.evals.create(evalParams('to delete'));
        const deleted = await client.evals.delete(created.id);
        expectSchema(deleted, 'DeleteEvalResponse');
        assert.deepEqual(deleted, { object: 'eval.deleted', deleted: true, eval_id: created.id });
        await rejectsWith(client.evals.retrieve(created.id), NotFoundError);
        await rejectsWith(client.evals.update(created.id, { name: 'x' }), NotFoundError);
        await rejectsWith(client.evals.delete(created.id), NotFoundError);
      });
    });

    describe('list: after, limit, order, order_by and auto-pagination', () => {
      // Project proj-list holds only these evals.
      const ids: string[] = [];
      let lastCreatedAt = 0;
      before(async () => {
        const client = openaiClient(server.url, KEY_LIST);
        for (let i = 0; i < 5; i++) {
          const created = await client.evals.create(evalParams(`list ${i}`));
          ids.push(created.id);
          lastCreatedAt = created.created_at;
        }
      });

      it('pages forward with limit and after (exclusive), first_id/last_id/has_more per page', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const first = await client.evals.list({ limit: 2 });
        expectSchema(bodyOf(first), 'EvalList');
        expectPage(first, ids.slice(0, 2), true);
        const second = await client.evals.list({ limit: 2, after: ids[1] as string });
        expectSchema(bodyOf(second), 'EvalList');
        expectPage(second, ids.slice(2, 4), true);
        const third = await client.evals.list({ limit: 2, after: ids[3] as string });
        expectPage(third, ids.slice(4), false);
        const all = await client.evals.list();
        expectPage(all, ids, false);
      });

      it('orders descending, with after exclusive in that order', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const desc = [...ids].reverse();
        const first = await client.evals.list({ order: 'desc', limit: 2 });
        expectSchema(bodyOf(first), 'EvalList');
        expectPage(first, desc.slice(0, 2), true);
        const next = await client.evals.list({ order: 'desc', limit: 2, after: desc[1] as string });
        expectPage(next, desc.slice(2, 4), true);
      });

      it('auto-paginates with the SDK iterator and getNextPage', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const seen: string[] = [];
        for await (const e of client.evals.list({ limit: 2 })) {
          expectSchema(e, 'Eval');
          seen.push(e.id);
        }
        assert.deepEqual(seen, ids);

        const pages: string[][] = [];
        for await (const page of (await client.evals.list({ limit: 2, order: 'desc' })).iterPages()) {
          expectSchema(bodyOf(page), 'EvalList');
          pages.push(page.data.map((e) => e.id));
        }
        const desc = [...ids].reverse();
        assert.deepEqual(pages, [desc.slice(0, 2), desc.slice(2, 4), desc.slice(4)]);
      });

      it('an empty page has null first_id/last_id and has_more false', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const empty = await client.evals.list({ after: ids[4] as string });
        expectSchema(bodyOf(empty), 'EvalList');
        expectPage(empty, [], false);
        assert.equal(empty.hasNextPage(), false);
      });

      it('order_by updated_at moves an updated eval to the end', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        await passSecond(lastCreatedAt);
        await client.evals.update(ids[1] as string, { name: 'touched' });
        const expected = [ids[0], ids[2], ids[3], ids[4], ids[1]] as string[];
        const byUpdated = await client.evals.list({ order_by: 'updated_at' });
        expectSchema(bodyOf(byUpdated), 'EvalList');
        expectPage(byUpdated, expected, false);
        expectPage(await client.evals.list({ order_by: 'updated_at', order: 'desc', limit: 1 }), [ids[1] as string], true);
        const paged = await client.evals.list({ order_by: 'updated_at', limit: 2, after: ids[4] as string });
        expectPage(paged, [ids[1] as string], false);
        expectPage(await client.evals.list({ order_by: 'created_at' }), ids, false);
      });

      it('rejects a limit outside 1..100 and an unknown order with BadRequestError naming the parameter', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        for (const limit of [0, 101]) {
          const error = await rejectsWith(client.evals.list({ limit }), BadRequestError);
          assert.equal(error.param, 'limit');
        }
        const error = await rejectsWith(client.evals.list({ order: 'sideways' as 'asc' }), BadRequestError);
        assert.equal(error.param, 'order');
      });
    });

    describe('errors', () => {
      it('NotFoundError for an unknown eval, with an OpenAI error body', async () => {
        const client = openaiClient(server.url);
        const error = await rejectsWith(client.evals.retrieve(MISSING_EVAL), NotFoundError);
        assert.equal(error.status, 404);
        assert.equal(error.type, 'invalid_request_error');
        const res = await raw(server.url, `/v1/evals/${MISSING_EVAL}`, { headers: { authorization: `Bearer ${KEY_A}` } });
        assert.equal(res.status, 404);
        expectSchema(res.body, 'ErrorResponse');
        assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'param', 'type']);
        assert.match(res.body.error.message, new RegExp(MISSING_EVAL));
      });

      it('BadRequestError for an invalid eval, naming the parameter', async () => {
        const client = openaiClient(server.url);
        const bad = evalParams();
        (bad.testing_criteria[0] as { operation: string }).operation = 'contains';
        const error = await rejectsWith(client.evals.create(bad), BadRequestError);
        assert.equal(error.status, 400);
        assert.equal(error.param, 'testing_criteria[0].operation');
        assert.equal(error.type, 'invalid_request_error');

        const withoutConfig: Record<string, unknown> = { ...evalParams() };
        delete withoutConfig['data_source_config'];
        const res = await raw(server.url, '/v1/evals', { method: 'POST', headers: { authorization: `Bearer ${KEY_A}` }, body: withoutConfig });
        assert.equal(res.status, 400);
        expectSchema(res.body, 'ErrorResponse');
        assert.equal(res.body.error.param, 'data_source_config');
        assert.equal(res.body.error.type, 'invalid_request_error');

        const notJson = await fetch(`${server.url}/v1/evals`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' }, body: '{"name":' });
        assert.equal(notJson.status, 400);
        expectSchema(await notJson.json(), 'ErrorResponse');
      });

      it('AuthenticationError for a wrong key and for no key', async () => {
        const error = await rejectsWith(openaiClient(server.url, KEY_UNKNOWN).evals.list(), AuthenticationError);
        assert.equal(error.status, 401);
        assert.equal(error.code, 'invalid_api_key');
        assert.doesNotMatch(error.message, new RegExp(KEY_UNKNOWN), 'the key is not echoed whole');

        const wrong = await raw(server.url, '/v1/evals', { headers: { authorization: `Bearer ${KEY_UNKNOWN}` } });
        assert.equal(wrong.status, 401);
        expectSchema(wrong.body, 'ErrorResponse');
        const none = await raw(server.url, '/v1/evals');
        assert.equal(none.status, 401);
        expectSchema(none.body, 'ErrorResponse');
        assert.equal(none.body.error.type, 'invalid_request_error');
      });

      it("another project's eval is a NotFoundError and absent from its list", async () => {
        const a = openaiClient(server.url, KEY_A);
        const b = openaiClient(server.url, KEY_B);
        const created = await a.evals.create(evalParams('project a only'));
        await rejectsWith(b.evals.retrieve(created.id), NotFoundError);
        await rejectsWith(b.evals.update(created.id, { name: 'stolen' }), NotFoundError);
        await rejectsWith(b.evals.delete(created.id), NotFoundError);
        await rejectsWith(b.evals.runs.list(created.id), NotFoundError);
        const listed: string[] = [];
        for await (const e of b.evals.list()) listed.push(e.id);
        assert.ok(!listed.includes(created.id));
        assert.equal((await a.evals.retrieve(created.id)).name, 'project a only', 'the owner still sees it unchanged');
      });

      it('an unknown URL is a NotFoundError in the OpenAI shape', async () => {
        const client = openaiClient(server.url);
        await rejectsWith(client.get('/no_such_resource'), NotFoundError);
        const res = await raw(server.url, '/v1/no_such_resource', { headers: { authorization: `Bearer ${KEY_A}` } });
        assert.equal(res.status, 404);
        expectSchema(res.body, 'ErrorResponse');
      });
    });
  });
}
