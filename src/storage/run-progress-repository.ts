import { sql, type Kysely } from 'kysely';
import type { ApiErrorObject, GraderResult, ModelUsage, OutputSample } from '../domain/wire-objects.ts';
import { errorCodeOf, gradeRows, scoreBins } from './output-item-grades.ts';
import type { Tables } from './tables.ts';

export interface RowToStore {
  row_index: number;
  item: Record<string, unknown>;
  sample: Record<string, unknown> | null;
}

export interface GradedItem {
  id: string;
  datasource_item_id: number;
  status: 'pass' | 'fail';
  errored: boolean;
  datasource_item: Record<string, unknown>;
  results: GraderResult[];
  sample: OutputSample;
  /** Model calls made for this row (sampling and model graders), counted only if the row is new. */
  usage: readonly ModelUsage[];
  /** Of those, answered from the response cache. */
  cache_hits?: number;
}

export interface BatchOutcome {
  evalId: string;
  items: GradedItem[];
  /** The criteria in eval order, so per-criterion rows keep that order. */
  criterionIds: readonly string[];
}

/**
 * The runner's writes. Counting happens in the same transaction as the output-item inserts, and
 * only for rows that insert actually added: a retried or duplicated batch never counts twice.
 */
export class RunProgressRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** queued → in_progress; false when the run is no longer queued or in progress (canceled, deleted). */
  async start(runId: string): Promise<boolean> {
    const row = await this.#db
      .updateTable('runs')
      .set({ status: 'in_progress' })
      .where('id', '=', runId)
      .where('status', 'in', ['queued', 'in_progress'])
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertRows(runId: string, rows: readonly RowToStore[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db
      .insertInto('run_rows')
      .values(rows.map((r) => ({ run_id: runId, row_index: r.row_index, item: JSON.stringify(r.item), sample: r.sample === null ? null : JSON.stringify(r.sample) })))
      .onConflict((oc) => oc.columns(['run_id', 'row_index']).doNothing())
      .execute();
  }

  /**
   * Records batches as the plan job stages their rows, so grading starts while the source is still
   * being read. Returns the indexes that are not done yet (a retried plan re-enqueues only those).
   */
  async addBatches(runId: string, batches: ReadonlyArray<{ batch_index: number; first_row: number; row_count: number }>): Promise<number[]> {
    if (batches.length === 0) return [];
    await this.#db
      .insertInto('run_batches')
      .values(batches.map((b) => ({ run_id: runId, ...b })))
      .onConflict((oc) => oc.columns(['run_id', 'batch_index']).doNothing())
      .execute();
    const open = await this.#db
      .selectFrom('run_batches')
      .select('batch_index')
      .where('run_id', '=', runId)
      .where('batch_index', 'in', batches.map((b) => b.batch_index))
      .where('done', '=', false)
      .orderBy('batch_index')
      .execute();
    return open.map((b) => b.batch_index);
  }

  /**
   * Fixes the run's size once the source is read. Batches may all have finished already; the row
   * lock on the run makes exactly one of this call and the last batch commit see the run complete.
   */
  async finishPlan(runId: string, rowCount: number, batchCount: number, now: number): Promise<{ completedRun: boolean }> {
    return this.#db.transaction().execute(async (trx) => {
      const run = await trx
        .updateTable('runs')
        .set({ row_count: rowCount, batch_count: batchCount })
        .where('id', '=', runId)
        .returning(['batches_done'])
        .executeTakeFirst();
      if (!run || run.batches_done < batchCount) return { completedRun: false };
      return { completedRun: await markCompleted(trx, runId, now) };
    });
  }

  async batch(runId: string, batchIndex: number) {
    return this.#db.selectFrom('run_batches').selectAll().where('run_id', '=', runId).where('batch_index', '=', batchIndex).executeTakeFirst();
  }

  async rows(runId: string, first: number, count: number): Promise<RowToStore[]> {
    return this.#db
      .selectFrom('run_rows')
      .select(['row_index', 'item', 'sample'])
      .where('run_id', '=', runId)
      .where('row_index', '>=', first)
      .where('row_index', '<', first + count)
      .orderBy('row_index')
      .execute();
  }

  /**
   * One transaction per batch: insert the items that are new, add their counts, and (when the
   * batch finished) mark it done and complete the run if it was the last. Returns whether this call
   * completed the run.
   */
  async commit(runId: string, batchIndex: number, outcome: BatchOutcome, finished: boolean, now: number): Promise<{ completedRun: boolean }> {
    return this.#db.transaction().execute(async (trx) => {
      const inserted = new Set<number>();
      for (let i = 0; i < outcome.items.length; i += 200) {
        const slice = outcome.items.slice(i, i + 200);
        const rows = await trx
          .insertInto('output_items')
          .values(
            slice.map((it) => ({
              id: it.id,
              run_id: runId,
              eval_id: outcome.evalId,
              datasource_item_id: it.datasource_item_id,
              status: it.status,
              datasource_item: JSON.stringify(it.datasource_item),
              results: JSON.stringify(it.results),
              sample: JSON.stringify(it.sample),
              created_at: now,
              error_code: errorCodeOf(it),
            })),
          )
          .onConflict((oc) => oc.columns(['run_id', 'datasource_item_id']).doNothing())
          .returning('datasource_item_id')
          .execute();
        for (const r of rows) inserted.add(r.datasource_item_id);
      }
      const fresh = outcome.items.filter((it) => inserted.has(it.datasource_item_id));
      if (fresh.length > 0) {
        const passed = fresh.filter((it) => it.status === 'pass').length;
        const errored = fresh.filter((it) => it.errored).length;
        const cacheHits = fresh.reduce((sum, it) => sum + (it.cache_hits ?? 0), 0);
        await trx
          .updateTable('runs')
          .set((eb) => ({
            passed: eb('passed', '+', passed),
            errored: eb('errored', '+', errored),
            failed: eb('failed', '+', fresh.length - passed - errored),
            ...(cacheHits > 0 ? { cache_hits: eb('cache_hits', '+', cacheHits) } : {}),
          }))
          .where('id', '=', runId)
          .execute();
        const perCriterion = outcome.criterionIds.map((criterion_id, position) => {
          let p = 0;
          for (const it of fresh) if (it.results[position]?.passed === true) p++;
          return { run_id: runId, criterion_id, position, passed: p, failed: fresh.length - p };
        });
        if (perCriterion.length > 0) {
          await trx
            .insertInto('run_criterion_counts')
            .values(perCriterion)
            .onConflict((oc) =>
              oc.columns(['run_id', 'criterion_id']).doUpdateSet((eb) => ({
                passed: sql`${eb.ref('run_criterion_counts.passed')} + ${eb.ref('excluded.passed')}`,
                failed: sql`${eb.ref('run_criterion_counts.failed')} + ${eb.ref('excluded.failed')}`,
              })),
            )
            .execute();
        }
      }
      if (fresh.length > 0 && outcome.criterionIds.length > 0) await addGrades(trx, runId, fresh, outcome.criterionIds.length);
      const usage = sumUsage(fresh.flatMap((it) => it.usage));
      if (usage.length > 0) await addUsage(trx, runId, usage);
      if (!finished) return { completedRun: false };

      const marked = await trx
        .updateTable('run_batches')
        .set({ done: true })
        .where('run_id', '=', runId)
        .where('batch_index', '=', batchIndex)
        .where('done', '=', false)
        .returning('batch_index')
        .executeTakeFirst();
      if (!marked) return { completedRun: false };
      const run = await trx
        .updateTable('runs')
        .set((eb) => ({ batches_done: eb('batches_done', '+', 1) }))
        .where('id', '=', runId)
        .returning(['batches_done', 'batch_count'])
        .executeTakeFirstOrThrow();
      if (run.batch_count === null || run.batches_done < run.batch_count) return { completedRun: false };
      return { completedRun: await markCompleted(trx, runId, now) };
    });
  }

  async fail(runId: string, error: ApiErrorObject, now: number): Promise<void> {
    await this.#db
      .updateTable('runs')
      .set({ status: 'failed', error: JSON.stringify(error), finished_at: now })
      .where('id', '=', runId)
      .where('status', 'in', ['queued', 'in_progress'])
      .execute();
  }

  /** Staged rows are redundant once every output item exists. */
  async dropRows(runId: string): Promise<void> {
    await this.#db.deleteFrom('run_rows').where('run_id', '=', runId).execute();
  }
}

