import { sql, type Kysely } from 'kysely';
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

// One result of an output item, unpacked from the `results` json array. A result without a
// `passed` (an imported item) counts as not passed; a non-numeric score as no score.
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
 * The comparison of two runs, aggregated by the database: nothing proportional to the run's size
 * reaches the process (a run can hold a million items).
 */
export class RunComparisonRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async pairedCounts(baseRunId: string, headRunId: string): Promise<PairedCriterionRow[]> {
    const { rows } = await sql<PairedCriterionRow>`
      with b as (${resultsOf(baseRunId)}), h as (${resultsOf(headRunId)})
      select b.criterion_id,
             count(*)::int as paired,
             count(*) filter (where b.passed and h.passed)::int as both_pass,
             count(*) filter (where b.passed and not h.passed)::int as regressions,
             count(*) filter (where not b.passed and h.passed)::int as fixes,
             count(*) filter (where not b.passed and not h.passed)::int as both_fail,
             count(*) filter (where b.errored)::int as base_errored,
             count(*) filter (where h.errored)::int as head_errored,
             count(b.score + h.score)::int as scored,
             avg(b.score) filter (where h.score is not null) as base_score_mean,
             avg(h.score) filter (where b.score is not null) as head_score_mean,
             avg(h.score - b.score) as delta_score_mean
      from b join h on h.datasource_item_id = b.datasource_item_id and h.criterion_id = b.criterion_id
      group by b.criterion_id`.execute(this.#db);
    return rows.map((r) => ({
      ...r,
      base_score_mean: r.base_score_mean === null ? null : Number(r.base_score_mean),
      head_score_mean: r.head_score_mean === null ? null : Number(r.head_score_mean),
      delta_score_mean: r.delta_score_mean === null ? null : Number(r.delta_score_mean),
    }));
  }

  /**
   * Items that went `from` → `to` on at least one criterion (pass → fail: regressions), in
   * `datasource_item_id` order after `after`; `limit + 1` rows so the caller can tell `has_more`.
   * The scan walks the (run_id, datasource_item_id) index and stops at the limit.
   */
  async flipped(baseRunId: string, headRunId: string, direction: 'regressions' | 'fixes', after: number | null, limit: number): Promise<FlippedItemRow[]> {
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
}
