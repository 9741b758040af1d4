import type { Kysely } from 'kysely';
import type { Tables } from './tables.ts';

export interface ImportedEval {
  id: string;
  project: string;
  name: string;
  data_source_config: unknown;
  testing_criteria: unknown[];
  metadata: Record<string, string> | null;
  created_at: number;
}

export interface ImportedRun {
  id: string;
  project: string;
  eval_id: string;
  name: string;
  model: string;
  status: string;
  data_source: unknown;
  metadata: Record<string, string> | null;
  error: { code: string; message: string } | null;
  created_at: number;
  passed: number;
  failed: number;
  errored: number;
  criteria: { testing_criteria: string; passed: number; failed: number }[];
  usage: { model_name: string; invocation_count: number; prompt_tokens: number; completion_tokens: number; total_tokens: number; cached_tokens: number }[];
}

export interface ImportedOutputItem {
  id: string;
  datasource_item_id: number;
  status: string;
  datasource_item: Record<string, unknown>;
  results: unknown[];
  sample: unknown;
  created_at: number;
}

/**
 * Writes objects copied from another Evals-API endpoint under their own ids. Every write is an
 * insert that does nothing when the id is already there, so an import can run again (or resume
 * after being killed) without copying anything twice.
 */
export class ImportRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** The project that owns the id, if any: an id is never taken over from another project. */
  async evalOwner(id: string): Promise<string | undefined> {
    return (await this.#db.selectFrom('evals').select('project').where('id', '=', id).executeTakeFirst())?.project;
  }

  async runOwner(id: string): Promise<{ project: string; eval_id: string } | undefined> {
    return this.#db.selectFrom('runs').select(['project', 'eval_id']).where('id', '=', id).executeTakeFirst();
  }

  async insertEval(e: ImportedEval): Promise<boolean> {
    const r = await this.#db
      .insertInto('evals')
      .values({
        ...e,
        data_source_config: JSON.stringify(e.data_source_config),
        testing_criteria: JSON.stringify(e.testing_criteria),
        metadata: e.metadata === null ? null : JSON.stringify(e.metadata),
        updated_at: e.created_at,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The run with its counts and usage, in one transaction: a run is there whole or not at all. */
  async insertRun(r: ImportedRun, finishedAt: number): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('runs')
        .values({
          id: r.id,
          project: r.project,
          eval_id: r.eval_id,
          name: r.name,
          model: r.model,
          status: r.status,
          data_source: JSON.stringify(r.data_source),
          metadata: r.metadata === null ? null : JSON.stringify(r.metadata),
          error: r.error === null ? null : JSON.stringify(r.error),
          created_at: r.created_at,
          passed: r.passed,
          failed: r.failed,
          errored: r.errored,
          finished_at: finishedAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (r.criteria.length > 0) {
        await tx
          .insertInto('run_criterion_counts')
          .values(r.criteria.map((c, position) => ({ run_id: r.id, criterion_id: c.testing_criteria, position, passed: c.passed, failed: c.failed })))
          .onConflict((oc) => oc.columns(['run_id', 'criterion_id']).doNothing())
          .execute();
      }
      if (r.usage.length > 0) {
        await tx
          .insertInto('run_model_usage')
          .values(r.usage.map((u) => ({ run_id: r.id, ...u })))
          .onConflict((oc) => oc.columns(['run_id', 'model_name']).doNothing())
          .execute();
      }
      return true;
    });
  }

  /** How far a run's items got: their count and the last one in datasource order (to resume after). */
  async itemProgress(runId: string): Promise<{ count: number; last_id: string | null }> {
    const [count, last] = await Promise.all([
      this.#db.selectFrom('output_items').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow(),
      this.#db.selectFrom('output_items').select('id').where('run_id', '=', runId).orderBy('datasource_item_id', 'desc').limit(1).executeTakeFirst(),
    ]);
    return { count: Number(count.n), last_id: last?.id ?? null };
  }

  async insertOutputItems(runId: string, evalId: string, items: readonly ImportedOutputItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const r = await this.#db
      .insertInto('output_items')
      .values(
        items.map((o) => ({
          ...o,
          run_id: runId,
          eval_id: evalId,
          datasource_item: JSON.stringify(o.datasource_item),
          results: JSON.stringify(o.results),
          sample: JSON.stringify(o.sample),
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0);
  }

  async fileState(id: string): Promise<{ project: string; complete: boolean } | undefined> {
    return this.#db.selectFrom('files').select(['project', 'complete']).where('id', '=', id).executeTakeFirst();
  }

  async deleteFile(id: string): Promise<void> {
    await this.#db.deleteFrom('files').where('id', '=', id).execute();
  }
}
