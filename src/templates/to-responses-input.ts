import type { ResponseInputContent, ResponseInputItem } from 'openai/resources/responses/responses';
import { messageText, type RenderedMessage, type RenderedPart } from './render-messages.ts';

/**
 * A rendered message as Responses API input items: text-only messages as a plain string; parts as
 * `input_text` / `input_image` / `input_audio` / `input_file`. Tool calls and tool answers are
 * items of their own there (`function_call`, `function_call_output`), not message fields.
 */
export function toResponsesInput(m: RenderedMessage): ResponseInputItem[] {
  if (m.role === 'tool') return [{ type: 'function_call_output', call_id: m.toolCallId ?? '', output: messageText(m) }];
  const items: ResponseInputItem[] = [];
  if (m.parts.length > 0 || m.toolCalls === undefined) {
    items.push(m.parts.every((p) => p.type === 'text') ? { role: m.role as 'user', content: messageText(m) } : { role: m.role as 'user', content: m.parts.map(toResponsesPart) });
  }
  for (const call of m.toolCalls ?? []) items.push({ type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
  return items;
}

function toResponsesPart(p: RenderedPart): ResponseInputContent {
  switch (p.type) {
    case 'text':
      return { type: 'input_text', text: p.text };
    case 'image':
      return { type: 'input_image', detail: (p.detail ?? 'auto') as 'auto', ...(p.url !== undefined ? { image_url: p.url } : {}), ...(p.fileId !== undefined ? { file_id: p.fileId } : {}) };
    case 'audio':
      return { type: 'input_audio', input_audio: { data: p.data, format: p.format as 'wav' } } as unknown as ResponseInputContent;
    case 'file':
      return {
        type: 'input_file',
        ...(p.fileData !== undefined ? { file_data: p.fileData } : {}),
        ...(p.fileId !== undefined ? { file_id: p.fileId } : {}),
        ...(p.filename !== undefined ? { filename: p.filename } : {}),
        ...(p.fileUrl !== undefined ? { file_url: p.fileUrl } : {}),
        ...(p.detail !== undefined ? { detail: p.detail as 'auto' } : {}),
      };
  }
}

