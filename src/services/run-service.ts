import { badRequest, notFound } from '../domain/api-error.ts';
import { rowSchema, type DataSourceConfig } from '../domain/data-source-config.ts';
import { newRunId, nowSeconds } from '../domain/ids.ts';
import type { ListRunsQuery } from '../domain/list-query.ts';
import type { CreateRunRequest } from '../domain/run-requests.ts';
import type { EvalRunObject, ListObject } from '../domain/wire-objects.ts';
import type { RunQueue } from '../queue/run-queue.ts';
import type { FileRepository } from '../storage/file-repository.ts';
import type { RunRecord, RunRepository } from '../storage/run-repository.ts';
import type { StoredCompletionRepository } from '../storage/stored-completion-repository.ts';
import type { EvalService } from './eval-service.ts';
import { requireModel, type ModelResolverPort } from './model-resolver-port.ts';
import { presentList, presentRun } from './present.ts';
import { compileRowValidator } from './row-validator.ts';
import { SourceRowError, sourceRowErrorToApi, sourceRows, storedCompletionFilter } from '../sources/source-rows.ts';

export interface RunServiceDeps {
  evals: EvalService;
  runs: RunRepository;
  files: FileRepository;
  storedCompletions: StoredCompletionRepository;
  queue: RunQueue;
  /** Whether the model a run samples can be called (checked at creation). */
  models: ModelResolverPort;
  /** Base of `report_url` (the configured public URL, else the address the server is bound to). */
  publicUrl: () => string;
}

export class RunService {
  readonly #d: RunServiceDeps;
  constructor(deps: RunServiceDeps) {
    this.#d = deps;
  }

  async create(project: string, evalId: string, req: CreateRunRequest): Promise<EvalRunObject> {
    const evalRecord = await this.#d.evals.record(project, evalId);
    const source = req.data_source;
    const rowSource = source.source;
    if (rowSource.type === 'responses') {
      throw badRequest(
        "Source type 'responses' reads logged Responses API traffic; Proctor logs Chat Completions (POST /v1/chat/completions with store: true). Use a 'completions' data source with a 'stored_completions' source.",
        'data_source.source.type',
        'unsupported_data_source',
      );
    }
    // A stored_completions source without a model grades the logged answers as they are.
    const regrades = rowSource.type === 'stored_completions' && source.type !== 'jsonl' && (source.model === undefined || source.model === '') && source.input_messages === undefined;
    if (source.type !== 'jsonl' && !regrades && (source.model === undefined || source.model === '')) {
      throw badRequest(`Missing required parameter: 'data_source.model' (a '${source.type}' run samples this model for every row).`, 'data_source.model', 'missing_required_parameter');
    }
    if (source.type !== 'jsonl' && !regrades && source.input_messages === undefined) {
      throw badRequest(`Missing required parameter: 'data_source.input_messages' (what to send the model for each row).`, 'data_source.input_messages', 'missing_required_parameter');
    }
    // A model that does not resolve, or whose provider has no key, would error every row: 400 now.
    if (source.type !== 'jsonl' && !regrades && source.model !== undefined) requireModel(this.#d.models, source.model, 'data_source.model', 'model');
    const config = evalRecord.data_source_config as DataSourceConfig;

    let rows = 0;
    if (rowSource.type === 'stored_completions') {
      // Logged rows are Proctor's own records: counted, not validated.
      rows = await this.#d.storedCompletions.count(project, storedCompletionFilter(rowSource, config));
    } else {
      // Every row is checked before the run exists: a bad row is the caller's 400, not a failed run.
      // Rows of a sampling run carry no sample (the model makes it), so only `item` is checked then.
      const validate = compileRowValidator(rowSchema(config, source.type === 'jsonl'));
      try {
        for await (const { row, where } of sourceRows(rowSource, this.#d, project, config)) {
          const problem = validate(row);
          if (problem) {
            const param = rowSource.type === 'file_content' ? `${where}${problem.path}` : 'data_source.source.id';
            const field = problem.path.replace(/^\./, '') || 'row';
            throw badRequest(`Row ${rows} (${where}) does not match the eval's schema: '${field}' ${problem.message}.`, param, 'invalid_data_source');
          }
          rows++;
        }
      } catch (error) {
        if (error instanceof SourceRowError) throw sourceRowErrorToApi(error);
        throw error;
      }
    }

    const record = await this.#d.runs.insert({
      id: newRunId(),
      project,
      eval_id: evalId,
      name: req.name ?? `run-${rows}-rows`,
      model: source.type === 'jsonl' ? '' : (source.model ?? ''),
      data_source: source,
      metadata: req.metadata ?? null,
      created_at: nowSeconds(),
    });
    await this.#d.queue.enqueuePlan(record.id);
    return this.#present(record);
  }

  async record(project: string, evalId: string, runId: string): Promise<RunRecord> {
    await this.#d.evals.record(project, evalId);
    const run = await this.#d.runs.get(project, evalId, runId);
    if (!run) throw notFound(`No run found with id '${runId}' in eval '${evalId}'.`, 'run_id');
    return run;
  }

  async get(project: string, evalId: string, runId: string): Promise<EvalRunObject> {
    return this.#present(await this.record(project, evalId, runId));
  }

  async list(project: string, evalId: string, q: ListRunsQuery): Promise<ListObject<EvalRunObject>> {
    await this.#d.evals.record(project, evalId);
    const page = await this.#d.runs.list(project, evalId, q);
    const aggregates = await this.#d.runs.aggregates(page.data.map((r) => r.id));
    return presentList({ data: page.data.map((r) => presentRun(r, aggregates.get(r.id), this.#d.publicUrl())), has_more: page.has_more });
  }

  async cancel(project: string, evalId: string, runId: string): Promise<EvalRunObject> {
    await this.record(project, evalId, runId);
    await this.#d.runs.cancel(project, evalId, runId, nowSeconds());
    return this.get(project, evalId, runId);
  }

  async delete(project: string, evalId: string, runId: string): Promise<{ run_id: string }> {
    // Ownership first: nothing changes for a run that is not this project's, under this eval.
    await this.record(project, evalId, runId);
    // Cancel first so a worker holding a batch stops, then remove everything the run owns.
    await this.#d.runs.cancel(project, evalId, runId, nowSeconds());
    if (!(await this.#d.runs.delete(project, evalId, runId))) throw notFound(`No run found with id '${runId}' in eval '${evalId}'.`, 'run_id');
    return { run_id: runId };
  }

  async #present(run: RunRecord): Promise<EvalRunObject> {
    const aggregates = await this.#d.runs.aggregates([run.id]);
    return presentRun(run, aggregates.get(run.id), this.#d.publicUrl());
  }
}
