import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { SampleUsage } from '../domain/wire-objects.ts';

/** One upstream chat call as data; `status` is the upstream's HTTP status when it answered with an error. */
export type ChatUpstreamResult =
  | { readonly ok: true; readonly value: ChatCompletion; readonly usage: SampleUsage; readonly model: string }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string }; readonly status?: number };

/**
 * What the logging proxy needs of providers/: one chat completion, resolved, limited and retried
 * like every model call. `ModelClients` satisfies it structurally (services never import providers/).
 */
export interface ChatUpstream {
  chat(model: string, params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal?: AbortSignal): Promise<ChatUpstreamResult>;
  /** Streamed; `chunks` must be run to its end or `return()`ed, which frees the call's slot. */
  chatStream(model: string, params: Omit<ChatCompletionCreateParamsStreaming, 'model' | 'stream'>, signal?: AbortSignal): Promise<ChatUpstreamStream>;
}

export type ChatUpstreamStream =
  | {
      readonly ok: true;
      readonly chunks: AsyncIterableIterator<ChatCompletionChunk> & { return(): Promise<IteratorResult<ChatCompletionChunk>> };
      readonly final: () => Promise<ChatCompletion | null>;
    }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string }; readonly status?: number };
