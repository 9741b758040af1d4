import type { EvalObject, EvalRunObject, OutputItemObject } from '../domain/wire-objects.ts';
import type { ItemQuery, ReportRepository } from '../storage/report-repository.ts';
import type { EvalService } from './eval-service.ts';
import { presentEval, presentOutputItem } from './present.ts';
import type { RunService } from './run-service.ts';

// The report builds item queries; it reads through services, never storage.
export type { ItemQuery };

export interface EvalSummary {
  eval: EvalObject;
  run_count: number;
  last_activity: number;
  latest_run: EvalRunObject | null;
}

export interface RunProgress {
  run: EvalRunObject;
  /** Rows in the data source once the run has read it; null before. */
  row_count: number | null;
}

export interface ItemListing {
  data: Array<OutputItemObject & { sort_score: number | null }>;
  next: { id: number; score?: number } | null;
  scanned_through: number | null;
}

// Not 'canceled': a batch in flight at the cancel may still commit its items.
const SETTLED = new Set(['completed', 'failed']);

/**
 * The web report's reads beyond the API's endpoints, scoped like them: every call first resolves
 * the eval/run through EvalService/RunService (another project's ids are their 404), then asks
 * the report repository. Objects come out in their wire shapes (present.ts), so the pages show the
 * API's numbers.
 */
export class ReportService {
  readonly #evals: EvalService;
  readonly #runs: RunService;
  readonly #repo: ReportRepository;
  /** Error summaries of finished runs do not change: kept per run id (bounded). */
  readonly #errorCache = new Map<string, Array<{ code: string; count: number }>>();

  constructor(deps: { evals: EvalService; runs: RunService; report: ReportRepository }) {
    this.#evals = deps.evals;
    this.#runs = deps.runs;
    this.#repo = deps.report;
  }

  async evalSummaries(project: string, o: { search?: string; beforeSeq?: number; limit: number }): Promise<{ data: EvalSummary[]; next_seq: number | null }> {
    const page = await this.#repo.evalSummaries(project, o);
    const data = await Promise.all(
      page.rows.map(async (r) => ({
        eval: presentEval(r.eval),
        run_count: r.run_count,
        last_activity: r.last_activity,
        latest_run: r.latest_run_id === null ? null : await this.#runs.get(project, r.eval.id, r.latest_run_id),
      })),
    );
    return { data, next_seq: page.nextSeq };
  }

  async progress(project: string, evalId: string, runId: string): Promise<RunProgress> {
    const record = await this.#runs.record(project, evalId, runId);
    return { run: await this.#runs.get(project, evalId, runId), row_count: record.row_count };
  }

  async items(project: string, evalId: string, runId: string, q: ItemQuery): Promise<ItemListing> {
    await this.#runs.record(project, evalId, runId);
    const page = await this.#repo.items(runId, q);
    return { data: page.rows.map((r) => ({ ...presentOutputItem(r), sort_score: r.sort_score })), next: page.next, scanned_through: page.scannedThrough };
  }

  /** Score counts per criterion position and value rounded to two significant digits. */
  async scoreBins(project: string, evalId: string, runId: string): Promise<Array<{ position: number; value: number; count: number }>> {
    await this.#runs.record(project, evalId, runId);
    return this.#repo.scoreBins(runId);
  }

  async errorCodes(project: string, evalId: string, runId: string): Promise<Array<{ code: string; count: number }>> {
    const run = await this.#runs.record(project, evalId, runId);
    const cached = this.#errorCache.get(runId);
    if (cached) return cached;
    const codes = await this.#repo.errorCodes(runId);
    if (SETTLED.has(run.status)) {
      if (this.#errorCache.size >= 500) this.#errorCache.delete(this.#errorCache.keys().next().value!);
      this.#errorCache.set(runId, codes);
    }
    return codes;
  }

  /** The eval, for pages that show it beside a run. */
  async eval(project: string, evalId: string): Promise<EvalObject> {
    return this.#evals.get(project, evalId);
  }
}
