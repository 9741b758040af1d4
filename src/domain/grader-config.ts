import { z } from 'zod';
import { textField } from './text-field.ts';
import { evalItemSchema } from './eval-item.ts';

/**
 * Grader configurations as the API accepts them, shared by eval testing criteria and the graders
 * endpoints. Every type of the official spec validates here; whether this build can *run* a type is
 * the runner's business (see graders/grader-registry.ts).
 */
const name = textField(256).refine((s) => s.length > 0, { message: 'name must not be empty' });

export const stringCheckGraderSchema = z.object({
  type: z.literal('string_check'),
  name,
  input: z.string().max(65_536),
  reference: z.string().max(65_536),
  operation: z.enum(['eq', 'ne', 'like', 'ilike']),
});

export const similarityMetrics = [
  'cosine', 'fuzzy_match', 'bleu', 'gleu', 'meteor',
  'rouge_1', 'rouge_2', 'rouge_3', 'rouge_4', 'rouge_5', 'rouge_l',
] as const;

export const textSimilarityGraderSchema = z.object({
  type: z.literal('text_similarity'),
  name,
  input: z.string().max(65_536),
  reference: z.string().max(65_536),
  evaluation_metric: z.enum(similarityMetrics),
  pass_threshold: z.number().optional(),
});

export const pythonGraderSchema = z.object({
  type: z.literal('python'),
  name,
  source: z.string().refine((src) => Buffer.byteLength(src, 'utf8') <= 262_144, { message: 'python source is at most 256 kB (UTF-8)' }),
  image_tag: z.string().optional(),
  pass_threshold: z.number().optional(),
});

const modelSamplingParams = z.object({
  seed: z.number().int().nullable().optional(),
  top_p: z.number().nullable().optional(),
  temperature: z.number().nullable().optional(),
  max_completions_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional(),
});

export const scoreModelGraderSchema = z.object({
  type: z.literal('score_model'),
  name,
  model: textField(256).refine((s) => s.length > 0, { message: 'model must not be empty' }),
  input: z.array(evalItemSchema).min(1),
  sampling_params: modelSamplingParams.optional(),
  range: z
    .tuple([z.number(), z.number()])
    .refine(([lo, hi]) => lo < hi, { message: 'range must be [min, max] with min < max' })
    .optional(),
  pass_threshold: z.number().optional(),
});

export const labelModelGraderSchema = z
  .object({
    type: z.literal('label_model'),
    name,
    model: textField(256).refine((s) => s.length > 0, { message: 'model must not be empty' }),
    input: z.array(evalItemSchema).min(1),
    labels: z.array(z.string()).min(1),
    passing_labels: z.array(z.string()).min(1),
  })
  .refine((g) => g.passing_labels.every((l) => g.labels.includes(l)), {
    message: 'every passing label must be one of labels',
    path: ['passing_labels'],
  });

const subGraderSchema = z.discriminatedUnion('type', [
  stringCheckGraderSchema,
  textSimilarityGraderSchema,
  pythonGraderSchema,
  scoreModelGraderSchema,
  labelModelGraderSchema,
]);

/**
 * `multi`: named sub-graders combined by `calculate_output` (architecture §6). `graders` is a map; the
 * official schema's single-grader form (a known defect) is accepted as a map of one, keyed by its
 * name. The formula itself is checked where the parser lives (graders/check-grader-config.ts).
 */
export const multiGraderSchema = z.object({
  type: z.literal('multi'),
  name,
  graders: z.preprocess(
    (g) => {
      if (g === null || typeof g !== 'object' || typeof (g as { type?: unknown }).type !== 'string') return g;
      const key = (g as { name?: unknown }).name;
      return { [typeof key === 'string' && key !== '' ? key : 'grader']: g };
    },
    z
      .record(textField(64).refine((s) => s.length > 0, { message: 'grader keys must not be empty' }), subGraderSchema)
      .refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 16, { message: 'graders must hold 1 to 16 named graders' }),
  ),
  calculate_output: z.string().min(1, 'calculate_output must not be empty').max(4096),
  pass_threshold: z.number().optional(),
});

/** A grader as the graders endpoints take it (`RunGraderRequest.grader`). */
export const graderSchema = z.discriminatedUnion('type', [
  stringCheckGraderSchema,
  textSimilarityGraderSchema,
  pythonGraderSchema,
  scoreModelGraderSchema,
  labelModelGraderSchema,
  multiGraderSchema,
]);

/** As an eval criterion the spec requires the threshold (EvalGraderTextSimilarity). */
const evalTextSimilaritySchema = textSimilarityGraderSchema.extend({ pass_threshold: z.number() });

/** The criteria an eval may hold (the spec's `testing_criteria` items). */
export const testingCriterionSchema = z.discriminatedUnion('type', [
  stringCheckGraderSchema,
  evalTextSimilaritySchema,
  pythonGraderSchema,
  scoreModelGraderSchema,
  labelModelGraderSchema,
  multiGraderSchema,
]);

export type GraderConfig = z.output<typeof graderSchema>;
export type MultiGraderConfig = z.output<typeof multiGraderSchema>;
export type StringCheckGraderConfig = z.output<typeof stringCheckGraderSchema>;
export type TextSimilarityGraderConfig = z.output<typeof textSimilarityGraderSchema>;
export type PythonGraderConfig = z.output<typeof pythonGraderSchema>;
export type TestingCriterionInput = z.output<typeof testingCriterionSchema>;
/** A stored criterion: the validated config plus its `<name>-<uuid>` id. */
export type TestingCriterion = TestingCriterionInput & { id: string };
