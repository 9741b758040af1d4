import type { Kysely, Selectable } from 'kysely';
import { badRequest } from '../domain/api-error.ts';
import type { ListOutputItemsQuery, Page } from '../domain/list-query.ts';
import { afterTuple, splitPage } from './keyset.ts';
import type { OutputItemsTable, Tables } from './tables.ts';

export type OutputItemRecord = Selectable<OutputItemsTable>;

/** Output items are ordered by their row index in the data source: stable, and dense per run. */
export class OutputItemRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async get(runId: string, itemId: string): Promise<OutputItemRecord | undefined> {
    return this.#db.selectFrom('output_items').selectAll().where('run_id', '=', runId).where('id', '=', itemId).executeTakeFirst();
  }

  async list(runId: string, q: ListOutputItemsQuery): Promise<Page<OutputItemRecord>> {
    let query = this.#db.selectFrom('output_items').selectAll().where('run_id', '=', runId);
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    if (q.after !== undefined) {
      const cursor = await this.#db
        .selectFrom('output_items')
        .select('datasource_item_id')
        .where('run_id', '=', runId)
        .where('id', '=', q.after)
        .executeTakeFirst();
      if (!cursor) throw badRequest(`No output item found with id '${q.after}' to page after.`, 'after');
      query = query.where(afterTuple(['datasource_item_id'], [cursor.datasource_item_id], q.order));
    }
    const rows = await query.orderBy('datasource_item_id', q.order).limit(q.limit + 1).execute();
    return splitPage(rows, q.limit);
  }
}
