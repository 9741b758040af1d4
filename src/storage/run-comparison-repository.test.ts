import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../test/support/test-databases.ts';
import type { GraderResult } from '../domain/wire-objects.ts';
import { openDatabase, type Database } from './database.ts';
import { EvalRepository } from './eval-repository.ts';
import { RunComparisonRepository, type ComparisonPage, type FlipDirection, type RunComparisonRows } from './run-comparison-repository.ts';
import { RunProgressRepository, type GradedItem } from './run-progress-repository.ts';
import { RunRepository } from './run-repository.ts';

/**
 * The comparison read from the grades index (live for a run in progress, kept for two finished
 * runs) against the old computation from the json results, on runs with every kind of row: passed,
 * failed, a grader error that still carries a score, a row that errored before grading (no
 * results), fractional scores and rows only one run has.
 */
const CRITERIA = ['c_exact', 'c_score'];
const SAMPLE = { input: [], output: [], finish_reason: '', model: '', usage: { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 }, error: null, temperature: 1, max_completion_tokens: 0, top_p: 1, seed: 0 };

let serial = 0;
/** Row `i` of a run whose behaviour is shifted by `shift`. */
function row(i: number, shift: number): GradedItem {
  const k = (i * 7 + shift * 3) % 11;
  const id = `outputitem_${String(++serial).padStart(32, '0')}`;
  if (k === 10) {
    // Sampling failed: no results at all; the item fails but is not paired.
    return { id, datasource_item_id: i, status: 'fail', errored: true, datasource_item: { i }, results: [], sample: { ...SAMPLE, error: { code: 'rate_limit_exceeded', message: 'x' } }, usage: [] };
  }
  const exact = k % 3 !== 0;
  const score = ((i * 37 + shift * 11) % 100) / 100;
  const results: GraderResult[] = [
    { name: 'c_exact', type: 'string_check', score: exact ? 1 : 0, passed: exact, sample: null },
    k === 9
      ? { name: 'c_score', type: 'score_model', score: 0.25, passed: false, sample: null, error: { code: 'grader_error', message: 'bad reply' } }
      : { name: 'c_score', type: 'text_similarity', score, passed: score >= 0.5, sample: null },
  ];
  const errored = k === 9;
  return { id, datasource_item_id: i, status: !errored && results.every((r) => r.passed) ? 'pass' : 'fail', errored, datasource_item: { i }, results, sample: SAMPLE, usage: [] };
}

const sortCounts = (r: RunComparisonRows) => [...r.counts].sort((a, b) => a.criterion_id.localeCompare(b.criterion_id));

function assertSame(actual: RunComparisonRows, expected: RunComparisonRows): void {
  const a = sortCounts(actual);
  const e = sortCounts(expected);
  assert.equal(a.length, e.length);
  for (let i = 0; i < a.length; i++) {
    const { base_score_mean: ab, head_score_mean: ah, delta_score_mean: ad, ...aRest } = a[i]!;
    const { base_score_mean: eb, head_score_mean: eh, delta_score_mean: ed, ...eRest } = e[i]!;
    assert.deepEqual(aRest, eRest);
    // Float means: the same values summed, maybe in another order.
    for (const [x, y] of [[ab, eb], [ah, eh], [ad, ed]] as const) {
      if (x === null || y === null) assert.equal(x, y);
      else assert.ok(Math.abs(x - y) < 1e-12, `${x} vs ${y}`);
    }
  }
  assert.deepEqual(actual.regressions, expected.regressions);
  assert.deepEqual(actual.fixes, expected.fixes);
}

