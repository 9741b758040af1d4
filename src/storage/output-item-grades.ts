import type { GraderResult } from '../domain/wire-objects.ts';
import type { GradedItem } from './run-progress-repository.ts';

/**
 * The report's per-item index rows (migration 0003), derived from what a batch commits. Pure, so
 * the write path and the migration's backfill agree on what "errored", "passed" and "score" mean.
 */

/** The code of the row's first error: the sampling error, else the first grader's; null if none. */
export function errorCodeOf(item: Pick<GradedItem, 'errored' | 'sample' | 'results'>): string | null {
  if (!item.errored) return null;
  const sampleError = item.sample.error;
  if (sampleError !== null && typeof sampleError === 'object' && typeof sampleError.code === 'string' && sampleError.code !== '') return sampleError.code;
  for (const r of item.results) {
    const e = r['error'] as { code?: unknown } | undefined;
    if (e !== undefined && e !== null && typeof e === 'object') return typeof e.code === 'string' && e.code !== '' ? e.code : 'grader_error';
  }
  return 'error';
}

/** A result's score when the grader produced one; null when it errored or did not run. */
export function scoreOf(result: GraderResult | undefined): number | null {
  if (result === undefined || (result['error'] !== undefined && result['error'] !== null)) return null;
  return typeof result.score === 'number' && Number.isFinite(result.score) ? result.score : null;
}

/** A score rounded to two significant digits: the key of its histogram bin (`run_score_bins`). */
export function roundScore(score: number): number {
  return score === 0 ? 0 : Number(score.toPrecision(2));
}

export interface GradeRow {
  run_id: string;
  position: number;
  datasource_item_id: number;
  passed: boolean;
  score: number | null;
  /** The item has a result at this position (a row that errored before grading has none). */
  graded: boolean;
  /** The result carries an error; its score then stays out of `score` but the comparison counts it. */
  errored: boolean;
  error_score: number | null;
}

/** One row per item and criterion; a row that errored before grading fails every criterion. */
export function gradeRows(runId: string, items: readonly GradedItem[], criterionCount: number): GradeRow[] {
  const out: GradeRow[] = [];
  for (const it of items) {
    for (let position = 0; position < criterionCount; position++) {
      const r = it.results[position];
      const errored = r !== undefined && r['error'] !== undefined && r['error'] !== null;
      const errorScore = errored && typeof r.score === 'number' && Number.isFinite(r.score) ? r.score : null;
      out.push({ run_id: runId, position, datasource_item_id: it.datasource_item_id, passed: r?.passed === true, score: scoreOf(r), graded: r !== undefined, errored, error_score: errorScore });
    }
  }
  return out;
}

/**
 * Counts per (criterion, rounded score) of these rows, sorted: concurrent batches upsert the same
 * keys, and taking their row locks in one order keeps them from deadlocking.
 */
export function scoreBins(runId: string, grades: readonly GradeRow[]): Array<{ run_id: string; position: number; value: number; count: number }> {
  const counts = new Map<string, { position: number; value: number; count: number }>();
  for (const g of grades) {
    if (g.score === null) continue;
    const value = roundScore(g.score);
    const key = `${g.position}:${value}`;
    const c = counts.get(key);
    if (c) c.count++;
    else counts.set(key, { position: g.position, value, count: 1 });
  }
  return [...counts.values()].sort((a, b) => a.position - b.position || a.value - b.value).map((c) => ({ run_id: runId, ...c }));
}
