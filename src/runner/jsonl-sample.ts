import type { OutputSample } from '../domain/wire-objects.ts';

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const int = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : fallback);

function outputTextOf(sample: Record<string, unknown>): string | null {
  if (typeof sample['output_text'] === 'string') return sample['output_text'];
  // A chat-completion-shaped sample: the first choice's message.
  const choices = sample['choices'];
  if (Array.isArray(choices)) {
    const message = (choices[0] as { message?: { content?: unknown } } | undefined)?.message;
    if (typeof message?.content === 'string') return message.content;
  }
  return null;
}

/**
 * The output item's `sample` for a jsonl row, always in the spec's full shape (DESIGN §6): the
 * row's pre-generated output as one assistant message, zero usage (no model was called here),
 * `model` from the row or "" and the sampling values the row states, else the API's defaults.
 */
export function jsonlSample(rowSample: Record<string, unknown> | null): OutputSample {
  const s = rowSample ?? {};
  const text = outputTextOf(s);
  const input = Array.isArray(s['input']) ? (s['input'] as unknown[]) : [];
  return {
    input,
    output: text === null ? [] : [{ role: 'assistant', content: text }],
    finish_reason: typeof s['finish_reason'] === 'string' ? s['finish_reason'] : text === null ? '' : 'stop',
    model: typeof s['model'] === 'string' ? s['model'] : '',
    usage: { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 },
    error: null,
    temperature: num(s['temperature'], 1),
    max_completion_tokens: int(s['max_completion_tokens'], 0),
    top_p: num(s['top_p'], 1),
    seed: int(s['seed'], 0),
  };
}
