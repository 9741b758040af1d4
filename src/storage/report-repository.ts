import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { EvalRecord } from './eval-repository.ts';
import type { OutputItemRecord } from './output-item-repository.ts';
import type { Tables } from './tables.ts';

/** Which items the report's table shows; every filter is served by an index of migration 0003. */
export interface ItemQuery {
  status?: 'pass' | 'fail' | 'errored';
  /** Only items whose criterion at this position passed (or failed). */
  criterion?: { position: number; passed: boolean };
  /** Row order (datasource_item_id ascending), or by one criterion's score (items without one are left out). */
  sort: { by: 'row' } | { by: 'score'; position: number; order: 'asc' | 'desc' };
  /** Exclusive keyset cursor in the sort order. */
  after?: { id: number; score?: number };
  /** Case-insensitive text in the item or the sample (input and output); scans at most `scanLimit` rows per page. */
  search?: string;
  limit: number;
  scanLimit: number;
}

export interface ItemPage {
  rows: Array<OutputItemRecord & { sort_score: number | null }>;
  /** Cursor of the next page; null at the end. */
  next: { id: number; score?: number } | null;
  /** A search page that stopped at its scan limit: the last row index it looked at. */
  scannedThrough: number | null;
}

export interface EvalSummaryRow {
  eval: EvalRecord;
  run_count: number;
  last_activity: number;
  latest_run_id: string | null;
}

/**
 * The web report's reads that the API has no endpoint for: filtered item pages, score bins, error
 * codes, eval summaries. Callers scope by project first (services/report-service.ts).
 */