for (const backend of testDatabases()) {
  describe(`RunComparisonRepository on ${backend.name}`, () => {
    let database: Database;
    let progress: RunProgressRepository;
    let runs: RunRepository;
    let repo: RunComparisonRepository;

    before(async () => {
      database = await openDatabase(await backend.open());
      progress = new RunProgressRepository(database.db);
      runs = new RunRepository(database.db);
      repo = new RunComparisonRepository(database.db);
      await new EvalRepository(database.db).insert({ id: 'eval_c', project: 'p', name: '', data_source_config: {}, testing_criteria: [], metadata: null, created_at: 1 });
    });
    after(async () => database.close());

    async function newRun(id: string, rows: number, batchSize: number): Promise<void> {
      await runs.insert({ id, project: 'p', eval_id: 'eval_c', name: id, model: '', data_source: {}, metadata: null, created_at: 1 });
      assert.equal(await progress.start(id), true);
      const batches = Array.from({ length: Math.ceil(rows / batchSize) }, (_, i) => ({ batch_index: i, first_row: i * batchSize, row_count: Math.min(batchSize, rows - i * batchSize) }));
      await progress.addBatches(id, batches);
      await progress.finishPlan(id, rows, batches.length, 1);
    }

    async function commit(runId: string, batch: number, from: number, to: number, shift: number): Promise<{ completedRun: boolean }> {
      const items = Array.from({ length: to - from }, (_, j) => row(from + j, shift));
      return progress.commit(runId, batch, { evalId: 'eval_c', items, criterionIds: CRITERIA }, true, 2);
    }

    /** Every page of both lists at a small limit, and the first page at a large one, against the json computation. */
    async function assertMatchesJson(base: string, head: string): Promise<void> {
      const big: ComparisonPage = { regressionsAfter: null, fixesAfter: null, limit: 1000 };
      assertSame(await repo.compare(base, head, big), await repo.fromJson(base, head, big));
      for (const direction of ['regressions', 'fixes'] as FlipDirection[]) {
        let cursor: number | null = null;
        for (let pages = 0; pages < 100; pages++) {
          const page: ComparisonPage = direction === 'regressions' ? { regressionsAfter: cursor, fixesAfter: null, limit: 4 } : { regressionsAfter: null, fixesAfter: cursor, limit: 4 };
          const got = await repo.compare(base, head, page);
          const want = await repo.fromJson(base, head, page);
          assertSame(got, want);
          const list = got[direction];
          if (list.length <= 4) break;
          cursor = list[3]!.datasource_item_id;
        }
      }
    }

    const cachedPairs = async () => (await database.db.selectFrom('run_comparisons').select(['base_run_id', 'head_run_id', 'base_items', 'head_items']).orderBy('base_run_id').orderBy('head_run_id').execute());

    it('matches the json computation for an in-progress run at every batch, then keeps the finished comparison', async () => {
      await newRun('evalrun_base', 60, 30);
      await commit('evalrun_base', 0, 0, 30, 0);
      await commit('evalrun_base', 1, 30, 60, 0);
      assert.equal((await runs.getById('evalrun_base'))?.status, 'completed');

      // The head runs 0..69 (ten rows the base does not have) in batches of 10.
      await newRun('evalrun_head', 70, 10);
      await assertMatchesJson('evalrun_base', 'evalrun_head');
      const seen: number[] = [];
      for (let b = 0; b < 7; b++) {
        const done = await commit('evalrun_head', b, b * 10, b * 10 + 10, 1);
        assert.equal(done.completedRun, b === 6);
        await assertMatchesJson('evalrun_base', 'evalrun_head');
        await assertMatchesJson('evalrun_head', 'evalrun_base');
        const paired = (await repo.compare('evalrun_base', 'evalrun_head', { regressionsAfter: null, fixesAfter: null, limit: 10 })).counts.find((c) => c.criterion_id === 'c_exact')?.paired ?? 0;
        seen.push(paired);
        // Live while the head is in progress: nothing is kept.
        if (b < 6) assert.deepEqual(await cachedPairs(), []);
      }
      // The comparison grew with every batch of rows the base has too (the last batch has none).
      assert.ok(seen.every((n, i) => i === 0 || (i < 6 ? n > seen[i - 1]! : n === seen[i - 1]!)), seen.join());
      const errored = (await repo.fromJson('evalrun_base', 'evalrun_head', { regressionsAfter: null, fixesAfter: null, limit: 1 })).counts;
      assert.ok(errored.some((c) => c.base_errored > 0 && c.head_errored > 0), 'the fixture has grader errors on both sides');
      assert.ok(errored.every((c) => c.paired < 60), 'the fixture has rows errored before grading');
      assert.deepEqual(await cachedPairs(), [
        { base_run_id: 'evalrun_base', head_run_id: 'evalrun_head', base_items: 60, head_items: 70 },
        { base_run_id: 'evalrun_head', head_run_id: 'evalrun_base', base_items: 70, head_items: 60 },
      ]);
      // Served from the kept rows now, still identical.
      await assertMatchesJson('evalrun_base', 'evalrun_head');
    });

    it('recomputes a kept comparison when a run gains items after it finished (a batch committing after a cancel)', async () => {
      await newRun('evalrun_late', 40, 20);
      await commit('evalrun_late', 0, 0, 20, 2);
      await runs.cancel('p', 'eval_c', 'evalrun_late', 3);
      assert.equal((await runs.getById('evalrun_late'))?.status, 'canceled');
      await assertMatchesJson('evalrun_base', 'evalrun_late');
      assert.equal((await cachedPairs()).find((p) => p.head_run_id === 'evalrun_late')?.head_items, 20);
      // The batch that was under way at the cancel still lands.
      await commit('evalrun_late', 1, 20, 40, 2);
      await assertMatchesJson('evalrun_base', 'evalrun_late');
      assert.equal((await cachedPairs()).find((p) => p.head_run_id === 'evalrun_late')?.head_items, 40);
    });
  });
}
