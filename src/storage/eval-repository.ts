import type { Kysely, Selectable } from 'kysely';
import { badRequest } from '../domain/api-error.ts';
import type { ListEvalsQuery, Page } from '../domain/list-query.ts';
import { afterTuple, splitPage } from './keyset.ts';
import type { EvalsTable, Tables } from './tables.ts';

export type EvalRecord = Selectable<EvalsTable>;

export interface NewEval {
  id: string;
  project: string;
  name: string;
  data_source_config: unknown;
  testing_criteria: unknown[];
  metadata: Record<string, string> | null;
  created_at: number;
}

export class EvalRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async insert(e: NewEval): Promise<EvalRecord> {
    return this.#db
      .insertInto('evals')
      .values({
        ...e,
        data_source_config: JSON.stringify(e.data_source_config),
        testing_criteria: JSON.stringify(e.testing_criteria),
        metadata: e.metadata === null ? null : JSON.stringify(e.metadata),
        updated_at: e.created_at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async get(project: string, id: string): Promise<EvalRecord | undefined> {
    return this.#db.selectFrom('evals').selectAll().where('project', '=', project).where('id', '=', id).executeTakeFirst();
  }

  async update(project: string, id: string, patch: { name?: string; metadata?: Record<string, string> | null }, now: number): Promise<EvalRecord | undefined> {
    return this.#db
      .updateTable('evals')
      .set({
        updated_at: now,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.metadata !== undefined ? { metadata: patch.metadata === null ? null : JSON.stringify(patch.metadata) } : {}),
      })
      .where('project', '=', project)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async delete(project: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('evals').where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async list(project: string, q: ListEvalsQuery): Promise<Page<EvalRecord>> {
    const byUpdated = q.order_by === 'updated_at';
    let query = this.#db.selectFrom('evals').selectAll().where('project', '=', project);
    if (q.after !== undefined) {
      const cursor = await this.#db.selectFrom('evals').select(['seq', 'updated_at']).where('project', '=', project).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) throw badRequest(`No eval found with id '${q.after}' to page after.`, 'after');
      query = query.where(byUpdated ? afterTuple(['updated_at', 'seq'], [cursor.updated_at, cursor.seq], q.order) : afterTuple(['seq'], [cursor.seq], q.order));
    }
    query = byUpdated ? query.orderBy('updated_at', q.order).orderBy('seq', q.order) : query.orderBy('seq', q.order);
    return splitPage(await query.limit(q.limit + 1).execute(), q.limit);
  }
}
