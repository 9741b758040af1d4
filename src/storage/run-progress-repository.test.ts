import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../test/support/test-databases.ts';
import type { GradedItem } from './run-progress-repository.ts';
import { RunProgressRepository } from './run-progress-repository.ts';
import { openDatabase, type Database } from './database.ts';
import { EvalRepository } from './eval-repository.ts';
import { RunRepository } from './run-repository.ts';

let serial = 0;
function item(i: number, pass: boolean, errored = false): GradedItem {
  return {
    id: `outputitem_${String(++serial).padStart(32, '0')}`,
    datasource_item_id: i,
    status: pass ? 'pass' : 'fail',
    errored,
    datasource_item: { i },
    results: [{ name: 'c1', type: 'string_check', score: pass ? 1 : 0, passed: pass, sample: null }],
    sample: { input: [], output: [], finish_reason: '', model: '', usage: { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 }, error: null, temperature: 1, max_completion_tokens: 0, top_p: 1, seed: 0 },
    usage: [{ model_name: 'm', invocation_count: 1, prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, cached_tokens: 0 }],
  };
}

for (const backend of testDatabases()) {
  describe(`RunProgressRepository on ${backend.name}`, () => {
    let database: Database;
    let progress: RunProgressRepository;
    let runs: RunRepository;

    before(async () => {
      database = await openDatabase(await backend.open());
      progress = new RunProgressRepository(database.db);
      runs = new RunRepository(database.db);
      await new EvalRepository(database.db).insert({ id: 'eval_x', project: 'p', name: '', data_source_config: {}, testing_criteria: [], metadata: null, created_at: 1 });
    });
    after(async () => database.close());

    async function newRun(id: string, rows: number, batchSize: number): Promise<number[]> {
      await runs.insert({ id, project: 'p', eval_id: 'eval_x', name: id, model: '', data_source: {}, metadata: null, created_at: 1 });
      assert.equal(await progress.start(id), true);
      await progress.insertRows(id, Array.from({ length: rows }, (_, i) => ({ row_index: i, item: { i }, sample: null })));
      const batches = Array.from({ length: Math.ceil(rows / batchSize) }, (_, i) => ({ batch_index: i, first_row: i * batchSize, row_count: Math.min(batchSize, rows - i * batchSize) }));
      const open = await progress.addBatches(id, batches);
      assert.deepEqual(await progress.finishPlan(id, rows, batches.length, 1), { completedRun: rows === 0 });
      return open;
    }

    it('counts a batch once however often it is committed, and completes the run on the last batch', async () => {
      const batches = await newRun('evalrun_a', 4, 2);
      assert.deepEqual(batches, [0, 1]);
      const first = { evalId: 'eval_x', items: [item(0, true), item(1, false)], criterionIds: ['c1'] };
      assert.deepEqual(await progress.commit('evalrun_a', 0, first, true, 10), { completedRun: false });
      // A retry of the same batch (new output-item ids, as a fresh attempt would make) adds nothing.
      const retry = { ...first, items: [item(0, true), item(1, false)] };
      assert.deepEqual(await progress.commit('evalrun_a', 0, retry, true, 10), { completedRun: false });
      const second = { evalId: 'eval_x', items: [item(2, true), item(3, false, true)], criterionIds: ['c1'] };
      assert.deepEqual(await progress.commit('evalrun_a', 1, second, true, 11), { completedRun: true });
      assert.deepEqual(await progress.commit('evalrun_a', 1, second, true, 11), { completedRun: false });

      const run = await runs.getById('evalrun_a');
      assert.equal(run?.status, 'completed');
      assert.deepEqual([run?.passed, run?.failed, run?.errored, run?.batches_done], [2, 1, 1, 2]);
      const agg = (await runs.aggregates(['evalrun_a'])).get('evalrun_a');
      assert.deepEqual(agg?.criteria, [{ testing_criteria: 'c1', passed: 2, failed: 2 }]);
      assert.deepEqual(agg?.usage, [{ model_name: 'm', invocation_count: 4, prompt_tokens: 12, completion_tokens: 8, total_tokens: 20, cached_tokens: 0 }]);
    });

    it('keeps counts exact when duplicate commits race', async () => {
      await newRun('evalrun_b', 3, 3);
      const outcome = { evalId: 'eval_x', items: [item(0, true), item(1, true), item(2, false)], criterionIds: ['c1'] };
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => progress.commit('evalrun_b', 0, outcome, true, 12)));
      const completions = results.filter((r) => r.status === 'fulfilled' && r.value.completedRun).length;
      assert.equal(completions, 1);
      const run = await runs.getById('evalrun_b');
      assert.deepEqual([run?.status, run?.passed, run?.failed, run?.errored], ['completed', 2, 1, 0]);
    });

    it('completes a run whose batches all finished before its plan did, and a run with no rows', async () => {
      await runs.insert({ id: 'evalrun_d', project: 'p', eval_id: 'eval_x', name: 'd', model: '', data_source: {}, metadata: null, created_at: 1 });
      await progress.start('evalrun_d');
      await progress.insertRows('evalrun_d', [{ row_index: 0, item: {}, sample: null }]);
      assert.deepEqual(await progress.addBatches('evalrun_d', [{ batch_index: 0, first_row: 0, row_count: 1 }]), [0]);
      assert.deepEqual(await progress.commit('evalrun_d', 0, { evalId: 'eval_x', items: [item(0, true)], criterionIds: ['c1'] }, true, 2), { completedRun: false });
      assert.deepEqual(await progress.addBatches('evalrun_d', [{ batch_index: 0, first_row: 0, row_count: 1 }]), [], 'a done batch is not handed out again');
      assert.deepEqual(await progress.finishPlan('evalrun_d', 1, 1, 3), { completedRun: true });
      assert.equal((await runs.getById('evalrun_d'))?.status, 'completed');
      assert.deepEqual(await newRun('evalrun_e', 0, 5), []);
      assert.equal((await runs.getById('evalrun_e'))?.status, 'completed');
    });

    it('a canceled run is not completed by its last batch, and an unfinished batch stays open', async () => {
      await newRun('evalrun_c', 2, 2);
      await progress.commit('evalrun_c', 0, { evalId: 'eval_x', items: [item(0, true)], criterionIds: ['c1'] }, false, 13);
      assert.equal((await progress.batch('evalrun_c', 0))?.done, false);
      await runs.cancel('p', 'eval_x', 'evalrun_c', 14);
      const r = await progress.commit('evalrun_c', 0, { evalId: 'eval_x', items: [item(0, true), item(1, true)], criterionIds: ['c1'] }, true, 15);
      assert.equal(r.completedRun, false);
      const run = await runs.getById('evalrun_c');
      assert.deepEqual([run?.status, run?.passed], ['canceled', 2]);
    });
  });
}
