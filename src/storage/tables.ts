import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely's view of the `proctor` schema. JSON columns are written as text (JSON.stringify) — `pg`
 * would turn a JS array into a Postgres array — and come back parsed by both drivers.
 */
type Json<T> = ColumnType<T, string, string>;
type JsonNullable<T> = ColumnType<T | null, string | null, string | null>;

export interface EvalsTable {
  id: string;
  project: string;
  name: string;
  data_source_config: Json<unknown>;
  testing_criteria: Json<unknown[]>;
  metadata: JsonNullable<Record<string, string>>;
  created_at: number;
  updated_at: number;
  seq: Generated<number>;
}

export interface RunsTable {
  id: string;
  project: string;
  eval_id: string;
  name: string;
  model: string;
  status: string;
  data_source: Json<unknown>;
  metadata: JsonNullable<Record<string, string>>;
  error: JsonNullable<{ code: string; message: string }>;
  created_at: number;
  seq: Generated<number>;
  row_count: number | null;
  batch_count: number | null;
  batches_done: Generated<number>;
  passed: Generated<number>;
  failed: Generated<number>;
  errored: Generated<number>;
  finished_at: number | null;
  /** Model calls of this run answered from the response cache (not on the wire). */
  cache_hits: Generated<number>;
}

export interface RunBatchesTable {
  run_id: string;
  batch_index: number;
  first_row: number;
  row_count: number;
  done: Generated<boolean>;
}

export interface RunRowsTable {
  run_id: string;
  row_index: number;
  item: Json<Record<string, unknown>>;
  sample: JsonNullable<Record<string, unknown>>;
}

export interface RunCriterionCountsTable {
  run_id: string;
  criterion_id: string;
  position: number;
  passed: number;
  failed: number;
}

export interface RunModelUsageTable {
  run_id: string;
  model_name: string;
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

export interface OutputItemsTable {
  id: string;
  run_id: string;
  eval_id: string;
  datasource_item_id: number;
  status: string;
  datasource_item: Json<Record<string, unknown>>;
  results: Json<unknown[]>;
  sample: Json<unknown>;
  created_at: number;
  /** The row's first error code; null when it did not error (migration 0003). */
  error_code: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One row per output item and criterion (migration 0003): what the report filters and sorts by. */
export interface OutputItemGradesTable {
  run_id: string;
  position: number;
  datasource_item_id: number;
  passed: boolean;
  score: number | null;
  /** Migration 0005: the item has a result here; it carries an error; the score that errored result carries. */
  graded: Generated<boolean>;
  errored: Generated<boolean>;
  error_score: ColumnType<number | null, number | null | undefined, number | null>;
}

/** A comparison of two finished runs (migration 0005), valid while both item counts are unchanged. */
export interface RunComparisonsTable {
  base_run_id: string;
  head_run_id: string;
  base_items: number;
  head_items: number;
  /** The per-criterion rows, json text. */
  counts: string;
}

/** The items of a cached comparison that flipped, per direction, with the flipped criteria (json text). */
export interface RunComparisonFlipsTable {
  base_run_id: string;
  head_run_id: string;
  direction: string;
  datasource_item_id: number;
  criteria: string;
}

/** Scores per run and criterion, counted per value rounded to two significant digits. */
export interface RunScoreBinsTable {
  run_id: string;
  position: number;
  value: number;
  count: number;
}

export interface FilesTable {
  id: string;
  project: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
  expires_at: number | null;
  complete: boolean;
  seq: Generated<number>;
}

export interface FileChunksTable {
  file_id: string;
  chunk_index: number;
  data: Uint8Array;
}

export interface StoredCompletionsTable {
  id: string;
  project: string;
  /** The model the caller asked for, and the one the upstream answered as (e.g. a dated snapshot). */
  model: string;
  response_model: string;
  metadata: Json<Record<string, string>>;
  request: Json<Record<string, unknown>>;
  response: Json<Record<string, unknown>>;
  created_at: number;
  seq: Generated<number>;
}

export interface Tables {
  evals: EvalsTable;
  runs: RunsTable;
  run_batches: RunBatchesTable;
  run_rows: RunRowsTable;
  run_criterion_counts: RunCriterionCountsTable;
  run_model_usage: RunModelUsageTable;
  output_items: OutputItemsTable;
  output_item_grades: OutputItemGradesTable;
  run_score_bins: RunScoreBinsTable;
  run_comparisons: RunComparisonsTable;
  run_comparison_flips: RunComparisonFlipsTable;
  files: FilesTable;
  file_chunks: FileChunksTable;
  stored_completions: StoredCompletionsTable;
}
