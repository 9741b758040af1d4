import type { ChatCompletionContentPart, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { messageText, type RenderedMessage, type RenderedPart } from './render-messages.ts';

/**
 * A rendered message as a Chat Completions message: text-only messages (and every non-user role,
 * which takes no parts) as a plain string; a user message with images, audio or files as content
 * parts.
 */
export function toChatMessage(m: RenderedMessage): ChatCompletionMessageParam {
  // A logged conversation's tool use goes back as it was: the assistant's calls, the tools' answers.
  if (m.toolCalls !== undefined && m.toolCalls.length > 0) return { role: 'assistant', content: m.parts.length > 0 ? messageText(m) : null, tool_calls: m.toolCalls };
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: messageText(m) };
  if (m.role !== 'user' || m.parts.every((p) => p.type === 'text')) return { role: m.role as 'user', content: messageText(m) };
  return { role: 'user', content: m.parts.map(toChatPart) };
}

function toChatPart(p: RenderedPart): ChatCompletionContentPart {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image':
      // Chat Completions takes images by URL only; an uploaded image goes as a file part.
      if (p.url === undefined) return { type: 'file', file: { file_id: p.fileId ?? '' } };
      return { type: 'image_url', image_url: { url: p.url, ...(p.detail !== undefined ? { detail: p.detail as 'auto' } : {}) } };
    case 'audio':
      return { type: 'input_audio', input_audio: { data: p.data, format: p.format as 'wav' } };
    case 'file':
      return {
        type: 'file',
        file: {
          ...(p.fileData !== undefined ? { file_data: p.fileData } : {}),
          ...(p.fileId !== undefined ? { file_id: p.fileId } : {}),
          ...(p.filename !== undefined ? { filename: p.filename } : {}),
        },
      };
  }
}
