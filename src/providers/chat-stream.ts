import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { Logger } from '../logger.ts';
import { abortableSleep } from './abortable-sleep.ts';
import { classifyError } from './classify-error.ts';
import type { ModelLimiter } from './limiter-registry.ts';
import { decideRetry, type RetryPolicy } from './retry-policy.ts';

export interface ChatStreamFailure {
  readonly ok: false;
  readonly error: { readonly code: string; readonly message: string };
  readonly attempts: number;
  readonly status?: number;
}

/**
 * An open stream: iterate `chunks` to its end, or call `chunks.return()` (always, even before
 * the first `next()`): either releases the model's concurrency slot. `final()` is the completion
 * assembled from the chunks (null if the stream broke off).
 */
export interface ChatStream {
  readonly ok: true;
  readonly chunks: AsyncIterableIterator<ChatCompletionChunk> & { return(): Promise<IteratorResult<ChatCompletionChunk>> };
  readonly final: () => Promise<ChatCompletion | null>;
}

export type ChatStreamResult = ChatStream | ChatStreamFailure;

export interface ChatStreamOptions {
  client: OpenAI;
  name: string;
  upstreamModel: string;
  params: Omit<ChatCompletionCreateParamsStreaming, 'model' | 'stream'>;
  limiter: ModelLimiter;
  policy: RetryPolicy;
  timeoutMs: number;
  estimate: number;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

const CANCELED = { ok: false, error: { code: 'canceled', message: 'the call was canceled before it finished' }, attempts: 0 } as const;

/**
 * A streamed chat completion under the same rules as every model call: it holds a concurrency
 * slot from the first attempt until the stream ends, takes its rpm/tpm budget per attempt, and
 * retries by the one policy until the first chunk arrives. After that a failure ends the stream
 * (the caller has already passed chunks on; they cannot be taken back).
 */
export async function openChatStream(o: ChatStreamOptions): Promise<ChatStreamResult> {
  const { limiter, signal } = o;
  if (!(await limiter.concurrency.acquire(signal))) return CANCELED;
  let held = true;
  const release = () => {
    if (held) {
      held = false;
      limiter.concurrency.release();
    }
  };
  const rate = limiter.rate;
  let attempts = 0;
  try {
    for (;;) {
      if (rate !== null && !(await rate.acquire(o.estimate, signal))) return { ...CANCELED, attempts };
      if (signal?.aborted) return { ...CANCELED, attempts };
      attempts++;
      const stream = o.client.chat.completions.stream({ ...o.params, model: o.upstreamModel }, { ...(signal ? { signal } : {}), timeout: o.timeoutMs, maxRetries: 0 });
      const iterator = stream[Symbol.asyncIterator]();
      let first: IteratorResult<ChatCompletionChunk>;
      try {
        first = await iterator.next();
      } catch (error) {
        rate?.adjust(-o.estimate);
        if (signal?.aborted) return { ...CANCELED, attempts };
        const classified = classifyError(error, o.timeoutMs);
        const decision = decideRetry(classified.failure, attempts, o.policy);
        if (!decision.retry) {
          const why = classified.failure.kind === 'fatal' || decision.reason === 'not retryable' ? '' : ` (${decision.reason})`;
          const failure = { code: classified.code, message: `${classified.message}${why}` };
          o.logger.warn('model stream failed', { model: o.name, attempts, ...failure });
          return classified.failure.kind === 'status' ? { ok: false, error: failure, attempts, status: classified.failure.status } : { ok: false, error: failure, attempts };
        }
        if (!(await abortableSleep(decision.delayMs, signal))) return { ...CANCELED, attempts };
        continue;
      }
      held = false; // the iterator below owns the slot now
      let finished = false;
      let pending: IteratorResult<ChatCompletionChunk> | null = first;
      // Ends the call exactly once: a stream cut short is aborted upstream; the slot is freed.
      const finish = (complete: boolean) => {
        if (finished) return;
        finished = true;
        if (!complete) stream.abort();
        limiter.concurrency.release();
      };
      const chunks: ChatStream['chunks'] = {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next() {
          if (finished) return { done: true, value: undefined };
          let result: IteratorResult<ChatCompletionChunk>;
          if (pending !== null) {
            result = pending;
            pending = null;
          } else {
            try {
              result = await iterator.next();
            } catch (error) {
              finish(false);
              throw error;
            }
          }
          if (result.done === true) finish(true);
          return result;
        },
        async return() {
          finish(false);
          return { done: true, value: undefined };
        },
      };
      const final = async (): Promise<ChatCompletion | null> => {
        try {
          const completion = await stream.finalChatCompletion();
          rate?.adjust((completion.usage?.total_tokens ?? o.estimate) - o.estimate);
          return completion;
        } catch {
          return null;
        }
      };
      return { ok: true, chunks, final };
    }
  } finally {
    release();
  }
}