/** in_progress → completed; false when the run was canceled or failed meanwhile. */
async function markCompleted(trx: Kysely<Tables>, runId: string, now: number): Promise<boolean> {
  const done = await trx
    .updateTable('runs')
    .set({ status: 'completed', finished_at: now })
    .where('id', '=', runId)
    .where('status', '=', 'in_progress')
    .returning('id')
    .executeTakeFirst();
  return done !== undefined;
}

/** The report's per-criterion index rows and score bins of the items this batch added (migration 0003). */
async function addGrades(trx: Kysely<Tables>, runId: string, fresh: readonly GradedItem[], criterionCount: number): Promise<void> {
  const grades = gradeRows(runId, fresh, criterionCount);
  for (let i = 0; i < grades.length; i += 1000) await trx.insertInto('output_item_grades').values(grades.slice(i, i + 1000)).execute();
  const bins = scoreBins(runId, grades);
  for (let i = 0; i < bins.length; i += 1000) {
    await trx
      .insertInto('run_score_bins')
      .values(bins.slice(i, i + 1000))
      .onConflict((oc) => oc.columns(['run_id', 'position', 'value']).doUpdateSet((eb) => ({ count: sql`${eb.ref('run_score_bins.count')} + ${eb.ref('excluded.count')}` })))
      .execute();
  }
}

function sumUsage(all: readonly ModelUsage[]): ModelUsage[] {
  const byModel = new Map<string, ModelUsage>();
  for (const u of all) {
    const t = byModel.get(u.model_name);
    if (!t) byModel.set(u.model_name, { ...u });
    else {
      t.invocation_count += u.invocation_count;
      t.prompt_tokens += u.prompt_tokens;
      t.completion_tokens += u.completion_tokens;
      t.total_tokens += u.total_tokens;
      t.cached_tokens += u.cached_tokens;
    }
  }
  return [...byModel.values()];
}

async function addUsage(trx: Kysely<Tables>, runId: string, usage: readonly ModelUsage[]): Promise<void> {
  await trx
    .insertInto('run_model_usage')
    .values(usage.map((u) => ({ run_id: runId, ...u })))
    .onConflict((oc) =>
      oc.columns(['run_id', 'model_name']).doUpdateSet((eb) => ({
        invocation_count: sql`${eb.ref('run_model_usage.invocation_count')} + ${eb.ref('excluded.invocation_count')}`,
        prompt_tokens: sql`${eb.ref('run_model_usage.prompt_tokens')} + ${eb.ref('excluded.prompt_tokens')}`,
        completion_tokens: sql`${eb.ref('run_model_usage.completion_tokens')} + ${eb.ref('excluded.completion_tokens')}`,
        total_tokens: sql`${eb.ref('run_model_usage.total_tokens')} + ${eb.ref('excluded.total_tokens')}`,
        cached_tokens: sql`${eb.ref('run_model_usage.cached_tokens')} + ${eb.ref('excluded.cached_tokens')}`,
      })),
    )
    .execute();
}
