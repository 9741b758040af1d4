import { notFound } from '../domain/api-error.ts';
import { buildDataSourceConfig } from '../domain/data-source-config.ts';
import type { CreateEvalRequest, UpdateEvalRequest } from '../domain/eval-requests.ts';
import type { TestingCriterion } from '../domain/grader-config.ts';
import { newCriterionId, newEvalId, nowSeconds } from '../domain/ids.ts';
import type { ListEvalsQuery } from '../domain/list-query.ts';
import type { EvalObject, ListObject } from '../domain/wire-objects.ts';
import type { EvalRecord, EvalRepository } from '../storage/eval-repository.ts';
import { presentEval, presentList } from './present.ts';
import type { GraderService } from './grader-service.ts';
import { requireGraderModels, type ModelResolverPort } from './model-resolver-port.ts';
import { compileRowValidator } from './row-validator.ts';

/** The models graders would call, checked when an eval is created. */
export interface EvalModelChecks {
  models: ModelResolverPort;
  /** The configured `embedding_model` (`text_similarity` with `cosine`). */
  embeddingModel: string;
}

export class EvalService {
  readonly #evals: EvalRepository;
  readonly #graders: GraderService;
  readonly #checks: EvalModelChecks;
  constructor(evals: EvalRepository, graders: GraderService, checks: EvalModelChecks) {
    this.#evals = evals;
    this.#graders = graders;
    this.#checks = checks;
  }

  async create(project: string, req: CreateEvalRequest): Promise<EvalObject> {
    const dataSourceConfig = buildDataSourceConfig(req.data_source_config);
    // Compile now so a broken item_schema is the eval's 400, not every later run's.
    compileRowValidator(dataSourceConfig.schema);
    // Formulas must parse and python must compile: such mistakes are this request's 400.
    for (const [i, criterion] of req.testing_criteria.entries()) await this.#graders.validate(criterion, `testing_criteria[${i}]`);
    // A judge that cannot be called would error every row of every run: that is certain now.
    for (const [i, criterion] of req.testing_criteria.entries()) requireGraderModels(this.#checks.models, criterion, `testing_criteria[${i}]`, this.#checks.embeddingModel);
    const criteria: TestingCriterion[] = req.testing_criteria.map((c) => ({ ...c, id: newCriterionId(c.name) }));
    const record = await this.#evals.insert({
      id: newEvalId(),
      project,
      name: req.name ?? '',
      data_source_config: dataSourceConfig,
      testing_criteria: criteria,
      metadata: req.metadata ?? null,
      created_at: nowSeconds(),
    });
    return presentEval(record);
  }

  async record(project: string, evalId: string): Promise<EvalRecord> {
    const record = await this.#evals.get(project, evalId);
    if (!record) throw notFound(`No eval found with id '${evalId}'.`, 'eval_id');
    return record;
  }

  async get(project: string, evalId: string): Promise<EvalObject> {
    return presentEval(await this.record(project, evalId));
  }

  async list(project: string, q: ListEvalsQuery): Promise<ListObject<EvalObject>> {
    const page = await this.#evals.list(project, q);
    return presentList({ data: page.data.map(presentEval), has_more: page.has_more });
  }

  async update(project: string, evalId: string, req: UpdateEvalRequest): Promise<EvalObject> {
    const patch: { name?: string; metadata?: Record<string, string> | null } = {};
    if (req.name !== undefined) patch.name = req.name;
    if (req.metadata !== undefined) patch.metadata = req.metadata;
    const record = await this.#evals.update(project, evalId, patch, nowSeconds());
    if (!record) throw notFound(`No eval found with id '${evalId}'.`, 'eval_id');
    return presentEval(record);
  }

  async delete(project: string, evalId: string): Promise<{ object: 'eval.deleted'; deleted: true; eval_id: string }> {
    if (!(await this.#evals.delete(project, evalId))) throw notFound(`No eval found with id '${evalId}'.`, 'eval_id');
    return { object: 'eval.deleted', deleted: true, eval_id: evalId };
  }
}
