import type { TestingCriterion } from '../domain/grader-config.ts';
import { setMaxListeners } from 'node:events';
import { newOutputItemId, nowSeconds } from '../domain/ids.ts';
import type { DataSourceConfig } from '../domain/data-source-config.ts';
import type { RunDataSource, SamplingDataSource } from '../domain/run-data-source.ts';
import { createGrader, type GraderContext } from '../graders/grader-registry.ts';
import type { Logger } from '../logger.ts';
import type { BatchJob, PlanJob } from '../queue/job-queue.ts';
import { SourceRowError, sourceRows, type RowSource } from '../sources/source-rows.ts';
import type { EvalRepository } from '../storage/eval-repository.ts';
import type { FileRepository } from '../storage/file-repository.ts';
import type { GradedItem, RowToStore, RunProgressRepository } from '../storage/run-progress-repository.ts';
import type { RunRepository } from '../storage/run-repository.ts';
import type { StoredCompletionRepository } from '../storage/stored-completion-repository.ts';
import { compileMessages, type RenderMessages } from '../templates/render-messages.ts';
import { gradeRow, type CriterionGrader } from './grade-row.ts';
import { jsonlSample } from './jsonl-sample.ts';
import { RunStatusWatch } from './run-status-watch.ts';
import { reported, sampleModel } from './sample-model.ts';
import { cacheModeOf, rowSamplingClient, type CallOptions, type SamplingClient } from './sampling-client.ts';

export interface RunExecutorDeps {
  evals: EvalRepository;
  runs: RunRepository;
  progress: RunProgressRepository;
  files: FileRepository;
  storedCompletions: StoredCompletionRepository;
  batchSize: number;
  /**
   * Rows per batch when each row waits on a model: smaller commits that do not stall the event
   * loop while other batches' answers arrive, shorter batch tails, fewer rows held in memory.
   */
  samplingBatchSize: number;
  graders: GraderContext;
  sampling: SamplingClient;
  enqueueBatches(runId: string, batchIndexes: readonly number[]): Promise<void>;
  logger: Logger;
  /** The process's shared watch of run statuses (cancel reaches every batch through it); default: a polling one. */
  watch?: RunStatusWatch;
}

/** Rows go to the database in multi-row inserts of this many. */
const ROW_INSERT_CHUNK = 500;

/**
 * The run engine (architecture §2): a plan job streams the source into staged rows and fans out batch
 * jobs; each batch grades its rows and commits them in one transaction. Both are idempotent, so
 * pg-boss may retry either after a crash.
 */
export class RunExecutor {
  readonly #d: RunExecutorDeps;
  readonly #watch: RunStatusWatch;
  readonly #plans = new Map<string, SamplingPlan | null>();

  constructor(deps: RunExecutorDeps) {
    this.#d = deps;
    this.#watch = deps.watch ?? new RunStatusWatch(deps.runs, { logger: deps.logger });
  }