export class ReportRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** Evals newest first, each with its run count, last activity and latest run. */
  async evalSummaries(project: string, o: { search?: string; beforeSeq?: number; limit: number }): Promise<{ rows: EvalSummaryRow[]; nextSeq: number | null }> {
    let q = this.#db
      .selectFrom('evals as e')
      .selectAll('e')
      .select([
        sql<number>`(select count(*) from proctor.runs r where r.eval_id = e.id)`.as('run_count'),
        sql<number>`greatest(e.updated_at, (select max(greatest(r.created_at, coalesce(r.finished_at, 0))) from proctor.runs r where r.eval_id = e.id))`.as('last_activity'),
        sql<string | null>`(select r.id from proctor.runs r where r.eval_id = e.id order by r.seq desc limit 1)`.as('latest_run_id'),
      ])
      .where('e.project', '=', project);
    if (o.search !== undefined && o.search !== '') {
      const needle = o.search.toLowerCase();
      q = q.where((eb) => eb.or([sql<boolean>`strpos(lower(e.name), ${needle}) > 0`, sql<boolean>`strpos(lower(coalesce(e.metadata::text, '')), ${needle}) > 0`, sql<boolean>`e.id = ${o.search}`]));
    }
    if (o.beforeSeq !== undefined) q = q.where('e.seq', '<', o.beforeSeq);
    const rows = await q.orderBy('e.seq', 'desc').limit(o.limit + 1).execute();
    const more = rows.length > o.limit;
    const kept = rows.slice(0, o.limit);
    return {
      rows: kept.map(({ run_count, last_activity, latest_run_id, ...e }) => ({ eval: e, run_count: Number(run_count), last_activity: Number(last_activity), latest_run_id })),
      nextSeq: more ? Number(kept.at(-1)!.seq) : null,
    };
  }

  async items(runId: string, q: ItemQuery): Promise<ItemPage> {
    if (q.search !== undefined && q.search !== '') return this.#searchItems(runId, q, q.search);
    let query = this.#filtered(this.#db.selectFrom('output_items as o').where('o.run_id', '=', runId), q);
    if (q.sort.by === 'score') {
      const { position, order } = q.sort;
      let scored = query
        .innerJoin('output_item_grades as s', (j) => j.onRef('s.run_id', '=', 'o.run_id').onRef('s.datasource_item_id', '=', 'o.datasource_item_id').on('s.position', '=', position))
        .where('s.score', 'is not', null);
      if (q.after?.score !== undefined) {
        const tuple = sql`(s.score, s.datasource_item_id)`;
        scored = scored.where(order === 'asc' ? sql<boolean>`${tuple} > (${q.after.score}, ${q.after.id})` : sql<boolean>`${tuple} < (${q.after.score}, ${q.after.id})`);
      }
      const rows = await scored
        .selectAll('o')
        .select(sql<number | null>`s.score`.as('sort_score'))
        .orderBy(sql`s.score`, order)
        .orderBy(sql`s.datasource_item_id`, order)
        .limit(q.limit + 1)
        .execute();
      return pageOf(rows, q.limit, (r) => ({ id: r.datasource_item_id, score: r.sort_score ?? 0 }));
    }
    if (q.after !== undefined) query = query.where('o.datasource_item_id', '>', q.after.id);
    const rows = await query.selectAll('o').select(sql<number | null>`null`.as('sort_score')).orderBy('o.datasource_item_id').limit(q.limit + 1).execute();
    return pageOf(rows, q.limit, (r) => ({ id: r.datasource_item_id }));
  }

  /** Status and criterion filters; the criterion one joins the grades index so it never reads json. */
  #filtered<O>(query: SelectQueryBuilder<Tables & { o: Tables['output_items'] }, 'o', O>, q: ItemQuery) {
    let out = query;
    if (q.status === 'pass') out = out.where('o.status', '=', 'pass');
    else if (q.status === 'fail') out = out.where('o.status', '=', 'fail').where('o.error_code', 'is', null);
    else if (q.status === 'errored') out = out.where('o.error_code', 'is not', null);
    if (q.criterion !== undefined) {
      const { position, passed } = q.criterion;
      out = out.where((eb) =>
        eb.exists(
          eb
            .selectFrom('output_item_grades as f')
            .select(sql`1`.as('one'))
            .whereRef('f.run_id', '=', 'o.run_id')
            .where('f.position', '=', position)
            .where('f.passed', '=', passed)
            .whereRef('f.datasource_item_id', '=', 'o.datasource_item_id'),
        ),
      );
    }
    return out;
  }

  /**
   * Free text is not indexed: a page scans the next `scanLimit` rows (in row order) and keeps the
   * matches, so a search costs the same at any run size and the page says how far it looked.
   */
  async #searchItems(runId: string, q: ItemQuery, search: string): Promise<ItemPage> {
    const after = q.after?.id ?? -1;
    const needle = search.toLowerCase();
    const window = this.#db
      .selectFrom('output_items')
      .selectAll()
      .where('run_id', '=', runId)
      .where('datasource_item_id', '>', after)
      .orderBy('datasource_item_id')
      .limit(q.scanLimit)
      .as('o');
    const query = this.#filtered(this.#db.selectFrom(window), q).where((eb) =>
      eb.or([sql<boolean>`strpos(lower(o.datasource_item::text), ${needle}) > 0`, sql<boolean>`strpos(lower(o.sample::text), ${needle}) > 0`]),
    );
    const rows = await query.selectAll('o').select(sql<number | null>`null`.as('sort_score')).orderBy('o.datasource_item_id').limit(q.limit + 1).execute();
    if (rows.length > q.limit) return pageOf(rows, q.limit, (r) => ({ id: r.datasource_item_id }));
    // Fewer matches than a page: continue after the window when it was full.
    const last = await this.#db
      .selectFrom('output_items')
      .select('datasource_item_id')
      .where('run_id', '=', runId)
      .where('datasource_item_id', '>', after)
      .orderBy('datasource_item_id')
      .offset(q.scanLimit - 1)
      .limit(1)
      .executeTakeFirst();
    if (last === undefined) return { rows, next: null, scannedThrough: null };
    const more = await this.#db.selectFrom('output_items').select('id').where('run_id', '=', runId).where('datasource_item_id', '>', last.datasource_item_id).limit(1).executeTakeFirst();
    return { rows, next: more ? { id: last.datasource_item_id } : null, scannedThrough: last.datasource_item_id };
  }

  /** Score counts per criterion position and rounded value (a few hundred rows at any run size). */
  async scoreBins(runId: string): Promise<Array<{ position: number; value: number; count: number }>> {
    const rows = await this.#db.selectFrom('run_score_bins').select(['position', 'value', 'count']).where('run_id', '=', runId).orderBy('position').orderBy('value').execute();
    return rows.map((r) => ({ position: Number(r.position), value: Number(r.value), count: Number(r.count) }));
  }

  /** Errored items by error code, most frequent first. */
  async errorCodes(runId: string): Promise<Array<{ code: string; count: number }>> {
    const rows = await this.#db
      .selectFrom('output_items')
      .select(['error_code', sql<number>`count(*)`.as('count')])
      .where('run_id', '=', runId)
      .where('error_code', 'is not', null)
      .groupBy('error_code')
      .execute();
    return rows.map((r) => ({ code: r.error_code ?? '', count: Number(r.count) })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  }
}

function pageOf<R extends OutputItemRecord & { sort_score: number | null }>(rows: R[], limit: number, cursor: (r: R) => { id: number; score?: number }): ItemPage {
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  return { rows: kept, next: more ? cursor(kept.at(-1)!) : null, scannedThrough: null };
}
