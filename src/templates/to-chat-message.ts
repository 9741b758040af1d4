import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { messageText, type RenderedMessage } from './render-messages.ts';

/**
 * A rendered message as a Chat Completions message: text-only messages (and every non-user role,
 * which takes no parts) as a plain string; a user message with images or audio as content parts.
 */
export function toChatMessage(m: RenderedMessage): ChatCompletionMessageParam {
  if (m.role !== 'user' || m.parts.every((p) => p.type === 'text')) return { role: m.role as 'user', content: messageText(m) };
  const parts: ChatCompletionContentPart[] = m.parts.map((p) => {
    if (p.type === 'text') return { type: 'text', text: p.text };
    if (p.type === 'image') return { type: 'image_url', image_url: { url: p.url, ...(p.detail !== undefined ? { detail: p.detail as 'auto' } : {}) } };
    return { type: 'input_audio', input_audio: { data: p.data, format: p.format as 'wav' } };
  });
  return { role: 'user', content: parts };
}
