import type { Kysely, Selectable } from 'kysely';
import { badRequest } from '../domain/api-error.ts';
import type { ListRunsQuery, Page } from '../domain/list-query.ts';
import type { RunStatus } from '../domain/run-requests.ts';
import type { CriterionResultCounts, ModelUsage } from '../domain/wire-objects.ts';
import { afterTuple, splitPage } from './keyset.ts';
import type { RunsTable, Tables } from './tables.ts';

export type RunRecord = Selectable<RunsTable>;

export interface NewRun {
  id: string;
  project: string;
  eval_id: string;
  name: string;
  model: string;
  data_source: unknown;
  metadata: Record<string, string> | null;
  created_at: number;
}

/** Per-run aggregates kept in side tables so concurrent batches only ever add to them. */
export interface RunAggregates {
  criteria: CriterionResultCounts[];
  usage: ModelUsage[];
}

export class RunRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async insert(r: NewRun): Promise<RunRecord> {
    return this.#db
      .insertInto('runs')
      .values({
        ...r,
        status: 'queued',
        data_source: JSON.stringify(r.data_source),
        metadata: r.metadata === null ? null : JSON.stringify(r.metadata),
        error: null,
        row_count: null,
        batch_count: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async get(project: string, evalId: string, runId: string): Promise<RunRecord | undefined> {
    return this.#db
      .selectFrom('runs')
      .selectAll()
      .where('project', '=', project)
      .where('eval_id', '=', evalId)
      .where('id', '=', runId)
      .executeTakeFirst();
  }

  async getById(runId: string): Promise<RunRecord | undefined> {
    return this.#db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  }

  /** The few columns a batch needs — not the run's data source, which may hold megabytes of rows. */
  async header(runId: string): Promise<Pick<RunRecord, 'id' | 'project' | 'eval_id' | 'status'> | undefined> {
    return this.#db.selectFrom('runs').select(['id', 'project', 'eval_id', 'status']).where('id', '=', runId).executeTakeFirst();
  }

  async status(runId: string): Promise<RunStatus | undefined> {
    const row = await this.#db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirst();
    return row?.status as RunStatus | undefined;
  }

  /** Statuses of several runs at once (a deleted run is missing from the map). */
  async statuses(runIds: readonly string[]): Promise<Map<string, RunStatus>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.#db.selectFrom('runs').select(['id', 'status']).where('id', 'in', runIds).execute();
    return new Map(rows.map((r) => [r.id, r.status as RunStatus]));
  }

  async list(project: string, evalId: string, q: ListRunsQuery): Promise<Page<RunRecord>> {
    let query = this.#db.selectFrom('runs').selectAll().where('project', '=', project).where('eval_id', '=', evalId);
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    if (q.after !== undefined) {
      const cursor = await this.#db.selectFrom('runs').select('seq').where('eval_id', '=', evalId).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) throw badRequest(`No run found with id '${q.after}' to page after.`, 'after');
      query = query.where(afterTuple(['seq'], [cursor.seq], q.order));
    }
    const rows = await query.orderBy('seq', q.order).limit(q.limit + 1).execute();
    return splitPage(rows, q.limit);
  }

  async delete(project: string, evalId: string, runId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('runs')
      .where('project', '=', project)
      .where('eval_id', '=', evalId)
      .where('id', '=', runId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * Moves a live run to `canceled`; a run already finished keeps its status. Scoped like every
   * write the API makes: a run of another project or another eval is never touched.
   */
  async cancel(project: string, evalId: string, runId: string, now: number): Promise<void> {
    await this.#db
      .updateTable('runs')
      .set({ status: 'canceled', finished_at: now })
      .where('project', '=', project)
      .where('eval_id', '=', evalId)
      .where('id', '=', runId)
      .where('status', 'in', ['queued', 'in_progress'])
      .execute();
  }

  async aggregates(runIds: readonly string[]): Promise<Map<string, RunAggregates>> {
    const out = new Map<string, RunAggregates>();
    if (runIds.length === 0) return out;
    for (const id of runIds) out.set(id, { criteria: [], usage: [] });
    const [criteria, usage] = await Promise.all([
      this.#db.selectFrom('run_criterion_counts').selectAll().where('run_id', 'in', runIds).orderBy('run_id').orderBy('position').execute(),
      this.#db.selectFrom('run_model_usage').selectAll().where('run_id', 'in', runIds).orderBy('run_id').orderBy('model_name').execute(),
    ]);
    for (const c of criteria) out.get(c.run_id)?.criteria.push({ testing_criteria: c.criterion_id, passed: c.passed, failed: c.failed });
    for (const u of usage) {
      out.get(u.run_id)?.usage.push({
        model_name: u.model_name,
        invocation_count: Number(u.invocation_count),
        prompt_tokens: Number(u.prompt_tokens),
        completion_tokens: Number(u.completion_tokens),
        total_tokens: Number(u.total_tokens),
        cached_tokens: Number(u.cached_tokens),
      });
    }
    return out;
  }
}
