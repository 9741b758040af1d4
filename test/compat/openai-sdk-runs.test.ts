import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BadRequestError, NotFoundError, toFile } from 'openai';
import { waitForRun } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import {
  bodyOf, CANCEL_ROWS, cancelLiveRun, evalParams, expectPage, failingIndexes, finishedRun, inlineRun, KEY_A, KEY_B, makeRows, openaiClient, passingIndexes, raw, rejectsWith, toJsonl, useProctor,
} from './compat-fixtures.ts';
import { expectSchema, specSkipReason, type SpecSchemaName } from './spec-schemas.ts';

/** Output items are checked in full except for the one pending deviation, which has its own test. */
const expectItemSchema = (body: unknown, name: SpecSchemaName): void => expectSchema(body, name);

const ROWS = 7; // rows 0, 3, 6 pass
const BIG_ROWS = 20_000;

for (const db of testDatabases()) {
  describe(`openai SDK: runs and output items (${db.name})`, () => {
    const server = useProctor(db);

    describe('runs', () => {
      let evalId = '';
      let criterionId = '';
      before(async () => {
        const created = await openaiClient(server.url).evals.create(evalParams('runs'));
        evalId = created.id;
        criterionId = String((created.testing_criteria[0] as unknown as { id: string }).id);
      });

      it('creates a queued run with 201 in the spec shape, which then completes with counts', async () => {
        const client = openaiClient(server.url);
        const params = inlineRun(makeRows(ROWS), 'seven rows');
        const { data: run, response } = await client.evals.runs.create(evalId, params).withResponse();
        assert.equal(response.status, 201);
        expectSchema(run, 'EvalRun');
        assert.equal(run.object, 'eval.run');
        assert.match(run.id, /^evalrun_[0-9a-f]{32}$/);
        assert.equal(run.eval_id, evalId);
        assert.equal(run.status, 'queued');
        assert.equal(run.name, 'seven rows');
        assert.deepEqual(run.metadata, { rows: String(ROWS) });
        assert.deepEqual(run.data_source, params.data_source);
        assert.deepEqual(run.result_counts, { total: 0, errored: 0, failed: 0, passed: 0 });
        assert.equal(run.per_model_usage, null);
        assert.equal(run.per_testing_criteria_results, null);
        assert.equal(run.error, null);
        assert.ok(run.report_url.endsWith(`/evals/${evalId}/runs/${run.id}`), run.report_url);

        const done = await waitForRun(() => client.evals.runs.retrieve(run.id, { eval_id: evalId }));
        expectSchema(done, 'EvalRun');
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: ROWS, errored: 0, failed: ROWS - 3, passed: 3 });
        assert.deepEqual(done.per_testing_criteria_results, [{ testing_criteria: criterionId, passed: 3, failed: ROWS - 3 }]);
        assert.equal(done.error, null);
        assert.equal(done.created_at, run.created_at);
      });

      it('runs rows from an uploaded jsonl file (purpose evals)', async () => {
        const client = openaiClient(server.url);
        const rows = makeRows(4);
        const file = await client.files.create({ file: await toFile(Buffer.from(toJsonl(rows)), 'rows.jsonl'), purpose: 'evals' });
        expectSchema(file, 'OpenAIFile');
        const run = await client.evals.runs.create(evalId, { name: 'from file', data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } });
        expectSchema(run, 'EvalRun');
        assert.deepEqual(run.data_source, { type: 'jsonl', source: { type: 'file_id', id: file.id } });
        const done = await waitForRun(() => client.evals.runs.retrieve(run.id, { eval_id: evalId }));
        expectSchema(done, 'EvalRun');
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: 4, errored: 0, failed: 2, passed: 2 });
        const items = await client.evals.runs.outputItems.list(run.id, { eval_id: evalId });
        expectItemSchema(bodyOf(items), 'EvalRunOutputItemList');
        assert.deepEqual(items.data.map((i) => i.datasource_item), rows.map((r) => r.item));
        assert.deepEqual(items.data.map((i) => i.status), ['pass', 'fail', 'fail', 'pass']);
      });

      it('rejects bad runs: unknown eval (404), row not matching the schema (400), unknown file (400)', async () => {
        const client = openaiClient(server.url);
        await rejectsWith(client.evals.runs.create('eval_00000000000000000000000000000000', inlineRun(makeRows(1))), NotFoundError);

        const rows = makeRows(3) as Array<{ item: Record<string, unknown> }>;
        delete (rows[1] as { item: Record<string, unknown> }).item['answer'];
        const bad = await rejectsWith(client.evals.runs.create(evalId, inlineRun(rows as never)), BadRequestError);
        assert.match(String(bad.param), /^data_source\.source\.content\[1\]/);
        const res = await raw(server.url, `/v1/evals/${evalId}/runs`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}` }, body: inlineRun(rows as never) });
        assert.equal(res.status, 400);
        expectSchema(res.body, 'ErrorResponse');

        const missingFile = await rejectsWith(
          client.evals.runs.create(evalId, { data_source: { type: 'jsonl', source: { type: 'file_id', id: 'file-0000000000000000000000' } } }),
          BadRequestError,
        );
        assert.equal(missingFile.param, 'data_source.source.id');
      });

      it('retrieve: NotFoundError for an unknown run, a run under another eval, and another project', async () => {
        const client = openaiClient(server.url);
        const run = await client.evals.runs.create(evalId, inlineRun(makeRows(1)));
        const other = await client.evals.create(evalParams('other'));
        await rejectsWith(client.evals.runs.retrieve('evalrun_00000000000000000000000000000000', { eval_id: evalId }), NotFoundError);
        await rejectsWith(client.evals.runs.retrieve(run.id, { eval_id: other.id }), NotFoundError);
        await rejectsWith(openaiClient(server.url, KEY_B).evals.runs.retrieve(run.id, { eval_id: evalId }), NotFoundError);
        await rejectsWith(openaiClient(server.url, KEY_B).evals.runs.cancel(run.id, { eval_id: evalId }), NotFoundError);
      });

      it('create answers at once and the API stays responsive while a large run is processed', async () => {
        // architecture §2: create "returns at once"; cancel must be able to land while the run is in progress.
        const client = openaiClient(server.url);
        const run = await client.evals.runs.create(evalId, inlineRun(makeRows(BIG_ROWS)));
        assert.notEqual(run.status, 'completed');
        const canceled = await client.evals.runs.cancel(run.id, { eval_id: evalId });
        assert.equal(canceled.status, 'canceled');
        const later = await waitForRun(() => client.evals.runs.retrieve(run.id, { eval_id: evalId }));
        assert.equal(later.status, 'canceled');
        assert.ok(later.result_counts.total < BIG_ROWS);
      });

      it('cancels with the SDK (POST …/runs/{id}/cancel): canceled at once and for good', async () => {
        const client = openaiClient(server.url);
        const { canceled } = await cancelLiveRun(
          () => client.evals.runs.create(evalId, inlineRun(makeRows(CANCEL_ROWS))),
          (runId) => client.evals.runs.cancel(runId, { eval_id: evalId }),
        );
        expectSchema(canceled, 'EvalRun');
        assert.equal(canceled.status, 'canceled');
        await new Promise((r) => setTimeout(r, 500));
        const later = await client.evals.runs.retrieve(canceled.id, { eval_id: evalId });
        expectSchema(later, 'EvalRun');
        assert.equal(later.status, 'canceled');
        assert.ok(later.result_counts.total < CANCEL_ROWS, `a canceled run stops early (${later.result_counts.total} graded)`);
      });

      it('cancels with POST …/runs/{id} (the spec path) through client.post', async () => {
        const client = openaiClient(server.url);
        const { canceled } = await cancelLiveRun(
          () => client.evals.runs.create(evalId, inlineRun(makeRows(CANCEL_ROWS))),
          (runId) => client.post<{ id: string; status: string }>(`/evals/${evalId}/runs/${runId}`),
        );
        expectSchema(canceled, 'EvalRun');
        assert.equal(canceled.status, 'canceled');
        const later = await client.evals.runs.retrieve(canceled.id, { eval_id: evalId });
        assert.equal(later.status, 'canceled');
      });

      it('canceling a finished run leaves it completed', async () => {
        const client = openaiClient(server.url);
        const done = await finishedRun(client, evalId, inlineRun(makeRows(2)));
        assert.equal(done.status, 'completed');
        const after = await client.evals.runs.cancel(done.id, { eval_id: evalId });
        expectSchema(after, 'EvalRun');
        assert.equal(after.status, 'completed');
        assert.deepEqual(after.result_counts, done.result_counts);
      });

      it('deletes a run: eval.run.deleted, then its run and output items are 404', async () => {
        const client = openaiClient(server.url);
        const done = await finishedRun(client, evalId, inlineRun(makeRows(3)));
        const deleted = await client.evals.runs.delete(done.id, { eval_id: evalId });
        expectSchema(deleted, 'DeleteEvalRunResponse');
        assert.deepEqual(deleted, { object: 'eval.run.deleted', deleted: true, run_id: done.id });
        await rejectsWith(client.evals.runs.retrieve(done.id, { eval_id: evalId }), NotFoundError);
        await rejectsWith(client.evals.runs.outputItems.list(done.id, { eval_id: evalId }), NotFoundError);
        await rejectsWith(client.evals.runs.delete(done.id, { eval_id: evalId }), NotFoundError);
      });
    });

    describe('runs list: after, limit, order, status and auto-pagination', () => {
      let evalId = '';
      const completed: string[] = [];
      let canceledId = '';
      before(async () => {
        const client = openaiClient(server.url);
        evalId = (await client.evals.create(evalParams('run list'))).id;
        for (let i = 0; i < 2; i++) completed.push((await finishedRun(client, evalId, inlineRun(makeRows(2), `done ${i}`))).id);
        const { canceled, completedMeanwhile } = await cancelLiveRun(
          () => client.evals.runs.create(evalId, inlineRun(makeRows(CANCEL_ROWS), 'canceled')),
          (runId) => client.evals.runs.cancel(runId, { eval_id: evalId }),
        );
        completed.push(...completedMeanwhile);
        canceledId = canceled.id;
        await finishedRun(client, evalId, inlineRun(makeRows(1), 'done 2')).then((r) => completed.push(r.id));
      });

      it('lists in creation order with limit/after and has_more', async () => {
        const client = openaiClient(server.url);
        const all = [completed[0], completed[1], canceledId, completed[2]] as string[];
        const first = await client.evals.runs.list(evalId, { limit: 3 });
        expectSchema(bodyOf(first), 'EvalRunList');
        expectPage(first, all.slice(0, 3), true);
        const rest = await client.evals.runs.list(evalId, { limit: 3, after: all[2] as string });
        expectSchema(bodyOf(rest), 'EvalRunList');
        expectPage(rest, all.slice(3), false);
        expectPage(await client.evals.runs.list(evalId, { order: 'desc', limit: 2, after: all[2] as string }), [all[1], all[0]] as string[], false);
        const empty = await client.evals.runs.list(evalId, { after: all[3] as string });
        expectSchema(bodyOf(empty), 'EvalRunList');
        expectPage(empty, [], false);
      });

      it('filters by status', async () => {
        const client = openaiClient(server.url);
        const done = await client.evals.runs.list(evalId, { status: 'completed' });
        expectSchema(bodyOf(done), 'EvalRunList');
        expectPage(done, completed, false);
        assert.ok(done.data.every((r) => r.status === 'completed'));
        expectPage(await client.evals.runs.list(evalId, { status: 'canceled' }), [canceledId], false);
        expectPage(await client.evals.runs.list(evalId, { status: 'completed', limit: 1, after: completed[0] as string }), [completed[1] as string], true);
        expectPage(await client.evals.runs.list(evalId, { status: 'failed' }), [], false);
        const error = await rejectsWith(client.evals.runs.list(evalId, { status: 'done' as 'completed' }), BadRequestError);
        assert.equal(error.param, 'status');
      });

      it('auto-paginates one run per page', async () => {
        const client = openaiClient(server.url);
        const seen: string[] = [];
        let pages = 0;
        for await (const page of (await client.evals.runs.list(evalId, { limit: 1, order: 'desc' })).iterPages()) {
          expectSchema(bodyOf(page), 'EvalRunList');
          pages++;
          for (const run of page.data) {
            expectSchema(run, 'EvalRun');
            seen.push(run.id);
          }
        }
        assert.deepEqual(seen, [completed[2], canceledId, completed[1], completed[0]]);
        assert.equal(pages, 4);
      });
    });

    describe('output items', () => {
      let evalId = '';
      let runId = '';
      const rows = makeRows(ROWS);
      before(async () => {
        const client = openaiClient(server.url);
        evalId = (await client.evals.create(evalParams('items'))).id;
        runId = (await finishedRun(client, evalId, inlineRun(rows))).id;
      });

      it('lists every item in the spec shape, in datasource order, with grader results and sample', async () => {
        const client = openaiClient(server.url);
        const page = await client.evals.runs.outputItems.list(runId, { eval_id: evalId });
        expectItemSchema(bodyOf(page), 'EvalRunOutputItemList');
        assert.equal(page.data.length, ROWS);
        assert.equal(page.has_more, false);
        page.data.forEach((item, i) => {
          expectItemSchema(item, 'EvalRunOutputItem');
          assert.match(item.id, /^outputitem_[0-9a-f]{32}$/);
          assert.equal(item.object, 'eval.run.output_item');
          assert.equal(item.run_id, runId);
          assert.equal(item.eval_id, evalId);
          assert.equal(item.datasource_item_id, i);
          assert.deepEqual(item.datasource_item, rows[i]?.item);
          const passes = i % 3 === 0;
          assert.equal(item.status, passes ? 'pass' : 'fail');
          assert.equal(item.results.length, 1);
          assert.equal(item.results[0]?.passed, passes);
          assert.equal(item.results[0]?.score, passes ? 1 : 0);
          assert.equal(item.sample.model, 'pregenerated-model');
          assert.deepEqual(item.sample.output, [{ role: 'assistant', content: rows[i]?.sample['output_text'] }]);
          assert.equal(item.sample.finish_reason, 'stop');
        });
      });

      it('pages with limit/after in both orders and auto-paginates', async () => {
        const client = openaiClient(server.url);
        const all = (await client.evals.runs.outputItems.list(runId, { eval_id: evalId })).data.map((i) => i.id);
        const first = await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 3 });
        expectItemSchema(bodyOf(first), 'EvalRunOutputItemList');
        expectPage(first, all.slice(0, 3), true);
        expectPage(await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 3, after: all[2] as string }), all.slice(3, 6), true);
        expectPage(await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 3, after: all[5] as string }), all.slice(6), false);
        const desc = [...all].reverse();
        expectPage(await client.evals.runs.outputItems.list(runId, { eval_id: evalId, order: 'desc', limit: 2 }), desc.slice(0, 2), true);

        const seen: string[] = [];
        for await (const item of client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 2 })) seen.push(item.id);
        assert.deepEqual(seen, all);
      });

      it('filters by status pass/fail, also across pages', async () => {
        const client = openaiClient(server.url);
        const passed = await client.evals.runs.outputItems.list(runId, { eval_id: evalId, status: 'pass' });
        expectItemSchema(bodyOf(passed), 'EvalRunOutputItemList');
        assert.deepEqual(passed.data.map((i) => i.datasource_item_id), passingIndexes(ROWS));
        assert.ok(passed.data.every((i) => i.status === 'pass'));

        const failedIds: number[] = [];
        let pages = 0;
        for await (const page of (await client.evals.runs.outputItems.list(runId, { eval_id: evalId, status: 'fail', limit: 2 })).iterPages()) {
          expectItemSchema(bodyOf(page), 'EvalRunOutputItemList');
          pages++;
          failedIds.push(...page.data.map((i) => i.datasource_item_id));
        }
        assert.deepEqual(failedIds, failingIndexes(ROWS));
        assert.equal(pages, 2);
        const error = await rejectsWith(client.evals.runs.outputItems.list(runId, { eval_id: evalId, status: 'maybe' as 'pass' }), BadRequestError);
        assert.equal(error.param, 'status');
      });

      it('output items validate against the spec', { skip: specSkipReason }, async () => {
        const client = openaiClient(server.url);
        const page = await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 1 });
        assert.equal(page.data.length, 1);
        expectSchema(page.data[0], 'EvalRunOutputItem');
      });

      it('retrieves one item exactly as listed; unknown ids are NotFoundError', async () => {
        const client = openaiClient(server.url);
        const listed = (await client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 4 })).data[3];
        assert.ok(listed);
        const got = await client.evals.runs.outputItems.retrieve(listed.id, { eval_id: evalId, run_id: runId });
        expectItemSchema(got, 'EvalRunOutputItem');
        assert.deepEqual(got, listed);
        await rejectsWith(client.evals.runs.outputItems.retrieve('outputitem_00000000000000000000000000000000', { eval_id: evalId, run_id: runId }), NotFoundError);
        await rejectsWith(openaiClient(server.url, KEY_B).evals.runs.outputItems.retrieve(listed.id, { eval_id: evalId, run_id: runId }), NotFoundError);
        await rejectsWith(openaiClient(server.url, KEY_B).evals.runs.outputItems.list(runId, { eval_id: evalId }), NotFoundError);
      });
    });
  });
}
