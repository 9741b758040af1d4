import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { ConfigFile } from '../config.ts';
import type { SampleUsage } from '../domain/wire-objects.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { abortableSleep } from './abortable-sleep.ts';
import { openChatStream, type ChatStreamResult } from './chat-stream.ts';
import { classifyError } from './classify-error.ts';
import { estimateTokens } from './estimate-tokens.ts';
import { LimiterRegistry } from './limiter-registry.ts';
import { CALLER_SIGNAL, createNodeHttpFetch } from './node-http-fetch.ts';
import { resolveModel, type ModelResolution, type ModelTarget, type ProviderSettings } from './model-resolver.ts';
import { chatUsage, embeddingsUsage, responsesUsage } from './read-usage.ts';
import { decideRetry, defaultRetryPolicy, type RetryPolicy } from './retry-policy.ts';

export interface ModelCallError {
  readonly code: string;
  readonly message: string;
}

/** One upstream call as data: the SDK's response with its usage, or why there is none. */
export type ModelCallResult<T> =
  | { readonly ok: true; readonly value: T; readonly usage: SampleUsage; readonly model: string; readonly attempts: number }
  | {
      readonly ok: false;
      readonly error: ModelCallError;
      readonly attempts: number;
      /** The upstream's HTTP status when it answered with an error (the logging proxy passes it on). */
      readonly status?: number;
    };

export interface ModelClientsOptions {
  readonly configFile: ConfigFile;
  readonly secrets: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  /** Per attempt; default 120 s. */
  readonly timeoutMs?: number;
  readonly retryPolicy?: RetryPolicy;
  /** Share limits with another ModelClients; by default this instance owns its registry. */
  readonly limiters?: LimiterRegistry;
  /** The SDK's transport; default `createNodeHttpFetch()` (node:http keep-alive, far cheaper than Node 20's fetch). */
  readonly fetch?: typeof fetch;
}

type Reader<T> = (body: unknown, upstreamModel: string) => { value: T; usage: SampleUsage; model: string } | ModelCallError;
type Send = (client: OpenAI, upstreamModel: string, options: { signal?: AbortSignal; timeout: number; maxRetries: 0 }) => Promise<unknown>;

const CANCELED: ModelCallError = Object.freeze({ code: 'canceled', message: 'the call was canceled before it finished' });
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const modelOf = (body: Record<string, unknown>, fallback: string): string => (typeof body['model'] === 'string' && body['model'] !== '' ? body['model'] : fallback);
const malformed = (what: string): ModelCallError => ({ code: 'invalid_response', message: `upstream answered 200 without ${what}` });

const readChat: Reader<ChatCompletion> = (body, upstream) =>
  isRecord(body) && Array.isArray(body['choices'])
    ? { value: body as unknown as ChatCompletion, usage: chatUsage(body), model: modelOf(body, upstream) }
    : malformed('a chat completion (choices)');

const readResponse: Reader<Response> = (body, upstream) => {
  if (!isRecord(body) || !Array.isArray(body['output'])) return malformed('a response (output)');
  const error = body['error'];
  if (body['status'] === 'failed' && isRecord(error)) {
    return { code: typeof error['code'] === 'string' ? error['code'] : 'response_failed', message: typeof error['message'] === 'string' ? error['message'] : 'the response failed' };
  }
  return { value: body as unknown as Response, usage: responsesUsage(body), model: modelOf(body, upstream) };
};

const readEmbeddings: Reader<CreateEmbeddingResponse> = (body, upstream) =>
  isRecord(body) && Array.isArray(body['data'])
    ? { value: body as unknown as CreateEmbeddingResponse, usage: embeddingsUsage(body), model: modelOf(body, upstream) }
    : malformed('embeddings (data)');

/**
 * The upstream model calls of one process: resolves model names (DESIGN §4), keeps one SDK client
 * per provider, applies per-model concurrency and rpm/tpm limits, and retries by the one policy
 * (the SDK's own retries are off). Every outcome is data; nothing here throws for an upstream
 * failure. Construct one per process so all runs share the limits.
 */
export class ModelClients {
  readonly #configFile: ConfigFile;
  readonly #secrets: Readonly<Record<string, string>>;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #limiters: LimiterRegistry;
  readonly #fetch: typeof fetch;
  readonly #ownTransport: boolean;
  readonly #resolutions = new Map<string, ModelResolution>();
  readonly #clients = new Map<string, OpenAI>();

