import type { TextSimilarityGraderConfig } from '../domain/grader-config.ts';
import type { ModelUsage } from '../domain/wire-objects.ts';
import { compileTemplate } from '../templates/render-template.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';
import { JUDGE_ERRORS, usageOf, type JudgeClient } from './judge-client.ts';

export type CosineGraderConfig = TextSimilarityGraderConfig & { evaluation_metric: 'cosine' };

/** An embedding as the upstream sent it: floats, or (encoding_format base64) little-endian float32. */
function toVector(embedding: unknown): number[] | null {
  if (Array.isArray(embedding)) return embedding.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (embedding as number[]) : null;
  if (typeof embedding !== 'string') return null;
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readFloatLE(i));
  return out.every(Number.isFinite) ? out : null;
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros (the angle is undefined). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  // sqrt(na * nb) rather than sqrt(na) * sqrt(nb): for identical vectors it is exactly `dot`, so 1.
  return Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb)));
}

/**
 * `text_similarity` with `cosine` (architecture §6): the rendered input and reference are embedded in one
 * embeddings call (two inputs) and the score is the cosine of the two vectors; passes iff score ≥
 * `pass_threshold` (default 1). An empty text is not sent (the API rejects it): two empty texts
 * score 1, one empty text 0. A failed call or unusable vectors are an error with score 0.
 */
export function createCosineGrader(config: CosineGraderConfig, judge: JudgeClient, embeddingModel: string): Grader {
  if (config.evaluation_metric !== 'cosine') throw new Error(`metric '${String(config.evaluation_metric)}' is not cosine`);
  const renderInput = compileTemplate(config.input);
  const renderReference = compileTemplate(config.reference);
  const threshold = config.pass_threshold ?? 1;
  return {
    type: 'text_similarity',
    async grade({ item, sample, signal }): Promise<GradeOutcome> {
      const ctx = { item, sample };
      const input = renderInput(ctx);
      const reference = renderReference(ctx);
      const variables = templateVariables(input.missing, reference.missing);
      const scored = (score: number, usage: ModelUsage[] = []): GradeOutcome => ({ score, passed: score >= threshold, sample: null, error: null, ...variables, usage });
      const failed = (code: string, message: string, usage: ModelUsage[] = []): GradeOutcome => ({ score: 0, passed: false, sample: null, error: { code, message }, ...variables, usage });

      if (input.text === '' || reference.text === '') return scored(input.text === reference.text ? 1 : 0);
      const result = await judge.embeddings(embeddingModel, [input.text, reference.text], signal);
      if (!result.ok) return failed(JUDGE_ERRORS.server, `the embeddings model '${embeddingModel}' failed (${result.error.code}): ${result.error.message}`);
      const usage = usageOf(embeddingModel, result.usage);
      const data = Array.isArray(result.value.data) ? result.value.data : [];
      // The upstream numbers its embeddings by input; do not trust the order it lists them in.
      const byIndex = (i: number) => toVector(data.find((d) => d.index === i)?.embedding ?? data[i]?.embedding);
      const a = byIndex(0);
      const b = byIndex(1);
      if (a === null || b === null || data.length !== 2) return failed(JUDGE_ERRORS.parse, `the embeddings model '${embeddingModel}' did not return two embeddings`, usage);
      if (a.length !== b.length || a.length === 0) return failed(JUDGE_ERRORS.parse, `the embeddings model '${embeddingModel}' returned vectors of different lengths (${a.length}, ${b.length})`, usage);
      return scored(cosine(a, b), usage);
    },
  };
}
