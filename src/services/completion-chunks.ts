import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';

/**
 * A finished completion as the chunks of a stream (`stream: true`): one chunk per choice carrying
 * the whole message as its delta, and a last usage chunk when `stream_options.include_usage` asks.
 * The proxy waits for the complete answer (it logs and limits whole calls), so the stream arrives
 * at once; its shape is the one every streaming client already parses.
 */
export function completionChunks(completion: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint != null ? { system_fingerprint: completion.system_fingerprint } : {}),
    ...(completion.service_tier != null ? { service_tier: completion.service_tier } : {}),
  };
  const chunks: ChatCompletionChunk[] = completion.choices.map((choice) => {
    const m = choice.message;
    const delta: ChatCompletionChunk.Choice.Delta = {
      role: 'assistant',
      content: m.content ?? null,
      ...(m.refusal != null ? { refusal: m.refusal } : {}),
      ...(m.tool_calls && m.tool_calls.length > 0
        ? {
            tool_calls: m.tool_calls.map((t, index) =>
              t.type === 'function'
                ? { index, id: t.id, type: 'function' as const, function: { name: t.function.name, arguments: t.function.arguments } }
                : { index, id: t.id },
            ),
          }
        : {}),
    };
    return { ...base, choices: [{ index: choice.index, delta, finish_reason: choice.finish_reason, logprobs: choice.logprobs ?? null }] };
  });
  if (includeUsage) chunks.push({ ...base, choices: [], usage: completion.usage ?? null });
  return chunks;
}

/** Server-sent events as OpenAI sends them: `data: <json>` per chunk, then `data: [DONE]`. */
export const toEventStream = (chunks: readonly ChatCompletionChunk[]): string => chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
