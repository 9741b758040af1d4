import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import {
  ApiClient,
  answerRows,
  assertError,
  createEval,
  createRun,
  getRun,
  listAll,
  listIds,
  sleep,
  stringCheck,
  toJsonl,
  uploadFile,
  waitForRunEnd,
} from './api-client.ts';

/**
 * A run's life: status transitions, cancel (both paths) of big runs, delete of runs and evals,
 * exact per-criterion counts, status filters and pagination of lists. Each group works in a
 * project of its own so list assertions are exact.
 */
const PROJECTS = ['main', 'status', 'order', 'paging', 'cancel'] as const;
type Project = (typeof PROJECTS)[number];
const keyOf = (p: Project) => `sk-life-${p}-key`;

const BIG_ROWS = 50_000;

for (const { name, open } of testDatabases()) {
  describe(`run lifecycle (${name})`, () => {
    let server: TestProctor;
    const clients = {} as Record<Project, ApiClient>;

    before(async () => {
      server = await startTestProctor(await open(), {
        PROCTOR_API_KEYS: PROJECTS.map((p) => `${keyOf(p)}=${p}`).join(','),
        PROCTOR_BATCH_SIZE: '500',
      });
      for (const p of PROJECTS) clients[p] = new ApiClient(server.url, '/v1', { authorization: `Bearer ${keyOf(p)}` });
    });

    after(async () => {
      await server?.close();
    });

    describe('status transitions', () => {
      it('queued → in_progress → completed, with counts that only grow', async () => {
        const api = clients.main;
        const ev = await createEval(api);
        const run = await createRun(api, ev.id, { rows: answerRows(10_000, (i) => i % 4 !== 0) });
        assert.equal(run.status, 'queued');
        assert.deepEqual(run.result_counts, { total: 0, errored: 0, failed: 0, passed: 0 });
        assert.equal(run.per_testing_criteria_results, null);
        assert.equal(run.error, null);
        const seen: string[] = ['queued'];
        let lastTotal = 0;
        const deadline = Date.now() + 120_000;
        let current = run;
        while (current.status === 'queued' || current.status === 'in_progress') {
          assert.ok(Date.now() < deadline, `run still ${current.status}`);
          await sleep(20);
          current = await getRun(api, ev.id, run.id);
          if (seen.at(-1) !== current.status) seen.push(current.status);
          const c = current.result_counts;
          assert.equal(c.total, c.passed + c.failed + c.errored, 'total = passed + failed + errored');
          assert.ok(c.total >= lastTotal, `total went from ${lastTotal} to ${c.total}`);
          lastTotal = c.total;
        }
        assert.deepEqual(seen, ['queued', 'in_progress', 'completed']);
        assert.deepEqual(current.result_counts, { total: 10_000, errored: 0, failed: 2500, passed: 7500 });
        assert.equal(current.error, null);
      });

      it('an empty-content run completes with total 0 and no output items', async () => {
        const api = clients.main;
        const ev = await createEval(api);
        const run = await createRun(api, ev.id, { rows: [] });
        const done = await waitForRunEnd(api, ev.id, run.id, 30_000);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: 0, errored: 0, failed: 0, passed: 0 });
        assert.equal(done.error, null);
        const page = await api.ok('GET', `/evals/${ev.id}/runs/${run.id}/output_items`);
        assert.deepEqual(page, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
      });

      it('a run from an empty file completes with total 0', async () => {
        const api = clients.main;
        const ev = await createEval(api);
        const file = await uploadFile(api, '');
        assert.equal(file.bytes, 0);
        const run = await createRun(api, ev.id, { fileId: file.id });
        const done = await waitForRunEnd(api, ev.id, run.id, 30_000);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: 0, errored: 0, failed: 0, passed: 0 });
      });
    });

    describe('cancel', () => {
      let bigFileId: string;
      let evalId: string;

      before(async () => {
        const api = clients.cancel;
        evalId = (await createEval(api)).id;
        bigFileId = (await uploadFile(api, toJsonl(answerRows(BIG_ROWS, (i) => i % 2 === 0)))).id;
      });

      /** Waits until the run has graded some rows but not all; fails if it finishes first. */
      async function waitUntilRunning(api: ApiClient, runId: string): Promise<void> {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const r = await getRun(api, evalId, runId);
          assert.ok(r.status === 'queued' || r.status === 'in_progress', `run reached ${r.status} before it could be canceled mid-way`);
          if (r.result_counts.total > 0) return;
          assert.ok(Date.now() < deadline, 'run never started grading');
          await sleep(20);
        }
      }

      async function cancelMidway(api: ApiClient, runId: string, path: string): Promise<void> {
        await waitUntilRunning(api, runId);
        // The cancel answers without waiting for batches in flight: what proves it is below — the
        // run stops short of its rows — not a wall-clock bound, which a loaded machine breaks.
        const canceled = await api.ok('POST', path);
        assert.equal(canceled.status, 'canceled');
        assert.equal(canceled.id, runId);
        assert.equal((await getRun(api, evalId, runId)).status, 'canceled');
        // In-flight batches may still commit what they graded; after that nothing may move.
        await sleep(1000);
        const first = await getRun(api, evalId, runId);
        await sleep(1000);
        const second = await getRun(api, evalId, runId);
        assert.equal(first.status, 'canceled');
        assert.equal(second.status, 'canceled');
        assert.deepEqual(second.result_counts, first.result_counts, 'counts stopped growing');
        assert.deepEqual(second.per_testing_criteria_results, first.per_testing_criteria_results);
        const c = second.result_counts;
        assert.ok(c.total < BIG_ROWS, `the run was canceled, yet all ${BIG_ROWS} rows were graded`);
        assert.equal(c.total, c.passed + c.failed + c.errored);
        // Output items and counters are written together: they agree.
        const items = await listIds(api, `/evals/${evalId}/runs/${runId}/output_items`, { limit: 100 });
        assert.equal(items.length, c.total, 'output items = result_counts.total');
      }

      it(`POST …/runs/{id} cancels a ${BIG_ROWS}-row inline run mid-way; it stays canceled`, async () => {
        const api = clients.cancel;
        const rows = answerRows(BIG_ROWS, (i) => i % 2 === 0);
        const run = await createRun(api, evalId, { rows });
        await cancelMidway(api, run.id, `/evals/${evalId}/runs/${run.id}`);
      });

      it(`POST …/runs/{id}/cancel cancels a ${BIG_ROWS}-row file run mid-way; it stays canceled`, async () => {
        const api = clients.cancel;
        const run = await createRun(api, evalId, { fileId: bigFileId });
        await cancelMidway(api, run.id, `/evals/${evalId}/runs/${run.id}/cancel`);
      });

      it('a run canceled while queued never starts', async () => {
        const api = clients.cancel;
        const run = await createRun(api, evalId, { fileId: bigFileId });
        const canceled = await api.ok('POST', `/evals/${evalId}/runs/${run.id}/cancel`);
        assert.equal(canceled.status, 'canceled');
        await sleep(1500);
        const later = await getRun(api, evalId, run.id);
        assert.equal(later.status, 'canceled');
        assert.deepEqual(later.result_counts, { total: 0, errored: 0, failed: 0, passed: 0 });
        await sleep(1000);
        assert.deepEqual((await getRun(api, evalId, run.id)).result_counts, later.result_counts);
      });

      it('cancel of a completed run keeps completed (both paths), and of a canceled run keeps canceled', async () => {
        const api = clients.cancel;
        const run = await createRun(api, evalId, { rows: answerRows(5, () => true) });
        const done = await waitForRunEnd(api, evalId, run.id);
        assert.equal(done.status, 'completed');
        for (const path of [`/evals/${evalId}/runs/${run.id}`, `/evals/${evalId}/runs/${run.id}/cancel`]) {
          const answer = await api.ok('POST', path);
          assert.equal(answer.status, 'completed');
          assert.deepEqual(answer.result_counts, done.result_counts);
        }
        assert.equal((await getRun(api, evalId, run.id)).status, 'completed');

        const other = await createRun(api, evalId, { rows: [] });
        await api.ok('POST', `/evals/${evalId}/runs/${other.id}/cancel`);
        const settled = await waitForRunEnd(api, evalId, other.id);
        // Canceled before it started, or completed (empty runs finish at once): either way final.
        const again = await api.ok('POST', `/evals/${evalId}/runs/${other.id}`);
        assert.equal(again.status, settled.status);
      });

      it('the workers go on with other runs after cancels', async () => {
        const api = clients.cancel;
        const run = await createRun(api, evalId, { rows: answerRows(1200, (i) => i < 1000) });
        const done = await waitForRunEnd(api, evalId, run.id);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: 1200, errored: 0, failed: 200, passed: 1000 });
      });
    });

    describe('delete', () => {
      it('a deleted run answers 404 everywhere, its output items too; the eval stays', async () => {
        const api = clients.main;
        const ev = await createEval(api);
        const keep = await createRun(api, ev.id, { rows: answerRows(3, () => true) });
        const run = await createRun(api, ev.id, { rows: answerRows(3, () => true) });
        await waitForRunEnd(api, ev.id, keep.id);
        await waitForRunEnd(api, ev.id, run.id);
        const item = (await api.ok('GET', `/evals/${ev.id}/runs/${run.id}/output_items`)).data[0];
        assert.deepEqual(await api.ok('DELETE', `/evals/${ev.id}/runs/${run.id}`), { object: 'eval.run.deleted', deleted: true, run_id: run.id });
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}`), 404, 'run_id');
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}/output_items`), 404, 'run_id');
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}/output_items/${item.id}`), 404, 'run_id');
        assertError(await api.post(`/evals/${ev.id}/runs/${run.id}/cancel`), 404, 'run_id');
        assertError(await api.post(`/evals/${ev.id}/runs/${run.id}`), 404, 'run_id');
        assertError(await api.delete(`/evals/${ev.id}/runs/${run.id}`), 404, 'run_id');
        assert.deepEqual(await listIds(api, `/evals/${ev.id}/runs`), [keep.id]);
        assertError(await api.get(`/evals/${ev.id}/runs?after=${run.id}`), 400, 'after');
        assert.equal((await api.ok('GET', `/evals/${ev.id}`)).id, ev.id);
        assert.equal((await listIds(api, `/evals/${ev.id}/runs/${keep.id}/output_items`)).length, 3);
      });

      it('deleting a run that is in progress stops it; other runs still complete', async () => {
        const api = clients.main;
        const ev = await createEval(api);
        const run = await createRun(api, ev.id, { rows: answerRows(20_000, () => true) });
        const deadline = Date.now() + 60_000;
        while ((await getRun(api, ev.id, run.id)).result_counts.total === 0) {
          assert.ok(Date.now() < deadline);
          await sleep(20);
        }
        await api.ok('DELETE', `/evals/${ev.id}/runs/${run.id}`);
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}`), 404, 'run_id');
        await sleep(1000);
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}/output_items`), 404, 'run_id');
        const next = await createRun(api, ev.id, { rows: answerRows(10, (i) => i < 4) });
        const done = await waitForRunEnd(api, ev.id, next.id);
        assert.deepEqual(done.result_counts, { total: 10, errored: 0, failed: 6, passed: 4 });
      });

      it('a deleted eval answers 404, and so do its runs and output items', async () => {
        const api = clients.main;
        const ev = await createEval(api);
        const run = await createRun(api, ev.id, { rows: answerRows(2, () => true) });
        await waitForRunEnd(api, ev.id, run.id);
        const item = (await api.ok('GET', `/evals/${ev.id}/runs/${run.id}/output_items`)).data[0];
        assert.deepEqual(await api.ok('DELETE', `/evals/${ev.id}`), { object: 'eval.deleted', deleted: true, eval_id: ev.id });
        assertError(await api.get(`/evals/${ev.id}`), 404, 'eval_id');
        assertError(await api.post(`/evals/${ev.id}`, { name: 'x' }), 404, 'eval_id');
        assertError(await api.delete(`/evals/${ev.id}`), 404, 'eval_id');
        assertError(await api.get(`/evals/${ev.id}/runs`), 404, 'eval_id');
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}`), 404, 'eval_id');
        assertError(await api.post(`/evals/${ev.id}/runs/${run.id}/cancel`), 404, 'eval_id');
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}/output_items`), 404, 'eval_id');
        assertError(await api.get(`/evals/${ev.id}/runs/${run.id}/output_items/${item.id}`), 404, 'eval_id');
        assertError(await api.post(`/evals/${ev.id}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } } }), 404, 'eval_id');
        assert.ok(!(await listIds(api, '/evals')).includes(ev.id));
      });
    });

    describe('counts', () => {
      it('per_testing_criteria_results with 2 criteria has exact numbers, in eval order', async () => {
        const api = clients.main;
        const ev = await createEval(api, {
          data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { answer: { type: 'string' }, tag: { type: 'string' } }, required: ['answer', 'tag'] } },
          testing_criteria: [stringCheck('exact', '{{ sample.output_text }}', '{{ item.answer }}', 'eq'), stringCheck('tagged', '{{ item.tag }}', 'GOOD', 'ilike')],
        });
        const n = 60;
        const a = (i: number) => i % 3 !== 0; // 40 pass
        const b = (i: number) => i % 4 === 0; // 15 pass
        const rows = Array.from({ length: n }, (_, i) => ({
          item: { answer: `a${i}`, tag: b(i) ? (i % 8 === 0 ? 'very good' : 'Good!') : 'bad' },
          sample: { output_text: a(i) ? `a${i}` : 'nope' },
        }));
        const run = await createRun(api, ev.id, { rows });
        const done = await waitForRunEnd(api, ev.id, run.id);
        const both = rows.filter((_, i) => a(i) && b(i)).length; // i % 4 == 0 and i % 3 != 0 → 10
        assert.equal(both, 10);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: n, errored: 0, failed: n - both, passed: both });
        const [c1, c2] = ev.testing_criteria.map((c: { id: string }) => c.id);
        assert.match(c1, /^exact-[0-9a-f-]{36}$/);
        assert.deepEqual(done.per_testing_criteria_results, [
          { testing_criteria: c1, passed: 40, failed: 20 },
          { testing_criteria: c2, passed: 15, failed: 45 },
        ]);
        const { items } = await listAll(api, `/evals/${ev.id}/runs/${run.id}/output_items`, { limit: 100 });
        assert.equal(items.length, n);
        for (const item of items) {
          const i = item.datasource_item_id as number;
          assert.equal(item.status, a(i) && b(i) ? 'pass' : 'fail');
          assert.deepEqual(
            item.results.map((r: { name: string; type: string; passed: boolean; score: number }) => [r.name, r.type, r.passed, r.score]),
            [[c1, 'string_check', a(i), a(i) ? 1 : 0], [c2, 'string_check', b(i), b(i) ? 1 : 0]],
          );
        }

        // The run list shows the same numbers as the run itself.
        const listed = (await api.ok('GET', `/evals/${ev.id}/runs`)).data.find((r: { id: string }) => r.id === run.id);
        assert.deepEqual(listed.per_testing_criteria_results, done.per_testing_criteria_results);
        assert.deepEqual(listed.result_counts, done.result_counts);
      });
    });

    describe('status filters', () => {
      let evalId: string;
      let completed1: string;
      let completed2: string;
      let canceled: string;
      let itemsById: Map<string, any>;
      let allItems: any[];

      before(async () => {
        const api = clients.status;
        evalId = (await createEval(api)).id;
        completed1 = (await createRun(api, evalId, { rows: answerRows(23, (i) => i % 3 === 0) })).id;
        await waitForRunEnd(api, evalId, completed1);
        canceled = (await createRun(api, evalId, { rows: answerRows(30_000, () => true) })).id;
        await api.ok('POST', `/evals/${evalId}/runs/${canceled}/cancel`);
        completed2 = (await createRun(api, evalId, { rows: [] })).id;
        await waitForRunEnd(api, evalId, completed2);
        allItems = (await listAll(api, `/evals/${evalId}/runs/${completed1}/output_items`)).items;
        itemsById = new Map(allItems.map((i) => [i.id, i]));
      });

      it('runs list ?status= holds exactly the runs in that status', async () => {
        const api = clients.status;
        const path = `/evals/${evalId}/runs`;
        assert.deepEqual(await listIds(api, path, { query: { status: 'completed' } }), [completed1, completed2]);
        assert.deepEqual(await listIds(api, path, { query: { status: 'completed' }, order: 'desc' }), [completed2, completed1]);
        assert.deepEqual(await listIds(api, path, { query: { status: 'completed' }, limit: 1 }), [completed1, completed2]);
        assert.deepEqual(await listIds(api, path, { query: { status: 'canceled' } }), [canceled]);
        for (const status of ['queued', 'in_progress', 'failed']) assert.deepEqual(await listIds(api, path, { query: { status } }), [], status);
        assert.deepEqual(await listIds(api, path), [completed1, canceled, completed2]);
        // `after` a run of another status still pages from its position.
        assert.deepEqual(await listIds(api, `${path}?status=completed&after=${canceled}`), [completed2]);
      });

      it('output items ?status= partition the run exactly, in both orders and across pages', async () => {
        const api = clients.status;
        const path = `/evals/${evalId}/runs/${completed1}/output_items`;
        const expectPass = allItems.filter((i) => i.status === 'pass').map((i) => i.id);
        const expectFail = allItems.filter((i) => i.status === 'fail').map((i) => i.id);
        assert.equal(expectPass.length, 8);
        assert.equal(expectFail.length, 15);
        for (const limit of [1, 7, 100]) {
          assert.deepEqual(await listIds(api, path, { limit, query: { status: 'pass' } }), expectPass, `pass, limit ${limit}`);
          assert.deepEqual(await listIds(api, path, { limit, query: { status: 'fail' } }), expectFail, `fail, limit ${limit}`);
          assert.deepEqual(await listIds(api, path, { limit, order: 'desc', query: { status: 'pass' } }), [...expectPass].reverse());
          assert.deepEqual(await listIds(api, path, { limit, order: 'desc', query: { status: 'fail' } }), [...expectFail].reverse());
        }
        for (const id of expectPass) assert.equal(itemsById.get(id).status, 'pass');
        const run = await getRun(api, evalId, completed1);
        assert.deepEqual(run.result_counts, { total: 23, errored: 0, failed: 15, passed: 8 });
      });
    });

    describe('pagination', () => {
      it('order_by=updated_at: an updated eval moves to the end (asc) and the front (desc)', async () => {
        const api = clients.order;
        const e1 = (await createEval(api, { name: 'e1' })).id;
        const e2 = (await createEval(api, { name: 'e2' })).id;
        const e3 = (await createEval(api, { name: 'e3' })).id;
        // Timestamps are whole seconds: let the clock tick before the update.
        await sleep(1100 - (Date.now() % 1000) + 50);
        const updated = await api.ok('POST', `/evals/${e1}`, { json: { name: 'e1 renamed' } });
        assert.equal(updated.name, 'e1 renamed');
        assert.deepEqual(await listIds(api, '/evals', { query: { order_by: 'updated_at' } }), [e2, e3, e1]);
        assert.deepEqual(await listIds(api, '/evals', { query: { order_by: 'updated_at' }, order: 'desc' }), [e1, e3, e2]);
        assert.deepEqual(await listIds(api, '/evals', { query: { order_by: 'updated_at' }, limit: 1 }), [e2, e3, e1]);
        assert.deepEqual(await listIds(api, '/evals', { query: { order_by: 'updated_at' }, limit: 2, order: 'desc' }), [e1, e3, e2]);
        assert.deepEqual(await listIds(api, `/evals?order_by=updated_at&after=${e3}`), [e1]);
        // Creation order is unchanged by the update.
        assert.deepEqual(await listIds(api, '/evals'), [e1, e2, e3]);
        assert.deepEqual(await listIds(api, '/evals', { query: { order_by: 'created_at' }, order: 'desc' }), [e3, e2, e1]);
        // A metadata-only update moves it too.
        await sleep(1100 - (Date.now() % 1000) + 50);
        await api.ok('POST', `/evals/${e2}`, { json: { metadata: { touched: 'yes' } } });
        assert.deepEqual(await listIds(api, '/evals', { query: { order_by: 'updated_at' } }), [e3, e1, e2]);
      });

      it('30 evals created within a second page with limit=7 with no duplicate or gap, both orders, both keys', async () => {
        const api = clients.paging;
        const created = await Promise.all(Array.from({ length: 30 }, (_, i) => createEval(api, { name: `p${i}` })));
        const ids = created.map((e) => e.id as string);
        const seconds = new Set(created.map((e) => e.created_at as number));
        assert.ok(seconds.size < 30, 'evals share creation seconds (ties are what this test is about)');
        for (const orderBy of ['created_at', 'updated_at']) {
          const asc = await listAll(api, '/evals', { limit: 7, order: 'asc', query: { order_by: orderBy } });
          const desc = await listAll(api, '/evals', { limit: 7, order: 'desc', query: { order_by: orderBy } });
          assert.equal(asc.pages, 5);
          assert.equal(desc.pages, 5);
          const ascIds = asc.items.map((e) => e.id as string);
          assert.deepEqual([...ascIds].sort(), [...ids].sort(), `${orderBy} asc: every eval exactly once`);
          assert.deepEqual(desc.items.map((e) => e.id as string), [...ascIds].reverse(), `${orderBy}: desc is asc reversed`);
          for (let i = 1; i < asc.items.length; i++) assert.ok(asc.items[i].created_at >= asc.items[i - 1].created_at, 'asc by time');
        }
        // The default order is creation order, so sequential creates list in creation order.
        const more: string[] = [];
        for (let i = 0; i < 5; i++) more.push((await createEval(api, { name: `q${i}` })).id);
        const all = await listIds(api, '/evals', { limit: 7 });
        assert.deepEqual(all.slice(-5), more);
        assert.equal(all.length, 35);
      });

      it('runs of an eval page with limit=3 with no duplicate or gap, both orders', async () => {
        const api = clients.paging;
        const ev = await createEval(api);
        const runIds: string[] = [];
        for (let i = 0; i < 11; i++) runIds.push((await createRun(api, ev.id, { rows: [] })).id);
        assert.deepEqual(await listIds(api, `/evals/${ev.id}/runs`, { limit: 3 }), runIds);
        assert.deepEqual(await listIds(api, `/evals/${ev.id}/runs`, { limit: 3, order: 'desc' }), [...runIds].reverse());
        assert.deepEqual(await listIds(api, `/evals/${ev.id}/runs`, { limit: 100 }), runIds);
        const firstPage = await api.ok('GET', `/evals/${ev.id}/runs?limit=11`);
        assert.equal(firstPage.has_more, false);
        const shortPage = await api.ok('GET', `/evals/${ev.id}/runs?limit=10`);
        assert.equal(shortPage.has_more, true);
      });
    });
  });
}
