import type { EvalItem } from '../domain/eval-item.ts';
import type { InputMessages } from '../domain/run-data-source.ts';
import { compileTemplate, resolvePath, type CompiledTemplate } from './render-template.ts';

/** One rendered message, in a neutral form both the Chat Completions and Responses calls map from. */
export interface RenderedMessage {
  role: string;
  parts: RenderedPart[];
}

export type RenderedPart =
  | { type: 'text'; text: string; output: boolean }
  | { type: 'image'; url: string; detail?: string }
  | { type: 'audio'; data: string; format: string };

/** `sample` (optional, default null) is what `{{ sample.… }}` resolves against, as grader templates use it. */
export type RenderMessages = (item: Record<string, unknown>, sample?: Record<string, unknown> | null) => { ok: true; messages: RenderedMessage[]; missing: string[] } | { ok: false; message: string };

type CompiledPart =
  | { type: 'text'; text: CompiledTemplate; output: boolean }
  | { type: 'image'; url: CompiledTemplate; detail?: string }
  | { type: 'audio'; data: string; format: string };

function compilePart(part: Exclude<EvalItem['content'], unknown[]>): CompiledPart {
  switch (part.type) {
    case 'input_text':
      return { type: 'text', text: compileTemplate(part.text), output: false };
    case 'output_text':
      return { type: 'text', text: compileTemplate(part.text), output: true };
    case 'input_image':
      return { type: 'image', url: compileTemplate(part.image_url), ...(part.detail !== undefined ? { detail: part.detail } : {}) };
    case 'input_audio':
      return { type: 'audio', data: part.input_audio.data, format: part.input_audio.format };
  }
}

/** A message array taken from the row (`item_reference`): `{role, content}` with string or part content. */
function fromRow(value: unknown, ref: string): { ok: true; messages: RenderedMessage[] } | { ok: false; message: string } {
  if (!Array.isArray(value)) return { ok: false, message: `${ref} must be an array of messages` };
  const messages: RenderedMessage[] = [];
  for (const [i, m] of value.entries()) {
    if (m === null || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') return { ok: false, message: `${ref}[${i}] must be a message with a string role` };
    const { role, content } = m as { role: string; content?: unknown };
    if (typeof content === 'string') {
      messages.push({ role, parts: [{ type: 'text', text: content, output: role === 'assistant' }] });
    } else if (Array.isArray(content)) {
      const parts: RenderedPart[] = [];
      for (const p of content as Array<Record<string, unknown>>) {
        if (typeof p?.['text'] === 'string') parts.push({ type: 'text', text: p['text'], output: p['type'] === 'output_text' });
        else if (typeof p?.['image_url'] === 'string') parts.push({ type: 'image', url: p['image_url'] });
        else if (typeof (p?.['image_url'] as { url?: unknown } | undefined)?.url === 'string') parts.push({ type: 'image', url: (p['image_url'] as { url: string }).url });
        else return { ok: false, message: `${ref}[${i}].content has a part this server cannot send` };
      }
      messages.push({ role, parts });
    } else {
      return { ok: false, message: `${ref}[${i}].content must be a string or an array of parts` };
    }
  }
  return { ok: true, messages };
}

/**
 * Compiles a run's `input_messages` once; the result renders each row's messages. Template text
 * and image URLs take `{{ item.… }}` placeholders (a missing path renders empty and is reported);
 * graders pass the row's sample too, for `{{ sample.… }}`.
 */
export function compileMessages(input: InputMessages): RenderMessages {
  if (input.type === 'item_reference') {
    const ref = input.item_reference;
    return (item, sample = null) => {
      const found = resolvePath({ item, sample }, ref);
      if (!found.found) return { ok: false, message: `${ref} is not present in this row` };
      const rendered = fromRow(found.value, ref);
      return rendered.ok ? { ok: true, messages: rendered.messages, missing: [] } : rendered;
    };
  }
  const compiled = input.template.map((m) => ({
    role: m.role,
    parts: (Array.isArray(m.content) ? m.content : [m.content]).map(compilePart),
  }));
  return (item, sample = null) => {
    const ctx = { item, sample };
    const missing: string[] = [];
    const messages = compiled.map((m) => ({
      role: m.role,
      parts: m.parts.map((p): RenderedPart => {
        if (p.type === 'text') {
          const r = p.text(ctx);
          missing.push(...r.missing);
          return { type: 'text', text: r.text, output: p.output };
        }
        if (p.type === 'image') {
          const r = p.url(ctx);
          missing.push(...r.missing);
          return { type: 'image', url: r.text, ...(p.detail !== undefined ? { detail: p.detail } : {}) };
        }
        return p;
      }),
    }));
    return { ok: true, messages, missing };
  };
}

/** The text of a message, as the output item's `sample.input[].content` shows it. */
export const messageText = (m: RenderedMessage): string =>
  m.parts.map((p) => (p.type === 'text' ? p.text : p.type === 'image' ? `[image: ${p.url}]` : `[audio]`)).join('');
