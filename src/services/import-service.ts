import { badRequest, notFound } from '../domain/api-error.ts';
import type { ImportEvalRequest, ImportFileQuery, ImportOutputItemsRequest, ImportRunRequest } from '../domain/import-requests.ts';
import { nowSeconds } from '../domain/ids.ts';
import type { FileRepository } from '../storage/file-repository.ts';
import type { ImportRepository } from '../storage/import-repository.ts';

/**
 * Proctor's import extension: objects copied from another Evals-API endpoint keep their ids, so
 * existing code and links keep working. Idempotent: an object already here is left as it is and
 * reported as not created; an id owned by another project is refused.
 */
export class ImportService {
  readonly #repo: ImportRepository;
  readonly #files: FileRepository;
  readonly #maxFileBytes: number;
  constructor(repo: ImportRepository, files: FileRepository, maxFileBytes: number) {
    this.#repo = repo;
    this.#files = files;
    this.#maxFileBytes = maxFileBytes;
  }

  async putEval(project: string, evalId: string, req: ImportEvalRequest): Promise<{ object: 'proctor.import.eval'; id: string; created: boolean }> {
    const owner = await this.#repo.evalOwner(evalId);
    if (owner !== undefined && owner !== project) throw badRequest(`The id '${evalId}' is in use.`, 'eval_id', 'id_in_use');
    const created =
      owner === undefined &&
      (await this.#repo.insertEval({
        id: evalId,
        project,
        name: req.name ?? '',
        data_source_config: req.data_source_config,
        testing_criteria: req.testing_criteria,
        metadata: req.metadata ?? null,
        created_at: req.created_at,
      }));
    return { object: 'proctor.import.eval', id: evalId, created };
  }

  async putRun(project: string, evalId: string, runId: string, req: ImportRunRequest): Promise<{ object: 'proctor.import.run'; id: string; created: boolean; output_items: number; last_output_item_id: string | null }> {
    await this.#ownEval(project, evalId);
    const owner = await this.#repo.runOwner(runId);
    if (owner !== undefined && (owner.project !== project || owner.eval_id !== evalId)) throw badRequest(`The id '${runId}' is in use.`, 'run_id', 'id_in_use');
    const created =
      owner === undefined &&
      (await this.#repo.insertRun(
        {
          id: runId,
          project,
          eval_id: evalId,
          name: req.name ?? '',
          model: req.model ?? '',
          status: req.status,
          data_source: req.data_source,
          metadata: req.metadata ?? null,
          error: req.error && (req.error.code || req.error.message) ? { code: req.error.code ?? '', message: req.error.message ?? '' } : null,
          created_at: req.created_at,
          passed: req.result_counts.passed,
          failed: req.result_counts.failed,
          errored: req.result_counts.errored,
          criteria: req.per_testing_criteria_results ?? [],
          usage: (req.per_model_usage ?? []).map((u) => ({ ...u, cached_tokens: u.cached_tokens ?? 0 })),
        },
        nowSeconds(),
      ));
    const progress = await this.#repo.itemProgress(runId);
    return { object: 'proctor.import.run', id: runId, created, output_items: progress.count, last_output_item_id: progress.last_id };
  }

  async putOutputItems(project: string, evalId: string, runId: string, req: ImportOutputItemsRequest): Promise<{ object: 'proctor.import.output_items'; inserted: number }> {
    await this.#ownEval(project, evalId);
    const owner = await this.#repo.runOwner(runId);
    if (owner === undefined || owner.project !== project || owner.eval_id !== evalId) throw notFound(`No run found with id '${runId}' in eval '${evalId}'.`, 'run_id');
    return { object: 'proctor.import.output_items', inserted: await this.#repo.insertOutputItems(runId, evalId, req.data) };
  }

  /** A file's bytes under its id; a half-written copy (an import killed mid-file) is written again. */
  async putFile(project: string, fileId: string, q: ImportFileQuery, body: AsyncIterable<Uint8Array>): Promise<{ object: 'proctor.import.file'; id: string; created: boolean }> {
    const state = await this.#repo.fileState(fileId);
    if (state !== undefined && state.project !== project) throw badRequest(`The id '${fileId}' is in use.`, 'file_id', 'id_in_use');
    if (state?.complete) {
      for await (const chunk of body) void chunk; // drain: the connection stays usable
      return { object: 'proctor.import.file', id: fileId, created: false };
    }
    if (state !== undefined) await this.#repo.deleteFile(fileId);
    await this.#files.create({ id: fileId, project, filename: q.filename, purpose: '', created_at: q.created_at, expires_at: null });
    try {
      await this.#files.writeContent(fileId, body, this.#maxFileBytes);
    } catch (error) {
      await this.#repo.deleteFile(fileId);
      throw error;
    }
    await this.#files.setAttributes(fileId, q.purpose, null);
    return { object: 'proctor.import.file', id: fileId, created: true };
  }

  async #ownEval(project: string, evalId: string): Promise<void> {
    if ((await this.#repo.evalOwner(evalId)) !== project) throw notFound(`No eval found with id '${evalId}'.`, 'eval_id');
  }
}
