import type { JsonlRow } from '../domain/run-data-source.ts';
import type { StoredCompletionRecord } from '../storage/stored-completion-repository.ts';

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A logged chat completion as a run row. `item` is the request side — `input` (the messages, what
 * `item_reference: "item.input"` re-sends to another model), the model asked for, the log's
 * metadata, tools and response_format when given; `sample` is the logged answer in the shape
 * graders read (`output_text`, `output_json`, `output_tools`, `choices`) plus the values the
 * output item's sample reports (input, finish_reason, sampling parameters).
 */
export function storedCompletionRow(record: StoredCompletionRecord): JsonlRow {
  const request = record.request;
  const response = record.response;
  const messages = Array.isArray(request['messages']) ? request['messages'] : [];
  const item: Json = { input: messages, model: record.model, metadata: record.metadata, completion_id: record.id, created_at: record.created_at };
  if (request['tools'] !== undefined) item['tools'] = request['tools'];
  if (request['response_format'] !== undefined) item['response_format'] = request['response_format'];

  const choices = Array.isArray(response['choices']) ? (response['choices'] as unknown[]) : [];
  const first = isRecord(choices[0]) ? choices[0] : {};
  const message = isRecord(first['message']) ? first['message'] : {};
  const text = typeof message['content'] === 'string' ? message['content'] : '';
  const sample: Json = {
    model: record.response_model,
    choices,
    output_text: text,
    input: messages,
    finish_reason: typeof first['finish_reason'] === 'string' ? first['finish_reason'] : '',
  };
  const json = parseObject(text);
  if (json !== null) sample['output_json'] = json;
  if (Array.isArray(message['tool_calls'])) sample['output_tools'] = message['tool_calls'];
  for (const key of ['temperature', 'top_p', 'seed'] as const) if (typeof request[key] === 'number') sample[key] = request[key];
  const maxTokens = request['max_completion_tokens'] ?? request['max_tokens'];
  if (typeof maxTokens === 'number') sample['max_completion_tokens'] = maxTokens;
  return { item, sample };
}

function parseObject(text: string): Json | null {
  const t = text.trimStart();
  if (!t.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(t);
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}
