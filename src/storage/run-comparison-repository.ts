import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Tables } from './tables.ts';

/** Per criterion, the 2×2 table of two runs' output items paired by `datasource_item_id`. */
export interface PairedCriterionRow {
  criterion_id: string;
  paired: number;
  both_pass: number;
  regressions: number;
  fixes: number;
  both_fail: number;
  base_errored: number;
  head_errored: number;
  /** Pairs where both results carry a numeric score (the score means below are over these). */
  scored: number;
  base_score_mean: number | null;
  head_score_mean: number | null;
  delta_score_mean: number | null;
}

/** One item that flipped on at least one criterion. */
export interface FlippedItemRow {
  datasource_item_id: number;
  base_output_item_id: string;
  head_output_item_id: string;
  criteria: string[];
}

export type FlipDirection = 'regressions' | 'fixes';

export interface RunComparisonRows {
  counts: PairedCriterionRow[];
  /** `limit + 1` rows at most, so the caller can tell `has_more`. */
  regressions: FlippedItemRow[];
  fixes: FlippedItemRow[];
}

export interface ComparisonPage {
  regressionsAfter: number | null;
  fixesAfter: number | null;
  limit: number;
}

/** A run that can no longer start batches; a batch already under way may still commit (see `items`). */
const FINISHED = new Set(['completed', 'failed', 'canceled']);

/** The 2×2 aggregates over a paired relation `p(criterion_id, b_passed, h_passed, b_errored, h_errored, b_score, h_score)`. */
const AGGREGATES = sql`
  count(*)::int as paired,
  count(*) filter (where b_passed and h_passed)::int as both_pass,
  count(*) filter (where b_passed and not h_passed)::int as regressions,
  count(*) filter (where not b_passed and h_passed)::int as fixes,
  count(*) filter (where not b_passed and not h_passed)::int as both_fail,
  count(*) filter (where b_errored)::int as base_errored,
  count(*) filter (where h_errored)::int as head_errored,
  count(b_score + h_score)::int as scored,
  avg(b_score) filter (where h_score is not null) as base_score_mean,
  avg(h_score) filter (where b_score is not null) as head_score_mean,
  avg(h_score - b_score) as delta_score_mean`;

// One result of an output item, unpacked from the `results` json array. A result without a
// `passed` (an imported item) counts as not passed; a non-numeric score as no score. Only runs
// without grade rows (imported ones) are compared this way.
const resultsOf = (runId: string) => sql`
  select o.datasource_item_id,
         r.value->>'name' as criterion_id,
         coalesce((r.value->>'passed')::boolean, false) as passed,
         r.value->'error' is not null and json_typeof(r.value->'error') <> 'null' as errored,
         case when json_typeof(r.value->'score') = 'number' then (r.value->>'score')::float8 end as score
  from proctor.output_items o
  cross join lateral json_array_elements(o.results) r
  where o.run_id = ${runId}`;

/**
 * The pairs of two graded runs from the grades index: positions matched by criterion id (each
 * run's `run_criterion_counts`), items by `datasource_item_id`; only positions that hold a result
 * (`graded`) pair, and an errored result's score counts, exactly like the json results.
 */
const gradedPairs = (baseRunId: string, headRunId: string, where: RawBuilder<unknown> = sql`true`) => sql`
  select cb.criterion_id, cb.position, b.datasource_item_id,
         b.passed as b_passed, h.passed as h_passed, b.errored as b_errored, h.errored as h_errored,
         case when b.errored then b.error_score else b.score end as b_score,
         case when h.errored then h.error_score else h.score end as h_score
  from proctor.run_criterion_counts cb
  join proctor.run_criterion_counts ch on ch.run_id = ${headRunId} and ch.criterion_id = cb.criterion_id
  join proctor.output_item_grades b on b.run_id = ${baseRunId} and b.position = cb.position and b.graded
  join proctor.output_item_grades h on h.run_id = ${headRunId} and h.position = ch.position and h.datasource_item_id = b.datasource_item_id and h.graded
  where cb.run_id = ${baseRunId} and ${where}`;

