import type { OutputSample } from '../domain/wire-objects.ts';
import { fromRowSample, graderFields, outputMessages } from './model-output.ts';

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const int = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isInteger(v) ? v : fallback);

export interface JsonlSample {
  /** The output item's `sample`. */
  sample: OutputSample;
  /** What graders see under `sample.`, or null for a row without a sample. */
  graderSample: Record<string, unknown> | null;
}

/**
 * A jsonl row's pre-generated answer. The output item's `sample` is always in the spec's full
 * shape (architecture §6): the answer as one assistant message (with its tool calls), zero usage (no
 * model was called here), `model` from the row or "" and the sampling values the row states, else
 * the API's defaults. Graders see the row's sample as given plus `output_text`, `output_json`,
 * `output_tools` and `choices` derived exactly as for a sampled answer — from `output_text`, a
 * whole Chat Completion (`choices`), a Responses object or an output item's sample (`output`).
 */
export function jsonlSample(rowSample: Record<string, unknown> | null): JsonlSample {
  const s = rowSample ?? {};
  const out = fromRowSample(s);
  const finish = out.finishReason ?? (out.text === null ? '' : 'stop');
  const sample: OutputSample = {
    input: Array.isArray(s['input']) ? (s['input'] as unknown[]).map(wireInputMessage) : [],
    output: outputMessages(out),
    finish_reason: finish,
    model: typeof s['model'] === 'string' ? s['model'] : '',
    usage: { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 },
    error: null,
    temperature: num(s['temperature'], 1),
    max_completion_tokens: int(s['max_completion_tokens'], int(s['max_output_tokens'], 0)),
    top_p: num(s['top_p'], 1),
    seed: int(s['seed'], 0),
  };
  if (rowSample === null) return { sample, graderSample: null };
  const graderSample = { ...rowSample, ...graderFields(out, finish) };
  // `output_text: null` is no answer text: a template that needs it is flagged, not fed "null".
  if (out.text === null) delete graderSample['output_text'];
  // A row that states its own parsed output keeps it.
  if ('output_json' in rowSample && rowSample['output_json'] !== null) graderSample['output_json'] = rowSample['output_json'];
  return { sample, graderSample };
}

/**
 * A row's logged input message as the output item's `sample.input` reports it: the spec types
 * `content` as a string, so a logged assistant turn with only tool calls (`content: null`) reports
 * "" and a content given as parts reports their text joined; every other field (tool_calls,
 * tool_call_id, name) is kept as logged. Graders still see the row's sample as given.
 */
function wireInputMessage(message: unknown): unknown {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return message;
  const m = message as Record<string, unknown>;
  const content = m['content'];
  if (typeof content === 'string') return m;
  let text = '';
  if (Array.isArray(content)) {
    text = content
      .map((part) => (typeof part === 'string' ? part : typeof (part as { text?: unknown })?.text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  } else if (content !== null && content !== undefined) {
    text = JSON.stringify(content);
  }
  return { ...m, content: text };
}
