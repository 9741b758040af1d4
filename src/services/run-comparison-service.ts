import type { TestingCriterion } from '../domain/grader-config.ts';
import type { CompareRunsQuery, CriterionComparison, FlippedItem, RunComparisonObject } from '../domain/run-comparison.ts';
import { mcnemarExactP } from '../stats/mcnemar-exact.ts';
import { pairedDifferenceInterval } from '../stats/paired-difference-interval.ts';
import { wilsonInterval } from '../stats/wilson-interval.ts';
import type { FlippedItemRow, PairedCriterionRow, RunComparisonRepository } from '../storage/run-comparison-repository.ts';
import type { EvalService } from './eval-service.ts';
import type { RunService } from './run-service.ts';

const SIGNIFICANCE = 0.05;

/**
 * Two runs of one eval, item by item: per criterion the paired 2×2 table, both pass rates with
 * Wilson intervals, the paired difference (Newcombe) and the exact McNemar p; and the items that
 * regressed or got fixed. The counting happens in the database.
 */
export class RunComparisonService {
  readonly #evals: EvalService;
  readonly #runs: RunService;
  readonly #repo: RunComparisonRepository;
  constructor(evals: EvalService, runs: RunService, repo: RunComparisonRepository) {
    this.#evals = evals;
    this.#runs = runs;
    this.#repo = repo;
  }

  async compare(project: string, evalId: string, q: CompareRunsQuery): Promise<RunComparisonObject> {
    const evalRecord = await this.#evals.record(project, evalId);
    // Each run must be in this eval and project: anything else is the caller's 404.
    await this.#runs.record(project, evalId, q.base);
    await this.#runs.record(project, evalId, q.head);
    const { counts, regressions, fixes } = await this.#repo.compare(q.base, q.head, { regressionsAfter: q.regressions_after ?? null, fixesAfter: q.fixes_after ?? null, limit: q.limit });
    const defined = evalRecord.testing_criteria as TestingCriterion[];
    const byId = new Map(counts.map((c) => [c.criterion_id, c]));
    // The eval's criteria in their order; results under other names (an imported run) after them.
    const ids = [...defined.map((c) => c.id), ...counts.map((c) => c.criterion_id).filter((id) => !defined.some((c) => c.id === id))];
    const criteria = ids.map((id) => compareCriterion(id, defined.find((c) => c.id === id)?.name ?? id, byId.get(id)));
    return {
      object: 'eval.run_comparison',
      eval_id: evalId,
      base_run_id: q.base,
      head_run_id: q.head,
      criteria,
      regressions: page(regressions, q.limit),
      fixes: page(fixes, q.limit),
    };
  }
}

function page(rows: FlippedItemRow[], limit: number): { data: FlippedItem[]; has_more: boolean } {
  return {
    data: rows.slice(0, limit).map((r) => ({
      datasource_item_id: r.datasource_item_id,
      base_output_item_id: r.base_output_item_id,
      head_output_item_id: r.head_output_item_id,
      testing_criteria: r.criteria,
    })),
    has_more: rows.length > limit,
  };
}

export function compareCriterion(id: string, name: string, row: PairedCriterionRow | undefined): CriterionComparison {
  const r = row ?? { paired: 0, both_pass: 0, regressions: 0, fixes: 0, both_fail: 0, base_errored: 0, head_errored: 0, scored: 0, base_score_mean: null, head_score_mean: null, delta_score_mean: null };
  const n = r.paired;
  const basePassed = r.both_pass + r.regressions;
  const headPassed = r.both_pass + r.fixes;
  const difference = pairedDifferenceInterval({ bothPass: r.both_pass, regressions: r.regressions, fixes: r.fixes, bothFail: r.both_fail });
  const p = mcnemarExactP(r.regressions, r.fixes);
  return {
    testing_criteria: id,
    name,
    paired: n,
    base: { passed: basePassed, pass_rate: n === 0 ? null : basePassed / n, interval: wilsonInterval(basePassed, n), errored: r.base_errored },
    head: { passed: headPassed, pass_rate: n === 0 ? null : headPassed / n, interval: wilsonInterval(headPassed, n), errored: r.head_errored },
    both_pass: r.both_pass,
    regressions: r.regressions,
    fixes: r.fixes,
    both_fail: r.both_fail,
    difference: { estimate: difference.estimate, low: difference.low, high: difference.high },
    p_value: p,
    significant: p < SIGNIFICANCE,
    scores:
      r.scored > 0 && r.base_score_mean !== null && r.head_score_mean !== null && r.delta_score_mean !== null
        ? { paired: r.scored, base_mean: r.base_score_mean, head_mean: r.head_score_mean, delta_mean: r.delta_score_mean }
        : null,
  };
}
