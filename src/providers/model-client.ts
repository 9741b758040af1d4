import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { ConfigFile } from '../config.ts';
import type { SampleUsage } from '../domain/wire-objects.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { abortableSleep } from './abortable-sleep.ts';
import type { AttemptSignal } from './adaptive-concurrency.ts';
import { openChatStream, type ChatStreamResult } from './chat-stream.ts';
import { classifyError } from './classify-error.ts';
import { estimateTokens } from './estimate-tokens.ts';
import { LimiterRegistry } from './limiter-registry.ts';
import { CALLER_SIGNAL, createNodeHttpFetch } from './node-http-fetch.ts';
import { resolveModel, type CacheMode, type ModelResolution, type ModelTarget, type ProviderSettings } from './model-resolver.ts';
import { chatUsage, embeddingsUsage, responsesUsage } from './read-usage.ts';
import { cacheable, cacheKey, type CachedEndpoint, type ResponseCacheStore } from './response-cache.ts';
import { decideRetry, defaultRetryPolicy, type RetryPolicy } from './retry-policy.ts';

export interface ModelCallError {
  readonly code: string;
  readonly message: string;
}

/** One upstream call as data: the SDK's response with its usage, or why there is none. */
export type ModelCallResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly usage: SampleUsage;
      readonly model: string;
      readonly attempts: number;
      /** Answered from the response cache (attempts 0): no upstream call was made. */
      readonly cached?: boolean;
    }
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
  /** Where cached answers live; without it nothing is cached. */
  readonly cache?: ResponseCacheStore;
  readonly metrics?: Metrics;
}

/** Per call: the run's say on caching (metadata `proctor.cache`), over the model's config. */
export interface CallOptions {
  readonly cache?: CacheMode;
}

/**
 * Response headers of one attempt, handed over in the fetch init under this key (like
 * CALLER_SIGNAL): how a successful call learns `x-ratelimit-remaining-*` without the SDK's
 * `withResponse()` wrapper.
 */
const HEADERS_SINK = Symbol('proctor.headersSink');

/** Below this share of its limit, a provider's remaining requests or tokens mean: slow down. */
const PRESSURE_SHARE = 0.05;

/** `x-ratelimit-remaining-*` under 5 % of `x-ratelimit-limit-*` (OpenAI, Azure and most gateways send them). */
function underPressure(headers: { get(name: string): string | null } | undefined): boolean {
  if (headers === undefined) return false;
  for (const kind of ['requests', 'tokens']) {
    const remaining = Number.parseFloat(headers.get(`x-ratelimit-remaining-${kind}`) ?? '');
    const limit = Number.parseFloat(headers.get(`x-ratelimit-limit-${kind}`) ?? '');
    if (Number.isFinite(remaining) && Number.isFinite(limit) && limit > 0 && remaining < limit * PRESSURE_SHARE) return true;
  }
  return false;
}

/** The fetch with a per-call sink for response headers (see HEADERS_SINK). */
function withHeadersSink(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    (init as { [HEADERS_SINK]?: (headers: Headers) => void } | undefined)?.[HEADERS_SINK]?.(response.headers);
    return response;
  };
}

type Reader<T> = (body: unknown, upstreamModel: string) => { value: T; usage: SampleUsage; model: string } | ModelCallError;
type Send = (client: OpenAI, upstreamModel: string, options: { signal?: AbortSignal; timeout: number; maxRetries: 0 }) => Promise<unknown>;

