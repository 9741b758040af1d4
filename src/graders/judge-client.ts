import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { ApiErrorObject, ModelUsage, OutputSample, SampleUsage } from '../domain/wire-objects.ts';
import { messageText, type RenderedMessage } from '../templates/render-messages.ts';
import { toChatMessage } from '../templates/to-chat-message.ts';
import { templateVariables, type GradeOutcome } from './grader.ts';

/** One upstream call as data: the response with the usage the upstream reported, or why there is none. */
export type JudgeCallResult<T> =
  | { readonly ok: true; readonly value: T; readonly usage: SampleUsage; readonly model: string }
  | { readonly ok: false; readonly error: ApiErrorObject };

/**
 * What model graders need of providers/: a chat completion and embeddings. `ModelClients` satisfies
 * it structurally, so graders never import the provider layer (graders/README.md).
 */
export interface JudgeClient {
  chat(model: string, params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal?: AbortSignal): Promise<JudgeCallResult<ChatCompletion>>;
  embeddings(model: string, input: string | string[], signal?: AbortSignal): Promise<JudgeCallResult<CreateEmbeddingResponse>>;
}

/** The error codes of model graders (the names OpenAI's graders report). */
export const JUDGE_ERRORS = {
  server: 'model_grader_server_error',
  parse: 'model_grader_parse_error',
  refusal: 'model_grader_refusal_error',
} as const;

const ZERO: SampleUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 };

/** One model call in the run's `per_model_usage` form, named as the grader asked for the model. */
export const usageOf = (model: string, usage: SampleUsage): ModelUsage[] => [
  {
    model_name: model,
    invocation_count: 1,
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    cached_tokens: usage.cached_tokens,
  },
];

/** The sampling values a judge's sample reports: what was sent, else the API's defaults. */
export interface JudgeReported {
  temperature: number;
  top_p: number;
  seed: number;
  max_completion_tokens: number;
}

export const DEFAULT_REPORTED: JudgeReported = { temperature: 1, top_p: 1, seed: 42, max_completion_tokens: 0 };

export interface JudgeRequest {
  model: string;
  messages: RenderedMessage[];
  /** `response_format.json_schema.name`. */
  schemaName: string;
  schema: Record<string, unknown>;
  /** Extra Chat Completions parameters (temperature, seed, …). */
  params?: Omit<ChatCompletionCreateParamsNonStreaming, 'model' | 'messages' | 'response_format'>;
  reported?: JudgeReported;
}

/**
 * The judge's answer. `sample` is the judge's side of the row in the output item's sample shape
 * (rendered input, raw output, model, usage, finish_reason, error); `usage` is what the upstream
 * reported, empty when the call itself failed.
 */
export type JudgeAnswer =
  | { ok: true; result: unknown; sample: OutputSample; usage: ModelUsage[] }
  | { ok: false; error: ApiErrorObject; sample: OutputSample; usage: ModelUsage[] };

/** Parses a JSON reply; tolerates a Markdown code fence around it (providers without strict outputs). */
function parseReply(text: string): { ok: true; value: unknown } | { ok: false } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?\s*```\s*$/i.exec(text);
  try {
    return { ok: true, value: JSON.parse(fenced?.[1] ?? text) as unknown };
  } catch {
    return { ok: false };
  }
}

const clip = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * Asks the judge for a structured answer (`response_format: json_schema`, strict) and reads its
 * `result`. A failed call, a refusal and a reply that is not a JSON object with `result` are errors
 * as data; the reply's content is kept verbatim in `sample.output` either way.
 */
export async function askJudge(judge: JudgeClient, request: JudgeRequest, signal?: AbortSignal): Promise<JudgeAnswer> {
  const input = request.messages.map((m) => ({ role: m.role, content: messageText(m) }));
  const reported = request.reported ?? DEFAULT_REPORTED;
  const params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'> = {
    ...request.params,
    messages: request.messages.map(toChatMessage),
    response_format: { type: 'json_schema', json_schema: { name: request.schemaName, strict: true, schema: request.schema } },
  };
  const result = await judge.chat(request.model, params, signal);
  if (!result.ok) {
    const error = { code: JUDGE_ERRORS.server, message: `the judge model '${request.model}' failed (${result.error.code}): ${result.error.message}` };
    const sample: OutputSample = { input, output: [], finish_reason: '', model: request.model, usage: { ...ZERO }, error, ...reported };
    return { ok: false, error, sample, usage: [] };
  }
  const choice = result.value.choices[0];
  const raw = choice?.message.content ?? '';
  const refusal = choice?.message.refusal;
  const finish = choice?.finish_reason ?? '';
  const output: unknown[] = [{ role: 'assistant', content: raw, ...(refusal ? { refusal } : {}) }];
  const base = { input, output, finish_reason: finish, model: result.model, usage: result.usage, ...reported };
  const usage = usageOf(request.model, result.usage);
  const fail = (code: string, message: string): JudgeAnswer => {
    const error = { code, message };
    return { ok: false, error, sample: { ...base, error }, usage };
  };
  if (refusal) return fail(JUDGE_ERRORS.refusal, `the judge model refused to grade: ${clip(refusal)}`);
  const why = finish !== '' && finish !== 'stop' ? ` (finish_reason: ${finish})` : '';
  if (raw.trim() === '') return fail(JUDGE_ERRORS.parse, `the judge model returned no content${why}`);
  const parsed = parseReply(raw);
  if (!parsed.ok) return fail(JUDGE_ERRORS.parse, `the judge model's output is not JSON${why}: ${clip(raw)}`);
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, 'result')) {
    return fail(JUDGE_ERRORS.parse, `the judge model's output has no 'result'${why}: ${clip(raw)}`);
  }
  return { ok: true, result: (value as { result: unknown }).result, sample: { ...base, error: null }, usage };
}

/** A row the judge could not grade: score 0, the error, and the judge's sample (with the same error). */
export function judgeError(answer: JudgeAnswer, error: ApiErrorObject, missing: readonly string[]): GradeOutcome {
  return { score: 0, passed: false, sample: { ...answer.sample, error }, error, ...templateVariables(missing), usage: answer.usage };
}

/** The `steps` part of a judge's structured output: its reasoning, step by step. */
export const stepsSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { description: { type: 'string' }, conclusion: { type: 'string' } },
    required: ['description', 'conclusion'],
    additionalProperties: false,
  },
} as const;
