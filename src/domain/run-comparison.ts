import { z } from 'zod';

/**
 * `GET /v1/evals/{eval_id}/compare?base=&head=` — a Proctor extension: two runs of one eval,
 * paired item by item (`datasource_item_id`), per testing criterion. Field names are snake_case
 * like the rest of the wire.
 */
const runIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a run id');
const itemCursor = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a datasource_item_id')
  .transform(Number)
  .optional();

export const compareRunsQuerySchema = z.object({
  base: runIdParam,
  head: runIdParam,
  /** Items per list (regressions, fixes). */
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1, 'limit must be between 1 and 1000').max(1000, 'limit must be between 1 and 1000'))
    .optional()
    .transform((v) => v ?? 100),
  /** Page on: the last `datasource_item_id` of the previous page of each list. */
  regressions_after: itemCursor,
  fixes_after: itemCursor,
});
export type CompareRunsQuery = z.output<typeof compareRunsQuerySchema>;

export interface RateWithInterval {
  passed: number;
  pass_rate: number | null;
  interval: { low: number; high: number };
}

export interface CriterionComparison {
  /** The criterion's id (as in `per_testing_criteria_results[].testing_criteria`) and its name. */
  testing_criteria: string;
  name: string;
  /** Items graded on this criterion in both runs. */
  paired: number;
  base: RateWithInterval & { errored: number };
  head: RateWithInterval & { errored: number };
  both_pass: number;
  /** pass → fail */
  regressions: number;
  /** fail → pass */
  fixes: number;
  both_fail: number;
  /** head pass rate − base pass rate over the paired items, with Newcombe's paired 95 % interval. */
  difference: { estimate: number; low: number; high: number };
  /** Exact two-sided McNemar p of regressions against fixes. */
  p_value: number;
  /** p < 0.05 */
  significant: boolean;
  /** Present when the criterion yields numeric scores in both runs (means over pairs with both). */
  scores: { paired: number; base_mean: number; head_mean: number; delta_mean: number } | null;
}

export interface FlippedItem {
  datasource_item_id: number;
  base_output_item_id: string;
  head_output_item_id: string;
  /** Ids of the criteria that flipped this way. */
  testing_criteria: string[];
}

export interface RunComparisonObject {
  object: 'eval.run_comparison';
  eval_id: string;
  base_run_id: string;
  head_run_id: string;
  criteria: CriterionComparison[];
  regressions: { data: FlippedItem[]; has_more: boolean };
  fixes: { data: FlippedItem[]; has_more: boolean };
}
