import type { SampleUsage } from '../domain/wire-objects.ts';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);

/**
 * Usage exactly as the upstream reported it, in the sample's shape. Absent fields count 0; an
 * absent `total_tokens` is the sum of the parts.
 */
function usage(prompt: unknown, completion: unknown, total: unknown, cached: unknown): SampleUsage {
  const prompt_tokens = count(prompt);
  const completion_tokens = count(completion);
  const total_tokens = typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : prompt_tokens + completion_tokens;
  return { prompt_tokens, completion_tokens, total_tokens, cached_tokens: count(cached) };
}

/** Chat Completions: `usage.prompt_tokens`, `completion_tokens`, `total_tokens`, `prompt_tokens_details.cached_tokens`. */
export function chatUsage(body: unknown): SampleUsage {
  const u = field(body, 'usage');
  return usage(field(u, 'prompt_tokens'), field(u, 'completion_tokens'), field(u, 'total_tokens'), field(field(u, 'prompt_tokens_details'), 'cached_tokens'));
}

/** Responses: `usage.input_tokens`, `output_tokens`, `total_tokens`, `input_tokens_details.cached_tokens`. */
export function responsesUsage(body: unknown): SampleUsage {
  const u = field(body, 'usage');
  return usage(field(u, 'input_tokens'), field(u, 'output_tokens'), field(u, 'total_tokens'), field(field(u, 'input_tokens_details'), 'cached_tokens'));
}

/** Embeddings: `usage.prompt_tokens`, `total_tokens`. */
export function embeddingsUsage(body: unknown): SampleUsage {
  const u = field(body, 'usage');
  return usage(field(u, 'prompt_tokens'), 0, field(u, 'total_tokens'), 0);
}