  async plan({ run_id }: PlanJob, signal: AbortSignal): Promise<void> {
    const run = await this.#d.runs.getById(run_id);
    if (!run || !(await this.#d.progress.start(run_id))) return; // deleted or canceled before it began
    const source = (run.data_source as RunDataSource).source as RowSource;
    const evalRecord = await this.#d.evals.get(run.project, run.eval_id);
    if (!evalRecord) return; // the eval was deleted with its runs
    const config = evalRecord.data_source_config as DataSourceConfig;
    const ds = run.data_source as RunDataSource;
    const samples = ds.type !== 'jsonl' && ds.model !== undefined && ds.model !== '';
    const size = samples ? this.#d.samplingBatchSize : this.#d.batchSize;
    // The first batch goes to work as soon as it is staged; later rows are staged in larger chunks.
    const firstChunk = Math.min(size, ROW_INSERT_CHUNK);
    let count = 0;
    let staged = 0; // rows written so far
    let batches = 0; // batches handed to workers so far
    let pending: RowToStore[] = [];
    // Each full batch is enqueued as soon as its rows are stored: grading overlaps reading.
    const flush = async (final: boolean) => {
      await this.#d.progress.insertRows(run_id, pending);
      staged += pending.length;
      pending = [];
      const ready: Array<{ batch_index: number; first_row: number; row_count: number }> = [];
      while (batches * size + size <= staged || (final && batches * size < staged)) {
        const first = batches * size;
        ready.push({ batch_index: batches, first_row: first, row_count: Math.min(size, staged - first) });
        batches++;
      }
      const open = await this.#d.progress.addBatches(run_id, ready);
      if (open.length > 0) await this.#d.enqueueBatches(run_id, open);
    };
    try {
      for await (const { index, row } of sourceRows(source, this.#d, run.project, config)) {
        pending.push({ row_index: index, item: row.item, sample: row.sample ?? null });
        count = index + 1;
        if (pending.length >= (batches === 0 ? firstChunk : ROW_INSERT_CHUNK)) {
          await flush(false);
          if (signal.aborted || !(await this.#watch.isLive(run_id))) return;
        }
      }
      await flush(true);
    } catch (error) {
      if (error instanceof SourceRowError) {
        // The source changed after validation (file deleted or replaced): the run cannot proceed.
        await this.#d.progress.fail(run_id, { code: 'invalid_data_source', message: error.message }, nowSeconds());
        return;
      }
      throw error;
    }
    const { completedRun } = await this.#d.progress.finishPlan(run_id, count, batches, nowSeconds());
    if (completedRun) await this.#d.progress.dropRows(run_id);
    this.#d.logger.info('run planned', { run_id, rows: count, batches });
  }

  /** A job ran out of retries: the run cannot complete, so it fails with the reason. */
  async giveUp(runId: string, what: string, error: unknown): Promise<void> {
    const message = `${what} of this run failed repeatedly: ${error instanceof Error ? error.message : String(error)}`;
    await this.#d.progress.fail(runId, { code: 'internal_error', message: message.slice(0, 2000) }, nowSeconds());
  }

  /** What a batch needs of its run's data source, read once per run per process (it may be large). */
  async #samplingOf(runId: string): Promise<SamplingPlan | null> {
    const hit = this.#plans.get(runId);
    if (hit !== undefined) return hit;
    const run = await this.#d.runs.getById(runId);
    const ds = run?.data_source as RunDataSource | undefined;
    let plan: SamplingPlan | null = null;
    // A run without a model (a stored_completions source) grades the logged answers as they are.
    if (ds && ds.type !== 'jsonl' && ds.model !== undefined && ds.model !== '') {
      const render = ds.input_messages ? compileMessages(ds.input_messages) : null;
      const cache = cacheModeOf(run?.metadata);
      plan = { ds, model: ds.model ?? '', render, options: cache === undefined ? {} : { cache } };
    }
    this.#plans.set(runId, plan);
    if (this.#plans.size > 256) this.#plans.delete(this.#plans.keys().next().value as string);
    return plan;
  }

  async batch({ run_id, batch_index }: BatchJob, jobSignal: AbortSignal): Promise<void> {
    if (!(await this.#watch.isLive(run_id))) return;
    const [run, batch] = await Promise.all([this.#d.runs.header(run_id), this.#d.progress.batch(run_id, batch_index)]);
    if (!run || !batch || batch.done) return;
    const evalRecord = await this.#d.evals.get(run.project, run.eval_id);
    if (!evalRecord) return;
    const criteria = evalRecord.testing_criteria as TestingCriterion[];
    const graders: CriterionGrader[] = criteria.map((criterion) => ({ criterion, grader: createGrader(criterion, this.#d.graders) }));
    const sampling = await this.#samplingOf(run_id);
    const rows = await this.#d.progress.rows(run_id, batch.first_row, batch.row_count);

    // Cancel reaches in-flight calls: the process's watch aborts the run's signal the moment the
    // run stops (NOTIFY, else its poll), and this batch's signal with it.
    const abort = new AbortController();
    // Every in-flight row (and each of its graders) listens on this one signal.
    setMaxListeners(ROW_CONCURRENCY * (criteria.length + 1) + 8, abort.signal);
    const onAbort = () => abort.abort();
    const runWatch = this.#watch.watch(run_id);
    if (runWatch.signal.aborted || jobSignal.aborted) abort.abort();
    runWatch.signal.addEventListener('abort', onAbort, { once: true });
    jobSignal.addEventListener('abort', onAbort, { once: true });
    const items: Array<GradedItem | undefined> = new Array(rows.length);
    try {
      await forEachConcurrently(rows, ROW_CONCURRENCY, async (row, i) => {
        if (abort.signal.aborted) return;
        const item = await this.#gradeOne(row, graders, sampling, abort.signal);
        // A row whose model call was cut short by cancel is not an answer: leave it ungraded.
        if (!abort.signal.aborted || item.usage.length > 0 || sampling === null) items[i] = item;
      });
    } finally {
      runWatch.signal.removeEventListener('abort', onAbort);
      jobSignal.removeEventListener('abort', onAbort);
      runWatch.release();
    }
    const done = items.filter((it): it is GradedItem => it !== undefined);
    const finished = done.length === rows.length;
    if (rows.length !== batch.row_count && finished) {
      // Staged rows missing: they were dropped by a completed run's cleanup, nothing left to do.
      this.#d.logger.warn('batch rows missing', { run_id, batch_index, expected: batch.row_count, found: rows.length });
    }
    const { completedRun } = await this.#d.progress.commit(run_id, batch_index, { evalId: run.eval_id, items: done, criterionIds: criteria.map((c) => c.id) }, finished, nowSeconds());
    if (completedRun) {
      await this.#d.progress.dropRows(run_id);
      const header = await this.#d.runs.getById(run_id);
      this.#d.logger.info('run completed', { run_id, cache_hits: header?.cache_hits ?? 0 });
    }
  }

  /** One row: sample the model when the source asks for it, then every criterion. */
  async #gradeOne(row: RowToStore, graders: readonly CriterionGrader[], sampling: SamplingPlan | null, signal: AbortSignal): Promise<GradedItem> {
    const base = { id: newOutputItemId(), datasource_item_id: row.row_index, datasource_item: row.item };
    if (sampling === null) {
      const { sample, graderSample } = jsonlSample(row.sample);
      const grade = await gradeRow(graders, row.item, graderSample, signal);
      if (grade.error !== null) sample.error = grade.error;
      return { ...base, status: grade.status, errored: grade.error !== null, results: grade.results, sample, usage: grade.usage };
    }
    const rendered = sampling.render ? sampling.render(row.item) : { ok: true as const, messages: [], missing: [] };
    if (!rendered.ok) {
      const error = { code: 'invalid_input_messages', message: rendered.message };
      const sample = { ...jsonlSample(null).sample, ...reported(sampling.ds), model: sampling.model, error };
      return { ...base, status: 'fail', errored: true, results: [], sample, usage: [] };
    }
    // The run's cache mode on each call; the row counts the calls the cache answered.
    const client = rowSamplingClient(this.#d.sampling, sampling.options);
    const sampled = await sampleModel(client.client, sampling.ds, sampling.model, rendered.messages, signal);
    if (sampled.failed) return { ...base, status: 'fail', errored: true, results: [], sample: sampled.sample, usage: sampled.usage, cache_hits: client.hits() };
    const grade = await gradeRow(graders, row.item, sampled.graderSample, signal);
    if (grade.error !== null) sampled.sample.error = grade.error;
    return { ...base, status: grade.status, errored: grade.error !== null, results: grade.results, sample: sampled.sample, usage: [...sampled.usage, ...grade.usage], cache_hits: client.hits() };
  }
}

interface SamplingPlan {
  ds: SamplingDataSource;
  model: string;
  render: RenderMessages | null;
  options: CallOptions;
}

/** Rows of a batch in flight at once; provider limits (max_concurrency, rpm, tpm) apply beneath. */
const ROW_CONCURRENCY = 64;

async function forEachConcurrently<T>(list: readonly T[], limit: number, fn: (value: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, list.length) }, async () => {
    while (next < list.length) {
      const i = next++;
      await fn(list[i] as T, i);
    }
  });
  await Promise.all(lanes);
}
