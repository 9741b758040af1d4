import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { SamplingDataSource } from '../domain/run-data-source.ts';
import type { ModelUsage, OutputSample, SampleUsage } from '../domain/wire-objects.ts';
import { messageText, type RenderedMessage } from '../templates/render-messages.ts';
import { toChatMessage } from '../templates/to-chat-message.ts';
import { toResponsesInput } from '../templates/to-responses-input.ts';
import { fromChatCompletion, fromOutputList, graderFields, outputMessages, type ModelOutput } from './model-output.ts';
import type { SamplingClient } from './sampling-client.ts';

export interface ModelSample {
  /** The output item's `sample`, in the spec's full shape. */
  sample: OutputSample;
  /** What graders see under `sample.`: the same plus output_text, output_json, output_tools, choices. */
  graderSample: Record<string, unknown>;
  usage: ModelUsage[];
  failed: boolean;
}

const ZERO: SampleUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 };

/** Sampling values as the output item reports them: what was sent, else the API's defaults. */
export function reported(ds: SamplingDataSource) {
  const p = ds.sampling_params ?? {};
  return {
    temperature: p.temperature ?? 1,
    top_p: p.top_p ?? 1,
    seed: p.seed ?? 42,
    max_completion_tokens: p.max_completion_tokens ?? p.max_completions_tokens ?? 0,
  };
}

function failedSample(ds: SamplingDataSource, messages: RenderedMessage[], model: string, error: { code: string; message: string }): ModelSample {
  const sample: OutputSample = {
    input: messages.map((m) => ({ role: m.role, content: messageText(m) })),
    output: [],
    finish_reason: '',
    model,
    usage: { ...ZERO },
    error,
    ...reported(ds),
  };
  return { sample, graderSample: { ...sample, output_text: '', output_json: null, output_tools: [], choices: [] }, usage: [], failed: true };
}

const usageOf = (model: string, u: SampleUsage): ModelUsage[] => [{ model_name: model, invocation_count: 1, ...u }];

/** Samples one row's messages with the run's model, as a Chat Completions or Responses call. */
export async function sampleModel(client: SamplingClient, ds: SamplingDataSource, model: string, messages: RenderedMessage[], signal: AbortSignal): Promise<ModelSample> {
  const p = ds.sampling_params ?? {};
  const maxTokens = p.max_completion_tokens ?? p.max_completions_tokens ?? undefined;
  const base = reported(ds);
  const input = messages.map((m) => ({ role: m.role, content: messageText(m) }));

  if (ds.type === 'completions') {
    const params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'> = {
      messages: messages.map(toChatMessage),
      ...(p.temperature != null ? { temperature: p.temperature } : {}),
      ...(p.top_p != null ? { top_p: p.top_p } : {}),
      ...(p.seed != null ? { seed: p.seed } : {}),
      ...(maxTokens != null ? { max_completion_tokens: maxTokens } : {}),
      ...(p.reasoning_effort != null ? { reasoning_effort: p.reasoning_effort } : {}),
      ...(ds.sampling_params?.response_format ? { response_format: ds.sampling_params.response_format as ChatCompletionCreateParamsNonStreaming['response_format'] & object } : {}),
      ...(ds.sampling_params?.tools ? { tools: ds.sampling_params.tools as unknown as NonNullable<ChatCompletionCreateParamsNonStreaming['tools']> } : {}),
    };
    const result = await client.chat(model, params, signal);
    if (!result.ok) return failedSample(ds, messages, model, result.error);
    const out = fromChatCompletion(result.value as unknown as Record<string, unknown>);
    return answered(out, input, model, result, base);
  }

  const rp = ds.sampling_params ?? {};
  const params: Omit<ResponseCreateParamsNonStreaming, 'model'> = {
    input: messages.flatMap(toResponsesInput),
    ...(rp.temperature != null ? { temperature: rp.temperature } : {}),
    ...(rp.top_p != null ? { top_p: rp.top_p } : {}),
    ...(maxTokens != null ? { max_output_tokens: maxTokens } : {}),
    ...(rp.reasoning_effort != null ? { reasoning: { effort: rp.reasoning_effort as 'low' } } : {}),
    ...('tools' in rp && rp.tools ? { tools: rp.tools as unknown as NonNullable<ResponseCreateParamsNonStreaming['tools']> } : {}),
    ...('text' in rp && rp.text ? { text: rp.text as unknown as NonNullable<ResponseCreateParamsNonStreaming['text']> } : {}),
  };
  const result = await client.responses(model, params, signal);
  if (!result.ok) return failedSample(ds, messages, model, result.error);
  const out = fromOutputList(result.value as unknown as Record<string, unknown>);
  return answered(out, input, model, result, base);
}

/**
 * A model's answer as the output item's sample (tool calls kept on the message; `model` as the
 * upstream named it) and as graders see it; usage counts under the run's model name.
 */
function answered(out: ModelOutput, input: unknown[], runModel: string, result: { model: string; usage: SampleUsage }, base: ReturnType<typeof reported>): ModelSample {
  // A sampled answer always has an assistant message, even an empty one.
  const answer = out.text === null ? { ...out, text: '' } : out;
  const finish = out.finishReason ?? '';
  const sample: OutputSample = { input, output: outputMessages(answer), finish_reason: finish, model: result.model, usage: result.usage, error: null, ...base };
  return { sample, graderSample: { ...sample, ...graderFields(answer, finish) }, usage: usageOf(runModel, result.usage), failed: false };
}
