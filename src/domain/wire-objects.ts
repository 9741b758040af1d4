import type { DataSourceConfig } from './data-source-config.ts';
import type { TestingCriterion } from './grader-config.ts';
import type { Metadata } from './metadata.ts';
import type { RunStatus } from './run-requests.ts';

/** Response bodies, field for field as the wire carries them (snake_case end to end). */
export interface EvalObject {
  object: 'eval';
  id: string;
  name: string;
  data_source_config: DataSourceConfig;
  testing_criteria: TestingCriterion[];
  created_at: number;
  metadata: Metadata | null;
}

export interface ApiErrorObject {
  code: string;
  message: string;
}

export interface ResultCounts {
  total: number;
  errored: number;
  failed: number;
  passed: number;
}

export interface ModelUsage {
  model_name: string;
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

export interface CriterionResultCounts {
  testing_criteria: string;
  passed: number;
  failed: number;
}

export interface EvalRunObject {
  object: 'eval.run';
  id: string;
  eval_id: string;
  status: RunStatus;
  model: string;
  name: string;
  created_at: number;
  report_url: string;
  result_counts: ResultCounts;
  per_model_usage: ModelUsage[] | null;
  per_testing_criteria_results: CriterionResultCounts[] | null;
  data_source: unknown;
  metadata: Metadata | null;
  error: ApiErrorObject | null;
}

export interface SampleUsage {
  total_tokens: number;
  completion_tokens: number;
  prompt_tokens: number;
  cached_tokens: number;
}

export interface OutputSample {
  input: unknown[];
  output: unknown[];
  finish_reason: string;
  model: string;
  usage: SampleUsage;
  error: ApiErrorObject | null;
  temperature: number;
  max_completion_tokens: number;
  top_p: number;
  seed: number;
  [extra: string]: unknown;
}

export interface GraderResult {
  name: string;
  type: string;
  score: number;
  passed: boolean;
  sample: Record<string, unknown> | null;
  [extra: string]: unknown;
}

export interface OutputItemObject {
  object: 'eval.run.output_item';
  id: string;
  run_id: string;
  eval_id: string;
  created_at: number;
  status: 'pass' | 'fail';
  datasource_item_id: number;
  datasource_item: Record<string, unknown>;
  results: GraderResult[];
  sample: OutputSample;
}

export interface FileObject {
  object: 'file';
  id: string;
  bytes: number;
  created_at: number;
  expires_at?: number;
  filename: string;
  purpose: string;
  status: 'processed';
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}
