import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { SampleUsage } from '../domain/wire-objects.ts';

/** What the runner needs of providers/: one call, with its usage, or an error as data. */
export type ModelCallResult<T> =
  | { ok: true; value: T; usage: SampleUsage; model: string }
  | { ok: false; error: { code: string; message: string } };

export interface SamplingClient {
  chat(model: string, params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal: AbortSignal): Promise<ModelCallResult<ChatCompletion>>;
  responses(model: string, params: Omit<ResponseCreateParamsNonStreaming, 'model'>, signal: AbortSignal): Promise<ModelCallResult<Response>>;
}
