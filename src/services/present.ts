import type { DataSourceConfig } from '../domain/data-source-config.ts';
import type { TestingCriterion } from '../domain/grader-config.ts';
import type { RunStatus } from '../domain/run-requests.ts';
import type { EvalObject, EvalRunObject, FileObject, GraderResult, ListObject, OutputItemObject, OutputSample } from '../domain/wire-objects.ts';
import type { EvalRecord } from '../storage/eval-repository.ts';
import type { FileRecord } from '../storage/file-repository.ts';
import type { OutputItemRecord } from '../storage/output-item-repository.ts';
import type { RunAggregates, RunRecord } from '../storage/run-repository.ts';

/** Stored records → wire objects. The one place response shapes are assembled. */
export function presentEval(e: EvalRecord): EvalObject {
  return {
    object: 'eval',
    id: e.id,
    name: e.name,
    data_source_config: e.data_source_config as DataSourceConfig,
    testing_criteria: e.testing_criteria as TestingCriterion[],
    created_at: e.created_at,
    metadata: e.metadata ?? {},
  };
}

export function presentRun(r: RunRecord, agg: RunAggregates | undefined, publicUrl: string): EvalRunObject {
  const criteria = agg?.criteria ?? [];
  const usage = agg?.usage ?? [];
  return {
    object: 'eval.run',
    id: r.id,
    eval_id: r.eval_id,
    status: r.status as RunStatus,
    model: r.model,
    name: r.name,
    created_at: r.created_at,
    report_url: `${publicUrl}/evals/${r.eval_id}/runs/${r.id}`,
    result_counts: { total: r.passed + r.failed + r.errored, errored: r.errored, failed: r.failed, passed: r.passed },
    // null until there is something to report, like the hosted service (architecture §1)
    per_model_usage: usage.length > 0 ? usage : null,
    per_testing_criteria_results: criteria.length > 0 ? criteria : null,
    data_source: r.data_source,
    metadata: r.metadata ?? {},
    error: r.error,
  };
}

export function presentOutputItem(o: OutputItemRecord): OutputItemObject {
  return {
    object: 'eval.run.output_item',
    id: o.id,
    run_id: o.run_id,
    eval_id: o.eval_id,
    created_at: o.created_at,
    status: o.status as 'pass' | 'fail',
    datasource_item_id: o.datasource_item_id,
    datasource_item: o.datasource_item,
    results: o.results as GraderResult[],
    sample: o.sample as OutputSample,
  };
}

export function presentFile(f: FileRecord): FileObject {
  return {
    object: 'file',
    id: f.id,
    bytes: f.bytes,
    created_at: f.created_at,
    ...(f.expires_at !== null ? { expires_at: f.expires_at } : {}),
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
  };
}

export function presentList<T extends { id: string }>(page: { data: T[]; has_more: boolean }): ListObject<T> {
  return {
    object: 'list',
    data: page.data,
    first_id: page.data[0]?.id ?? null,
    last_id: page.data.at(-1)?.id ?? null,
    has_more: page.has_more,
  };
}
