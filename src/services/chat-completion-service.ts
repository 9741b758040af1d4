import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { notFound } from '../domain/api-error.ts';
import type { CreateChatCompletionRequest } from '../domain/chat-completion-requests.ts';
import { newStoredCompletionId } from '../domain/ids.ts';
import type { ListObject } from '../domain/wire-objects.ts';
import type { ListStoredCompletionsQuery, StoredCompletionRecord, StoredCompletionRepository } from '../storage/stored-completion-repository.ts';
import type { ChatUpstream } from './chat-upstream.ts';
import { presentList } from './present.ts';
import { upstreamError } from './upstream-error.ts';

/** A logged completion as the stored-completions endpoints show it: the response, its metadata. */
export type StoredChatCompletion = Record<string, unknown> & { id: string; metadata: Record<string, string> };

const present = (r: StoredCompletionRecord): StoredChatCompletion => ({ ...r.response, id: r.id, metadata: r.metadata });

/**
 * `POST /chat/completions` as a logging proxy: forwards to the configured provider (model
 * resolution, limits and retries as for runs) and, with `store: true`, keeps the request and the
 * response under the caller's project with its `metadata` — the rows `stored_completions` run
 * sources select. `store` and `metadata` are Proctor's and are not forwarded: the log stays here.
 */
export class ChatCompletionService {
  readonly #upstream: ChatUpstream;
  readonly #stored: StoredCompletionRepository;
  readonly #now: () => number;

  constructor(upstream: ChatUpstream, stored: StoredCompletionRepository, now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.#upstream = upstream;
    this.#stored = stored;
    this.#now = now;
  }

  async create(project: string, req: CreateChatCompletionRequest, signal?: AbortSignal): Promise<ChatCompletion> {
    // Proctor's own parameters stay here (`stream: true` goes through createStream).
    const params: Record<string, unknown> = { ...req };
    for (const key of ['model', 'store', 'metadata', 'stream', 'stream_options']) delete params[key];
    const { model, store, metadata } = req;
    const result = await this.#upstream.chat(model, params as unknown as Omit<ChatCompletionCreateParamsNonStreaming, 'model'>, signal);
    if (!result.ok) throw upstreamError(result);
    if (store !== true) return result.value;
    const id = newStoredCompletionId();
    const response = { ...result.value, id };
    await this.#stored.insert({
      id,
      project,
      model,
      response_model: result.model,
      metadata: metadata ?? {},
      request: req,
      response,
      created_at: this.#now(),
    });
    return response;
  }

  /**
   * `stream: true`: the provider's chunks as they come. With `store: true` usage is asked of the
   * provider (and its chunk passed on only if the caller asked too), every chunk carries the
   * stored id, and the completion assembled from the chunks is logged when the stream ends whole.
   */
  async createStream(project: string, req: CreateChatCompletionRequest, signal?: AbortSignal): Promise<AsyncIterableIterator<ChatCompletionChunk> & { return(): Promise<IteratorResult<ChatCompletionChunk>> }> {
    const params: Record<string, unknown> = { ...req };
    for (const key of ['model', 'store', 'metadata', 'stream']) delete params[key];
    const { model, store, metadata } = req;
    const wantsUsage = (req['stream_options'] as { include_usage?: unknown } | null | undefined)?.include_usage === true;
    const asked = req['stream_options'];
    if (store === true) params['stream_options'] = { ...(typeof asked === 'object' && asked !== null ? asked : {}), include_usage: true };
    const opened = await this.#upstream.chatStream(model, params as unknown as Omit<ChatCompletionCreateParamsStreaming, 'model' | 'stream'>, signal);
    if (!opened.ok) throw upstreamError(opened);
    if (store !== true) return opened.chunks;
    const id = newStoredCompletionId();
    const upstream = opened.chunks;
    const save = async () => {
      const completion = await opened.final();
      if (completion === null) return;
      await this.#stored.insert({
        id,
        project,
        model,
        response_model: completion.model,
        metadata: metadata ?? {},
        request: req,
        response: { ...completion, id },
        created_at: this.#now(),
      });
    };
    const relabeled: AsyncIterableIterator<ChatCompletionChunk> & { return(): Promise<IteratorResult<ChatCompletionChunk>> } = {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        for (;;) {
          const r = await upstream.next();
          if (r.done === true) {
            await save();
            return r;
          }
          const chunk: ChatCompletionChunk = { ...r.value, id };
          if (!wantsUsage) {
            if (chunk.choices.length === 0 && chunk.usage) continue; // the usage chunk Proctor asked for itself
            delete chunk.usage;
          }
          return { done: false, value: chunk };
        }
      },
      return: () => upstream.return(),
    };
    return relabeled;
  }

  async get(project: string, id: string): Promise<StoredChatCompletion> {
    const record = await this.#stored.get(project, id);
    if (!record) throw notFound(`No stored chat completion found with id '${id}'.`, 'completion_id');
    return present(record);
  }

  async list(project: string, q: ListStoredCompletionsQuery): Promise<ListObject<StoredChatCompletion>> {
    const page = await this.#stored.list(project, q);
    return presentList({ data: page.data.map(present), has_more: page.has_more });
  }

  async update(project: string, id: string, metadata: Record<string, string> | null): Promise<StoredChatCompletion> {
    const record = await this.#stored.updateMetadata(project, id, metadata ?? {});
    if (!record) throw notFound(`No stored chat completion found with id '${id}'.`, 'completion_id');
    return present(record);
  }

  async delete(project: string, id: string): Promise<{ object: 'chat.completion.deleted'; id: string; deleted: true }> {
    if (!(await this.#stored.delete(project, id))) throw notFound(`No stored chat completion found with id '${id}'.`, 'completion_id');
    return { object: 'chat.completion.deleted', id, deleted: true };
  }
}
