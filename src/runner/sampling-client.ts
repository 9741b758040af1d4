import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { SampleUsage } from '../domain/wire-objects.ts';

/** What the runner needs of providers/: one call, with its usage, or an error as data. */
export type ModelCallResult<T> =
  | { ok: true; value: T; usage: SampleUsage; model: string; cached?: boolean }
  | { ok: false; error: { code: string; message: string } };

/** A run's say on the response cache (run metadata `proctor.cache`), over the model's config. */
export type CacheMode = 'read_write' | 'read_only' | 'off';

export interface CallOptions {
  readonly cache?: CacheMode;
}

export interface SamplingClient {
  chat(model: string, params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal: AbortSignal, options?: CallOptions): Promise<ModelCallResult<ChatCompletion>>;
  responses(model: string, params: Omit<ResponseCreateParamsNonStreaming, 'model'>, signal: AbortSignal, options?: CallOptions): Promise<ModelCallResult<Response>>;
}

/** The run metadata key that sets a run's cache mode. */
export const CACHE_METADATA_KEY = 'proctor.cache';

export function cacheModeOf(metadata: unknown): CacheMode | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const value = (metadata as Record<string, unknown>)[CACHE_METADATA_KEY];
  return value === 'read_write' || value === 'read_only' || value === 'off' ? value : undefined;
}

/**
 * One row's view of the sampling client: the run's cache mode on every call, and a count of the
 * calls the cache answered (the row's `cache_hits`).
 */
export function rowSamplingClient(inner: SamplingClient, options: CallOptions): { client: SamplingClient; hits: () => number } {
  let hits = 0;
  const client: SamplingClient = {
    chat: async (model, params, signal) => {
      const result = await inner.chat(model, params, signal, options);
      if (result.ok && result.cached === true) hits++;
      return result;
    },
    responses: async (model, params, signal) => {
      const result = await inner.responses(model, params, signal, options);
      if (result.ok && result.cached === true) hits++;
      return result;
    },
  };
  return { client, hits: () => hits };
}