const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function normalized(rows: PairedCriterionRow[]): PairedCriterionRow[] {
  return rows.map((r) => ({ ...r, base_score_mean: numberOrNull(r.base_score_mean), head_score_mean: numberOrNull(r.head_score_mean), delta_score_mean: numberOrNull(r.delta_score_mean) }));
}

/**
 * The comparison of two runs, aggregated by the database: nothing proportional to the run's size
 * reaches the process (a run can hold a million items). Graded runs pair through the grades index;
 * two finished ones are compared once and kept (`run_comparisons`), so later pages read a row and
 * an index range. A run still in progress is compared live; imported runs (no grade rows) from
 * their json results.
 */
export class RunComparisonRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async compare(baseRunId: string, headRunId: string, page: ComparisonPage): Promise<RunComparisonRows> {
    const [base, head] = await Promise.all([this.#state(this.#db, baseRunId), this.#state(this.#db, headRunId)]);
    if (!base.graded || !head.graded) return this.fromJson(baseRunId, headRunId, page);
    const counts = base.finished && head.finished ? ((await this.#cached(baseRunId, headRunId, base.items, head.items)) ?? (await this.#fill(baseRunId, headRunId))) : null;
    if (counts === null) return this.live(baseRunId, headRunId, page);
    const [regressions, fixes] = await Promise.all([
      this.#cachedFlipped(baseRunId, headRunId, 'regressions', page.regressionsAfter, page.limit),
      this.#cachedFlipped(baseRunId, headRunId, 'fixes', page.fixesAfter, page.limit),
    ]);
    return { counts, regressions, fixes };
  }

  /**
   * Status, item count and whether the run has grade rows. The count is the run's own counters,
   * updated in the transaction that adds its items (a graded run's never drift from its items).
   */
  async #state(db: Kysely<Tables>, runId: string): Promise<{ finished: boolean; items: number; graded: boolean }> {
    const r = await db
      .selectFrom('runs')
      .select((eb) => [
        'status',
        sql<number>`passed + failed + errored`.as('items'),
        eb.exists(eb.selectFrom('output_item_grades').select(sql`1`.as('one')).where('run_id', '=', runId)).as('has_grades'),
        eb.exists(eb.selectFrom('output_items').select(sql`1`.as('one')).where('run_id', '=', runId)).as('has_items'),
      ])
      .where('id', '=', runId)
      .executeTakeFirst();
    if (!r) return { finished: false, items: 0, graded: false };
    // A run with no items yet compares as empty either way; one with items but no grades was imported.
    return { finished: FINISHED.has(r.status), items: Number(r.items), graded: Boolean(r.has_grades) || !r.has_items };
  }

  async #cached(baseRunId: string, headRunId: string, baseItems: number, headItems: number): Promise<PairedCriterionRow[] | null> {
    const row = await this.#db
      .selectFrom('run_comparisons')
      .select(['counts', 'base_items', 'head_items'])
      .where('base_run_id', '=', baseRunId)
      .where('head_run_id', '=', headRunId)
      .executeTakeFirst();
    if (!row || row.base_items !== baseItems || row.head_items !== headItems) return null;
    return JSON.parse(row.counts) as PairedCriterionRow[];
  }

  /**
   * Compares two finished runs in one snapshot and keeps the result with the item counts it saw. A
   * concurrent fill of the same pair may win the insert; either result is the same comparison.
   */
  async #fill(baseRunId: string, headRunId: string): Promise<PairedCriterionRow[] | null> {
    // A concurrent fill of the same pair can fail this one's insert (a serialization error): that
    // request is then answered live, and the next one reads the other's result.
    return this.#db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const base = await this.#state(trx, baseRunId);
        const head = await this.#state(trx, headRunId);
        const counts = await this.#gradedCounts(trx, baseRunId, headRunId);
        await trx.deleteFrom('run_comparisons').where('base_run_id', '=', baseRunId).where('head_run_id', '=', headRunId).execute();
        const kept = await trx
          .insertInto('run_comparisons')
          .values({ base_run_id: baseRunId, head_run_id: headRunId, base_items: base.items, head_items: head.items, counts: JSON.stringify(counts) })
          .onConflict((oc) => oc.columns(['base_run_id', 'head_run_id']).doNothing())
          .returning('base_run_id')
          .executeTakeFirst();
        if (kept) {
          for (const direction of ['regressions', 'fixes'] as const) {
            const wasPassed = direction === 'regressions';
            await sql`
              insert into proctor.run_comparison_flips (base_run_id, head_run_id, direction, datasource_item_id, criteria)
              select ${baseRunId}, ${headRunId}, ${direction}, datasource_item_id, json_agg(criterion_id order by position)::text
              from (${gradedPairs(baseRunId, headRunId, sql`b.passed = ${wasPassed}`)}) p
              where h_passed = ${!wasPassed}
              group by datasource_item_id`.execute(trx);
          }
        }
        return counts;
      })
      .catch(() => null);
  }

  async #cachedFlipped(baseRunId: string, headRunId: string, direction: FlipDirection, after: number | null, limit: number): Promise<FlippedItemRow[]> {
    const rows = await this.#db
      .selectFrom('run_comparison_flips as f')
      .innerJoin('output_items as b', (j) => j.on('b.run_id', '=', baseRunId).onRef('b.datasource_item_id', '=', 'f.datasource_item_id'))
      .innerJoin('output_items as h', (j) => j.on('h.run_id', '=', headRunId).onRef('h.datasource_item_id', '=', 'f.datasource_item_id'))
      .select(['f.datasource_item_id', 'b.id as base_output_item_id', 'h.id as head_output_item_id', 'f.criteria'])
      .where('f.base_run_id', '=', baseRunId)
      .where('f.head_run_id', '=', headRunId)
      .where('f.direction', '=', direction)
      .where('f.datasource_item_id', '>', after ?? -1)
      .orderBy('f.datasource_item_id')
      .limit(limit + 1)
      .execute();
    return rows.map((r) => ({ ...r, criteria: JSON.parse(r.criteria) as string[] }));
  }

  async #gradedCounts(db: Kysely<Tables>, baseRunId: string, headRunId: string): Promise<PairedCriterionRow[]> {
    const { rows } = await sql<PairedCriterionRow>`
      select criterion_id, ${AGGREGATES}
      from (${gradedPairs(baseRunId, headRunId)}) p
      group by criterion_id`.execute(db);
    return normalized(rows);
  }

  /**
   * A run in progress: per criterion, the first `limit + 1` flipped items after the cursor (a walk
   * of the base's (run, position, passed, item) index probing the head's, stopping at the limit);
   * the first `limit + 1` of their union are the page, then their criteria.
   */
  async #gradedFlipped(baseRunId: string, headRunId: string, direction: FlipDirection, after: number | null, limit: number): Promise<FlippedItemRow[]> {
    const wasPassed = direction === 'regressions';
    const { rows } = await sql<FlippedItemRow>`
      with ids as (
        select distinct c.datasource_item_id
        from proctor.run_criterion_counts cb
        join proctor.run_criterion_counts ch on ch.run_id = ${headRunId} and ch.criterion_id = cb.criterion_id
        cross join lateral (
          select b.datasource_item_id
          from proctor.output_item_grades b
          where b.run_id = ${baseRunId} and b.position = cb.position and b.passed = ${wasPassed} and b.graded
            and b.datasource_item_id > ${after ?? -1}
            and exists (
              select 1 from proctor.output_item_grades h
              where h.run_id = ${headRunId} and h.position = ch.position and h.passed = ${!wasPassed}
                and h.datasource_item_id = b.datasource_item_id and h.graded)
          order by b.datasource_item_id
          limit ${limit + 1}
        ) c
        where cb.run_id = ${baseRunId}
        order by c.datasource_item_id
        limit ${limit + 1}
      )
      select p.datasource_item_id, bo.id as base_output_item_id, ho.id as head_output_item_id, p.criteria
      from (
        select datasource_item_id, json_agg(criterion_id order by position) as criteria
        from (${gradedPairs(baseRunId, headRunId, sql`b.passed = ${wasPassed} and b.datasource_item_id in (select datasource_item_id from ids)`)}) q
        where h_passed = ${!wasPassed}
        group by datasource_item_id
      ) p
      join proctor.output_items bo on bo.run_id = ${baseRunId} and bo.datasource_item_id = p.datasource_item_id
      join proctor.output_items ho on ho.run_id = ${headRunId} and ho.datasource_item_id = p.datasource_item_id
      order by p.datasource_item_id`.execute(this.#db);
    return rows;
  }

  async #jsonCounts(baseRunId: string, headRunId: string): Promise<PairedCriterionRow[]> {
    const { rows } = await sql<PairedCriterionRow>`
      with b as (${resultsOf(baseRunId)}), h as (${resultsOf(headRunId)})
      select criterion_id, ${AGGREGATES}
      from (
        select b.criterion_id, b.passed as b_passed, h.passed as h_passed, b.errored as b_errored, h.errored as h_errored, b.score as b_score, h.score as h_score
        from b join h on h.datasource_item_id = b.datasource_item_id and h.criterion_id = b.criterion_id
      ) p
      group by criterion_id`.execute(this.#db);
    return normalized(rows);
  }

  /**
   * Items that went `from` → `to` on at least one criterion (pass → fail: regressions), in
   * `datasource_item_id` order after `after`; `limit + 1` rows so the caller can tell `has_more`.
   * The scan walks the (run_id, datasource_item_id) index and stops at the limit.
   */
  async #jsonFlipped(baseRunId: string, headRunId: string, direction: FlipDirection, after: number | null, limit: number): Promise<FlippedItemRow[]> {
    const wasPassed = direction === 'regressions';
    const { rows } = await sql<FlippedItemRow>`
      select b.datasource_item_id, b.id as base_output_item_id, h.id as head_output_item_id, f.criteria
      from proctor.output_items b
      join proctor.output_items h on h.run_id = ${headRunId} and h.datasource_item_id = b.datasource_item_id
      cross join lateral (
        select json_agg(be.value->>'name' order by be.ordinality) as criteria
        from json_array_elements(b.results) with ordinality be
        join json_array_elements(h.results) he on he.value->>'name' = be.value->>'name'
        where coalesce((be.value->>'passed')::boolean, false) = ${wasPassed}
          and coalesce((he.value->>'passed')::boolean, false) = ${!wasPassed}
      ) f
      where b.run_id = ${baseRunId} and f.criteria is not null
        and b.datasource_item_id > ${after ?? -1}
      order by b.datasource_item_id
      limit ${limit + 1}`.execute(this.#db);
    return rows;
  }

  /** The comparison from the grades index without the cache (a run in progress; a lost fill race). */
  async live(baseRunId: string, headRunId: string, page: ComparisonPage): Promise<RunComparisonRows> {
    const [counts, regressions, fixes] = await Promise.all([
      this.#gradedCounts(this.#db, baseRunId, headRunId),
      this.#gradedFlipped(baseRunId, headRunId, 'regressions', page.regressionsAfter, page.limit),
      this.#gradedFlipped(baseRunId, headRunId, 'fixes', page.fixesAfter, page.limit),
    ]);
    return { counts, regressions, fixes };
  }

  /** The old computation from the json results, for any two runs: what the tests hold the index to. */
  async fromJson(baseRunId: string, headRunId: string, page: ComparisonPage): Promise<RunComparisonRows> {
    const [counts, regressions, fixes] = await Promise.all([
      this.#jsonCounts(baseRunId, headRunId),
      this.#jsonFlipped(baseRunId, headRunId, 'regressions', page.regressionsAfter, page.limit),
      this.#jsonFlipped(baseRunId, headRunId, 'fixes', page.fixesAfter, page.limit),
    ]);
    return { counts, regressions, fixes };
  }
}
