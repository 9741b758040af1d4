import type { GraderConfig } from '../domain/grader-config.ts';
import { badRequest } from '../domain/api-error.ts';

/**
 * What services need of providers/ at creation time: whether a model name resolves to a
 * configured provider that has a key. `ModelClients` satisfies it structurally (services never
 * import providers/), so an unknown model or a provider without a key is the creating request's
 * 400 — not a run whose every row errors with the same message.
 */
export interface ModelResolverPort {
  resolve(model: string): { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };
}

/** The model a request names must resolve; else a 400 naming `param`, with the resolver's reason. */
export function requireModel(models: ModelResolverPort, model: string, param: string, what: string): void {
  const resolution = models.resolve(model);
  if (!resolution.ok) throw badRequest(`The ${what} '${model}' cannot be called: ${resolution.message}.`, param, resolution.code);
}

/**
 * Every model a grader will call: judges (`label_model`, `score_model`, also inside `multi`) and
 * the embedding model of `text_similarity` with `cosine`.
 */
export function requireGraderModels(models: ModelResolverPort, grader: GraderConfig, param: string, embeddingModel: string): void {
  switch (grader.type) {
    case 'label_model':
    case 'score_model':
      requireModel(models, grader.model, `${param}.model`, 'judge model');
      return;
    case 'text_similarity':
      if (grader.evaluation_metric === 'cosine') requireModel(models, embeddingModel, `${param}.evaluation_metric`, 'embedding model (configured embedding_model)');
      return;
    case 'multi':
      for (const [key, sub] of Object.entries(grader.graders)) requireGraderModels(models, sub, `${param}.graders.${key}`, embeddingModel);
      return;
    default:
  }
}