  constructor(options: ModelClientsOptions) {
    this.#configFile = options.configFile;
    this.#secrets = options.secrets;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#policy = options.retryPolicy ?? defaultRetryPolicy;
    this.#limiters = options.limiters ?? new LimiterRegistry();
    this.#fetch = options.fetch ?? createNodeHttpFetch();
    this.#ownTransport = options.fetch === undefined;
  }

  /** The resolution of a model name, cached (the configuration never changes while running). */
  resolve(model: string): ModelResolution {
    let resolution = this.#resolutions.get(model);
    if (resolution === undefined) {
      resolution = resolveModel(model, this.#configFile, this.#secrets);
      // Model names come from API callers: keep the cache bounded.
      if (this.#resolutions.size >= 1024) this.#resolutions.clear();
      this.#resolutions.set(model, resolution);
    }
    return resolution;
  }

  chat(model: string, params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal?: AbortSignal): Promise<ModelCallResult<ChatCompletion>> {
    const tokens = () => estimateTokens(params.messages, params.max_completion_tokens ?? params.max_tokens);
    return this.#call(model, signal, tokens, (client, upstream, options) => client.chat.completions.create({ ...params, model: upstream }, options), readChat);
  }

  responses(model: string, params: Omit<ResponseCreateParamsNonStreaming, 'model'>, signal?: AbortSignal): Promise<ModelCallResult<Response>> {
    const tokens = () => estimateTokens([params.instructions, params.input], params.max_output_tokens);
    return this.#call(model, signal, tokens, (client, upstream, options) => client.responses.create({ ...params, model: upstream }, options), readResponse);
  }

  /** A streamed chat completion (the logging proxy with `stream: true`); see chat-stream.ts. */
  async chatStream(model: string, params: Omit<ChatCompletionCreateParamsStreaming, 'model' | 'stream'>, signal?: AbortSignal): Promise<ChatStreamResult> {
    const opened = this.#open(model, signal, true);
    if (!opened.ok) return opened;
    const { target, client } = opened;
    const limiter = this.#limiters.get(target);
    const estimate = limiter.rate === null ? 0 : estimateTokens(params.messages, params.max_completion_tokens ?? params.max_tokens);
    return openChatStream({ client, name: model, upstreamModel: target.upstreamModel, params, limiter, policy: this.#policy, timeoutMs: this.#timeoutMs, estimate, logger: this.#logger, signal });
  }

  embeddings(model: string, input: string | string[], signal?: AbortSignal): Promise<ModelCallResult<CreateEmbeddingResponse>> {
    return this.#call(model, signal, () => estimateTokens(input, 0), (client, upstream, options) => client.embeddings.create({ model: upstream, input }, options), readEmbeddings);
  }

  /**
   * One SDK client per provider; streams get their own, over the global fetch, because our
   * transport reads whole bodies (what every other call wants).
   */
  #client(providerName: string, settings: ProviderSettings, streaming = false): OpenAI {
    const key = streaming ? `${providerName}\u0000stream` : providerName;
    let client = this.#clients.get(key);
    if (client === undefined) {
      // Every option explicit: the SDK must not read process.env (only config.ts does).
      const common = {
        apiKey: settings.apiKey,
        organization: null,
        project: null,
        adminAPIKey: null,
        webhookSecret: null,
        maxRetries: 0,
        timeout: this.#timeoutMs,
        logLevel: 'warn' as const,
        logger: sdkLogger(this.#logger),
        fetch: streaming ? globalThis.fetch : this.#fetch,
      };
      client =
        settings.type === 'azure'
          ? new AzureOpenAI({ ...common, baseURL: `${settings.endpoint.replace(/\/+$/, '')}/openai`, apiVersion: settings.apiVersion })
          : new OpenAI({ ...common, baseURL: settings.baseURL });
      this.#clients.set(key, client);
    }
    return client;
  }

  /** Before any call: not canceled, the name resolves, its provider's client exists — or why not. */
  #open(name: string, signal: AbortSignal | undefined, streaming: boolean): { ok: true; target: ModelTarget; client: OpenAI } | { ok: false; error: ModelCallError; attempts: 0 } {
    if (signal?.aborted) return { ok: false, error: CANCELED, attempts: 0 };
    const resolution = this.resolve(name);
    if (!resolution.ok) return { ok: false, error: { code: resolution.code, message: resolution.message }, attempts: 0 };
    const { target } = resolution;
    try {
      return { ok: true, target, client: this.#client(target.providerName, target.provider, streaming) };
    } catch (error) {
      const message = `cannot create a client for provider '${target.providerName}': ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, error: { code: 'provider_error', message }, attempts: 0 };
    }
  }

  async #call<T>(name: string, signal: AbortSignal | undefined, tokens: () => number, send: Send, read: Reader<T>): Promise<ModelCallResult<T>> {
    const opened = this.#open(name, signal, false);
    if (!opened.ok) return opened;
    const { target, client } = opened;
    const limiter = this.#limiters.get(target);
    if (!(await limiter.concurrency.acquire(signal))) return { ok: false, error: CANCELED, attempts: 0 };
    // Our transport takes the caller's signal itself (see CALLER_SIGNAL); any other fetch gets it through the SDK.
    // (`Send` does not name fetchOptions: the SDK's MergedRequestInit type has no room for a symbol key.)
    const options =
      signal === undefined
        ? { timeout: this.#timeoutMs, maxRetries: 0 as const }
        : this.#ownTransport
          ? { timeout: this.#timeoutMs, maxRetries: 0 as const, fetchOptions: { [CALLER_SIGNAL]: signal } as RequestInit }
          : { signal, timeout: this.#timeoutMs, maxRetries: 0 as const };
    const rate = limiter.rate;
    const estimate = rate === null ? 0 : tokens();
    let attempts = 0;
    try {
      for (;;) {
        if (rate !== null && !(await rate.acquire(estimate, signal))) return { ok: false, error: CANCELED, attempts };
        if (signal?.aborted) return { ok: false, error: CANCELED, attempts };
        attempts++;
        let body: unknown;
        try {
          body = await send(client, target.upstreamModel, options);
        } catch (error) {
          rate?.adjust(-estimate);
          if (signal?.aborted) return { ok: false, error: CANCELED, attempts };
          const classified = classifyError(error, this.#timeoutMs);
          const decision = decideRetry(classified.failure, attempts, this.#policy);
          if (!decision.retry) {
            const why = classified.failure.kind === 'fatal' || decision.reason === 'not retryable' ? '' : ` (${decision.reason})`;
            const error = { code: classified.code, message: `${classified.message}${why}` };
            this.#logger.warn('model call failed', { model: name, upstream: target.key, attempts, ...error });
            return classified.failure.kind === 'status' ? { ok: false, error, attempts, status: classified.failure.status } : { ok: false, error, attempts };
          }
          this.#logger.debug('model call retrying', { model: name, upstream: target.key, attempt: attempts, delay_ms: Math.round(decision.delayMs), code: classified.code });
          if (!(await abortableSleep(decision.delayMs, signal))) return { ok: false, error: CANCELED, attempts };
          continue;
        }
        const result = read(body, target.upstreamModel);
        if ('code' in result) {
          rate?.adjust(-estimate);
          // A failed Responses answer is the model's verdict; only a body of the wrong shape is retried.
          const decision = result.code === 'invalid_response' ? decideRetry({ kind: 'malformed' }, attempts, this.#policy) : ({ retry: false, reason: '' } as const);
          if (!decision.retry && decision.reason === '') {
            this.#logger.warn('model call failed', { model: name, upstream: target.key, attempts, ...result });
            return { ok: false, error: result, attempts };
          }
          if (!decision.retry) {
            const error = { code: result.code, message: `${result.message} (${decision.reason})` };
            this.#logger.warn('model call failed', { model: name, upstream: target.key, attempts, ...error });
            return { ok: false, error, attempts };
          }
          if (!(await abortableSleep(decision.delayMs, signal))) return { ok: false, error: CANCELED, attempts };
          continue;
        }
        rate?.adjust(result.usage.total_tokens - estimate);
        return { ok: true, value: result.value, usage: result.usage, model: result.model, attempts };
      }
    } finally {
      limiter.concurrency.release();
    }
  }
}

function sdkLogger(logger: Logger) {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, ...rest: unknown[]) => logger[level](`openai sdk: ${message}`, rest.length > 0 ? { details: rest } : {});
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
