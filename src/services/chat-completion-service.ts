import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
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
    // Proctor's own parameters stay here; the proxy answers streams itself (completion-chunks.ts).
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
