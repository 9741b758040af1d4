import { sql, type Kysely, type Selectable } from 'kysely';
import { badRequest } from '../domain/api-error.ts';
import type { Page } from '../domain/list-query.ts';
import { afterTuple, splitPage, type Order } from './keyset.ts';
import type { StoredCompletionsTable, Tables } from './tables.ts';
import { jsonbFilter, jsonbText, textValue } from './json-text.ts';

export type StoredCompletionRecord = Selectable<StoredCompletionsTable>;

export interface NewStoredCompletion {
  id: string;
  project: string;
  model: string;
  response_model: string;
  metadata: Record<string, string>;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  created_at: number;
}

/** Which logged completions a `stored_completions` run source selects (all filters optional). */
export interface StoredCompletionFilter {
  metadata?: Record<string, string> | null | undefined;
  /** Matches the model asked for or the model that answered. */
  model?: string | null | undefined;
  /** Unix seconds, inclusive. */
  created_after?: number | null | undefined;
  created_before?: number | null | undefined;
  limit?: number | null | undefined;
}

export interface ListStoredCompletionsQuery {
  after?: string | undefined;
  limit: number;
  order: Order;
  model?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** Rows per round trip when a run reads its selection. */
const PAGE = 500;

/**
 * `metadata @> filter`, or null for no filter. A filter holding what no stored jsonb value can
 * (U+0000, a lone surrogate) matches nothing rather than failing the query: filters come from
 * requests and from stored evals, and neither may make a read fail.
 */
function metadataCondition(metadata: Record<string, string>) {
  if (Object.keys(metadata).length === 0) return null;
  const filter = jsonbFilter(metadata);
  return filter === null ? sql<boolean>`false` : sql<boolean>`metadata @> ${filter}::jsonb`;
}

export class StoredCompletionRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async insert(c: NewStoredCompletion): Promise<void> {
    await this.#db
      .insertInto('stored_completions')
      .values({ ...c, model: textValue(c.model), response_model: textValue(c.response_model), metadata: jsonbText(c.metadata), request: JSON.stringify(c.request), response: JSON.stringify(c.response) })
      .execute();
  }

  async get(project: string, id: string): Promise<StoredCompletionRecord | undefined> {
    return this.#db.selectFrom('stored_completions').selectAll().where('project', '=', project).where('id', '=', id).executeTakeFirst();
  }

  async updateMetadata(project: string, id: string, metadata: Record<string, string>): Promise<StoredCompletionRecord | undefined> {
    return this.#db
      .updateTable('stored_completions')
      .set({ metadata: jsonbText(metadata) })
      .where('project', '=', project)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async delete(project: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('stored_completions').where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async list(project: string, q: ListStoredCompletionsQuery): Promise<Page<StoredCompletionRecord>> {
    let query = this.#db.selectFrom('stored_completions').selectAll().where('project', '=', project);
    if (q.model !== undefined) query = query.where((eb) => eb.or([eb('model', '=', q.model!), eb('response_model', '=', q.model!)]));
    const byMetadata = q.metadata === undefined ? null : metadataCondition(q.metadata);
    if (byMetadata !== null) query = query.where(byMetadata);
    if (q.after !== undefined) {
      const cursor = await this.#db.selectFrom('stored_completions').select('seq').where('project', '=', project).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) throw badRequest(`No chat completion found with id '${q.after}' to page after.`, 'after');
      query = query.where(afterTuple(['seq'], [cursor.seq], q.order));
    }
    return splitPage(await query.orderBy('seq', q.order).limit(q.limit + 1).execute(), q.limit);
  }

  /** Counts what `select` would yield, without reading the bodies (a run's size at creation). */
  async count(project: string, f: StoredCompletionFilter): Promise<number> {
    const row = await this.#filtered(project, f).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
    const n = Number(row.n);
    return f.limit != null ? Math.min(n, f.limit) : n;
  }

  /** The selection oldest first (then in logging order), read a page at a time. */
  async *select(project: string, f: StoredCompletionFilter): AsyncGenerator<StoredCompletionRecord> {
    let remaining = f.limit ?? Number.POSITIVE_INFINITY;
    let after: [number, number] | null = null;
    while (remaining > 0) {
      let query = this.#filtered(project, f).selectAll();
      if (after !== null) query = query.where(afterTuple(['created_at', 'seq'], after, 'asc'));
      const rows = await query.orderBy('created_at').orderBy('seq').limit(Math.min(PAGE, remaining)).execute();
      for (const row of rows) yield row;
      if (rows.length < PAGE) return;
      remaining -= rows.length;
      const last = rows[rows.length - 1]!;
      after = [last.created_at, last.seq];
    }
  }

  #filtered(project: string, f: StoredCompletionFilter) {
    let query = this.#db.selectFrom('stored_completions').where('project', '=', project);
    const byMetadata = f.metadata == null ? null : metadataCondition(f.metadata);
    if (byMetadata !== null) query = query.where(byMetadata);
    if (f.model != null) query = query.where((eb) => eb.or([eb('model', '=', f.model!), eb('response_model', '=', f.model!)]));
    if (f.created_after != null) query = query.where('created_at', '>=', f.created_after);
    if (f.created_before != null) query = query.where('created_at', '<=', f.created_before);
    return query;
  }
}