/** What the cache needs of a request: which endpoint, and every parameter sent. */
interface Request {
  readonly endpoint: CachedEndpoint;
  readonly params: { temperature?: number | null };
  readonly options: CallOptions | undefined;
}

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
 * The upstream model calls of one process: resolves model names (architecture §4), keeps one SDK client
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
  readonly #cache: ResponseCacheStore | undefined;
  readonly #metrics: Metrics | undefined;
  readonly #resolutions = new Map<string, ModelResolution>();
  readonly #clients = new Map<string, OpenAI>();

  constructor(options: ModelClientsOptions) {
    this.#configFile = options.configFile;
    this.#secrets = options.secrets;
    this.#logger = options.logger ?? silentLogger;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#policy = options.retryPolicy ?? defaultRetryPolicy;
    this.#limiters = options.limiters ?? new LimiterRegistry({ logger: this.#logger });
    this.#fetch = withHeadersSink(options.fetch ?? createNodeHttpFetch());
    this.#ownTransport = options.fetch === undefined;
    this.#cache = options.cache;
    this.#metrics = options.metrics;
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

  chat(model: string, params: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal?: AbortSignal, options?: CallOptions): Promise<ModelCallResult<ChatCompletion>> {
    const tokens = () => estimateTokens(params.messages, params.max_completion_tokens ?? params.max_tokens);
    const request: Request = { endpoint: 'chat.completions', params, options };
    return this.#call(model, signal, request, tokens, (client, upstream, o) => client.chat.completions.create({ ...params, model: upstream }, o), readChat);
  }

  responses(model: string, params: Omit<ResponseCreateParamsNonStreaming, 'model'>, signal?: AbortSignal, options?: CallOptions): Promise<ModelCallResult<Response>> {
    const tokens = () => estimateTokens([params.instructions, params.input], params.max_output_tokens);
    const request: Request = { endpoint: 'responses', params, options };
    return this.#call(model, signal, request, tokens, (client, upstream, o) => client.responses.create({ ...params, model: upstream }, o), readResponse);
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

  embeddings(model: string, input: string | string[], signal?: AbortSignal, options?: CallOptions): Promise<ModelCallResult<CreateEmbeddingResponse>> {
    const request: Request = { endpoint: 'embeddings', params: { input } as { temperature?: number }, options };
    return this.#call(model, signal, request, () => estimateTokens(input, 0), (client, upstream, o) => client.embeddings.create({ model: upstream, input }, o), readEmbeddings);
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

  /** The cache entry a request may use, or null when caching is off or not allowed for it. */
  #cachePlan(target: ModelTarget, request: Request): { key: string; mode: CacheMode } | null {
    if (this.#cache === undefined) return null;
    const mode = request.options?.cache ?? target.cache.mode;
    if (mode === 'off' || !cacheable(request.endpoint, request.params, target.cache.nonzeroTemperature)) return null;
    return { key: cacheKey(request.endpoint, target, request.params), mode };
  }

  async #cached<T>(name: string, target: ModelTarget, key: string, read: Reader<T>): Promise<ModelCallResult<T> | null> {
    let text: string | null;
    try {
      text = await this.#cache!.get(key);
    } catch (error) {
      this.#logger.warn('response cache unavailable', { model: name, error });
      return null;
    }
    const labels = { model: target.key };
    if (text !== null) {
      const result = read(JSON.parse(text) as unknown, target.upstreamModel);
      if (!('code' in result)) {
        this.#metrics?.inc('proctor_response_cache_hits_total', 'Model calls answered from the response cache', labels);
        return { ok: true, value: result.value, usage: result.usage, model: result.model, attempts: 0, cached: true };
      }
    }
    this.#metrics?.inc('proctor_response_cache_misses_total', 'Cacheable model calls the response cache could not answer', labels);
    return null;
  }

  async #call<T>(name: string, signal: AbortSignal | undefined, request: Request, tokens: () => number, send: Send, read: Reader<T>): Promise<ModelCallResult<T>> {
    const opened = this.#open(name, signal, false);
    if (!opened.ok) return opened;
    const { target, client } = opened;
    const cache = this.#cachePlan(target, request);
    if (cache !== null) {
      const hit = await this.#cached(name, target, cache.key, read);
      if (hit !== null) return hit;
    }
    const result = await this.#upstream(name, target, client, signal, tokens, send, read);
    if (result.ok && cache?.mode === 'read_write') {
      try {
        await this.#cache!.put(cache.key, target.key, JSON.stringify(result.value), target.cache.ttlSeconds);
      } catch (error) {
        this.#logger.warn('response not cached', { model: name, error });
      }
    }
    return result;
  }

  async #upstream<T>(name: string, target: ModelTarget, client: OpenAI, signal: AbortSignal | undefined, tokens: () => number, send: Send, read: Reader<T>): Promise<ModelCallResult<T>> {
    const limiter = this.#limiters.get(target);
    if (!(await limiter.concurrency.acquire(signal))) return { ok: false, error: CANCELED, attempts: 0 };
    // What the last successful attempt's headers said about the provider's remaining budget.
    let pressure = false;
    const sink = (headers: Headers) => {
      pressure = underPressure(headers);
    };
    // Our transport takes the caller's signal itself (see CALLER_SIGNAL); any other fetch gets it through the SDK.
    // (`Send` does not name fetchOptions: the SDK's MergedRequestInit type has no room for a symbol key.)
    const options =
      signal === undefined
        ? { timeout: this.#timeoutMs, maxRetries: 0 as const, fetchOptions: { [HEADERS_SINK]: sink } as RequestInit }
        : this.#ownTransport
          ? { timeout: this.#timeoutMs, maxRetries: 0 as const, fetchOptions: { [CALLER_SIGNAL]: signal, [HEADERS_SINK]: sink } as RequestInit }
          : { signal, timeout: this.#timeoutMs, maxRetries: 0 as const, fetchOptions: { [HEADERS_SINK]: sink } as RequestInit };
    const rate = limiter.rate;
    const estimate = rate === null ? 0 : tokens();
    const labels = { model: target.key };
    const m = this.#metrics;
    let attempts = 0;
    try {
      for (;;) {
        // The attempt's place under the effective concurrency first, then its rate budget: a
        // request is sent right after its rpm/tpm grant (the shared window counts on that).
        const ticket = await limiter.adaptive.begin(signal);
        if (ticket === null) return { ok: false, error: CANCELED, attempts };
        if ((rate !== null && !(await rate.acquire(estimate, signal))) || signal?.aborted) {
          limiter.adaptive.ended(ticket, 'other');
          return { ok: false, error: CANCELED, attempts };
        }
        attempts++;
        m?.inc('proctor_model_attempts_total', 'Upstream attempts sent (retries included)', labels);
        if (attempts > 1) m?.inc('proctor_model_retries_total', 'Upstream attempts that were retries', labels);
        let body: unknown;
        try {
          body = await send(client, target.upstreamModel, options);
        } catch (error) {
          rate?.adjust(-estimate);
          const classified = classifyError(error, this.#timeoutMs);
          const status = classified.failure.kind === 'status' ? classified.failure.status : 0;
          const throttled = status === 429 || status === 503;
          limiter.adaptive.ended(ticket, throttled ? 'throttled' : 'other');
          if (throttled) m?.inc('proctor_model_throttled_total', 'Upstream answers 429 or 503', labels);
          if (signal?.aborted) return { ok: false, error: CANCELED, attempts };
          const decision = decideRetry(classified.failure, attempts, this.#policy);
          if (!decision.retry) {
            const why = classified.failure.kind === 'fatal' || decision.reason === 'not retryable' ? '' : ` (${decision.reason})`;
            const error = { code: classified.code, message: `${classified.message}${why}` };
            this.#logger.warn('model call failed', { model: name, upstream: target.key, attempts, ...error });
            return classified.failure.kind === 'status' ? { ok: false, error, attempts, status: classified.failure.status } : { ok: false, error, attempts };
          }
          this.#logger.debug('model call retrying', { model: name, upstream: target.key, attempt: attempts, delay_ms: Math.round(decision.delayMs), code: classified.code, effective_concurrency: limiter.adaptive.limit });
          if (!(await abortableSleep(decision.delayMs, signal))) return { ok: false, error: CANCELED, attempts };
          continue;
        }
        const signalled: AttemptSignal = pressure ? 'pressure' : 'ok';
        limiter.adaptive.ended(ticket, signalled);
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
