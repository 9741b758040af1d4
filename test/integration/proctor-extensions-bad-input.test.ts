import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, answerSchema, assertError, answerCriterion } from './api-client.ts';

/**
 * Garbage sent to Proctor's own extensions (`/v1/proctor/import/...`, `/v1/evals/{id}/compare`,
 * `/metrics`): every answer is a clear 4xx in the OpenAI error shape, never a 5xx, and nothing is
 * stored or changed by a refused request.
 */
const EVAL = 'eval_import_garbage_0001';
const RUN = 'evalrun_import_garbage_0001';
const goodEval = { name: 'imported', data_source_config: { type: 'custom', item_schema: answerSchema }, testing_criteria: [answerCriterion], metadata: { a: 'b' }, created_at: 1 };
const goodRun = { name: 'r', status: 'completed', data_source: { type: 'jsonl' }, created_at: 2, result_counts: { passed: 1, failed: 0, errored: 0 } };
const goodItem = { id: 'outputitem_g1', datasource_item_id: 0, status: 'pass', datasource_item: { answer: 'a' }, results: [], sample: null, created_at: 3 };

for (const { name, open } of testDatabases()) {
  describe(`Proctor extensions under bad input (${name})`, () => {
    let server: TestProctor;
    let a: ApiClient;
    let b: ApiClient;

    before(async () => {
      server = await startTestProctor(await open(), { PROCTOR_API_KEYS: 'sk-imp-a=alpha,sk-imp-b=beta' });
      a = new ApiClient(server.url, '/v1', { authorization: 'Bearer sk-imp-a' });
      b = new ApiClient(server.url, '/v1', { authorization: 'Bearer sk-imp-b' });
      await a.ok('POST', `/proctor/import/evals/${EVAL}`, { json: goodEval });
    });

    after(async () => {
      await server?.close();
    });

    it('import bodies that are not what they should be → 400 naming the field, nothing stored', async () => {
      const evalBodies: unknown[] = [
        [],
        {},
        'x',
        { ...goodEval, created_at: 'yesterday' },
        { ...goodEval, created_at: -1 },
        { ...goodEval, testing_criteria: 'all' },
        { ...goodEval, data_source_config: null },
        { ...goodEval, metadata: { k: 1 } },
        { ...goodEval, name: 'x'.repeat(5000) },
        { ...goodEval, metadata: { k: 'a\u0000b' } },
      ];
      for (const json of evalBodies) {
        const res = await a.request('POST', '/proctor/import/evals/eval_import_garbage_new', { json });
        assert.equal(res.status, 400, `${JSON.stringify(json).slice(-160)}: ${res.status}`);
        assertError(res, 400, /.*/);
      }
      for (const body of ['{', 'not json', '{"name": "\\ud800", "created_at": 1}']) {
        const res = await a.request('POST', '/proctor/import/evals/eval_import_garbage_new', { body, headers: { 'content-type': 'application/json' } });
        assertError(res, 400, /.*/);
      }
      // An id that could never be an object's is answered like any unknown id on the API: 404 (or 400).
      for (const bad of ['x'.repeat(300), 'bad%20id']) {
        const res = await a.request('POST', `/proctor/import/evals/${bad}`, { json: goodEval });
        assert.ok(res.status === 400 || res.status === 404, `${bad.slice(0, 20)}: ${res.status}`);
        assertError(res, res.status, 'eval_id');
      }
      assert.deepEqual((await a.ok('GET', '/evals')).data.map((e: { id: string }) => e.id), [EVAL], 'nothing else stored');
      assertError(await a.request('GET', '/evals/eval_import_garbage_new'), 404, /.*/);
    });

    it('runs and output items: bad bodies are 400s, unknown parents 404s', async () => {
      for (const json of [{}, { ...goodRun, status: 'running' }, { ...goodRun, result_counts: { passed: -1, failed: 0, errored: 0 } }, { ...goodRun, per_model_usage: [{}] }]) {
        assertError(await a.request('POST', `/proctor/import/evals/${EVAL}/runs/${RUN}`, { json }), 400, /.*/);
      }
      assertError(await a.request('POST', `/proctor/import/evals/eval_nowhere_at_all/runs/${RUN}`, { json: goodRun }), 404, /.*/);
      assert.equal((await a.ok('GET', `/evals/${EVAL}/runs`)).data.length, 0, 'no run stored');

      await a.ok('POST', `/proctor/import/evals/${EVAL}/runs/${RUN}`, { json: goodRun });
      for (const json of [
        {},
        { data: 'items' },
        { data: [{ ...goodItem, datasource_item_id: -1 }] },
        { data: [{ ...goodItem, id: 'bad id' }] },
        { data: [{ ...goodItem, created_at: 'now' }] },
        { data: Array.from({ length: 1001 }, (_, i) => ({ ...goodItem, id: `outputitem_g${i}`, datasource_item_id: i })) },
      ]) {
        assertError(await a.request('POST', `/proctor/import/evals/${EVAL}/runs/${RUN}/output_items`, { json }), 400, /.*/);
      }
      assert.equal((await a.ok('GET', `/evals/${EVAL}/runs/${RUN}/output_items`)).data.length, 0, 'no output item stored');
    });

    it("another project's ids are never written over", async () => {
      const res = await b.request('POST', `/proctor/import/evals/${EVAL}`, { json: { ...goodEval, name: 'taken over' } });
      assert.ok(res.status === 400 || res.status === 404, `status ${res.status}`);
      assertError(res, res.status, /.*/);
      assertError(await b.request('POST', `/proctor/import/evals/${EVAL}/runs/evalrun_b_0001`, { json: goodRun }), 404, /.*/);
      assertError(await b.request('GET', `/evals/${EVAL}`), 404, /.*/);
      assert.equal((await a.ok('GET', `/evals/${EVAL}`)).name, 'imported');
    });

    it('file import with a bad query → 400, nothing stored', async () => {
      const before = (await a.ok('GET', '/files')).data.length;
      for (const query of ['', '?filename=&purpose=evals&created_at=1', '?filename=x.jsonl&purpose=evals&created_at=soon']) {
        const res = await a.request('PUT', `/proctor/import/files/file-importgarbage0000001${query}`, { body: '{"item":{}}\n' });
        assertError(res, 400, /.*/);
      }
      assert.equal((await a.ok('GET', '/files')).data.length, before);
    });

    it('compare with missing or bad parameters → 400 naming them; unknown runs → 404', async () => {
      assertError(await a.request('GET', `/evals/${EVAL}/compare`), 400, /base|head/);
      assertError(await a.request('GET', `/evals/${EVAL}/compare?base=${RUN}`), 400, 'head');
      assertError(await a.request('GET', `/evals/${EVAL}/compare?base=${RUN}&head=${RUN}&limit=abc`), 400, 'limit');
      assertError(await a.request('GET', `/evals/${EVAL}/compare?base=${RUN}&head=${RUN}&limit=0`), 400, 'limit');
      assertError(await a.request('GET', `/evals/${EVAL}/compare?base=${RUN}&head=evalrun_nowhere`), 404, /.*/);
      assertError(await b.request('GET', `/evals/${EVAL}/compare?base=${RUN}&head=${RUN}`), 404, /.*/);
    });

    it('metrics need a key when keys are configured', async () => {
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 401);
      await res.body?.cancel();
      const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer sk-imp-a' } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /proctor_/);
    });
  });
}
