import type { EvalItem } from '../domain/eval-item.ts';
import type { InputMessages } from '../domain/run-data-source.ts';
import { compileTemplate, resolvePath, type CompiledTemplate, type TemplateContext } from './render-template.ts';

/** One rendered message, in a neutral form both the Chat Completions and Responses calls map from. */
export interface RenderedMessage {
  role: string;
  parts: RenderedPart[];
  /** An assistant turn's tool calls (Chat Completions shape: `{id, type: "function", function: {name, arguments}}`). */
  toolCalls?: ToolCall[];
  /** A `tool` turn: the call it answers. */
  toolCallId?: string;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type RenderedPart =
  | { type: 'text'; text: string; output: boolean }
  | { type: 'image'; url?: string; fileId?: string; detail?: string }
  | { type: 'audio'; data: string; format: string }
  | { type: 'file'; fileData?: string; fileId?: string; filename?: string; fileUrl?: string; detail?: string };

/** `sample` (optional, default null) is what `{{ sample.… }}` resolves against, as grader templates use it. */
export type RenderMessages = (item: Record<string, unknown>, sample?: Record<string, unknown> | null) => { ok: true; messages: RenderedMessage[]; missing: string[] } | { ok: false; message: string };

type Part = Exclude<EvalItem['content'], unknown[]>;

/**
 * A template part compiled: its kind, and each of its string fields as a template. Every string
 * field of every part type renders — a URL, a detail level, base64 audio data and its format, a
 * file's data, id or name all take `{{ item.… }}` like text does.
 */
interface CompiledPart {
  type: RenderedPart['type'];
  output: boolean;
  fields: Array<[string, CompiledTemplate]>;
}

function compilePart(part: Part): CompiledPart {
  const fields = (source: Record<string, string | null | undefined>): Array<[string, CompiledTemplate]> =>
    Object.entries(source).flatMap(([name, value]) => (typeof value === 'string' ? [[name, compileTemplate(value)] as [string, CompiledTemplate]] : []));
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', output: part.type === 'output_text', fields: fields({ text: part.text }) };
    case 'input_image':
      return { type: 'image', output: false, fields: fields({ url: part.image_url, fileId: part.file_id, detail: part.detail }) };
    case 'input_audio':
      return { type: 'audio', output: false, fields: fields({ data: part.input_audio.data, format: part.input_audio.format }) };
    case 'input_file':
      return { type: 'file', output: false, fields: fields({ fileData: part.file_data, fileId: part.file_id, filename: part.filename, fileUrl: part.file_url, detail: part.detail }) };
  }
}

function renderPart(part: CompiledPart, ctx: TemplateContext, missing: string[]): RenderedPart {
  if (part.type === 'text') {
    // The common case, per row per message: one field, no intermediate object.
    const r = part.fields[0]![1](ctx);
    for (const path of r.missing) if (!missing.includes(path)) missing.push(path);
    return { type: 'text', text: r.text, output: part.output };
  }
  const rendered: Record<string, string> = {};
  for (const [name, template] of part.fields) {
    const r = template(ctx);
    for (const path of r.missing) if (!missing.includes(path)) missing.push(path);
    rendered[name] = r.text;
  }
  if (part.type === 'audio') return { type: 'audio', data: rendered['data'] ?? '', format: rendered['format'] ?? '' };
  return { type: part.type, ...rendered };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const rec = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The fields that are present (exactOptionalPropertyTypes: absent, never `undefined`). */
function present(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * A content part of a row's message, in either API's spelling: text (`text`, `input_text`,
 * `output_text`), images (`image_url: {url, detail}` or `input_image` with `image_url`/`file_id`),
 * audio (`input_audio: {data, format}`) and files (`file: {file_data, file_id, filename}` or
 * `input_file`); null for anything else.
 */
function rowPart(p: unknown): RenderedPart | null {
  const part = rec(p);
  if (part === undefined) return typeof p === 'string' ? { type: 'text', text: p, output: false } : null;
  const type = part['type'];
  if (typeof part['text'] === 'string') return { type: 'text', text: part['text'], output: type === 'output_text' };
  if (type === 'image_url' || type === 'input_image' || (type === undefined && part['image_url'] !== undefined)) {
    const image = rec(part['image_url']);
    const url = str(part['image_url']) ?? str(image?.['url']);
    const fileId = str(part['file_id']);
    if (url === undefined && fileId === undefined) return null;
    return { type: 'image', ...present({ url, fileId, detail: str(part['detail']) ?? str(image?.['detail']) }) };
  }
  if (type === 'input_audio') {
    const audio = rec(part['input_audio']);
    const data = str(audio?.['data']);
    const format = str(audio?.['format']);
    return data === undefined || format === undefined ? null : { type: 'audio', data, format };
  }
  if (type === 'file' || type === 'input_file') {
    const file = rec(part['file']) ?? part;
    const fields = present({ fileData: str(file['file_data']), fileId: str(file['file_id']), filename: str(file['filename']), fileUrl: str(file['file_url']), detail: str(file['detail']) });
    return fields['fileData'] === undefined && fields['fileId'] === undefined && fields['fileUrl'] === undefined ? null : { type: 'file', ...fields };
  }
  return null;
}

/** A tool call of a row's message, in either API's spelling, as a Chat Completions tool call; null if it is not one. */
function rowToolCall(call: unknown): ToolCall | null {
  const c = rec(call);
  if (c === undefined) return null;
  const fn = rec(c['function']) ?? c;
  const name = str(fn['name']);
  if (name === undefined) return null;
  const args = fn['arguments'];
  const id = str(c['call_id']) ?? str(c['id']) ?? '';
  return { id, type: 'function', function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) } };
}

type RowMessages = { ok: true; messages: RenderedMessage[] } | { ok: false; message: string };

/**
 * A message list taken from the row (`item_reference`): `{role, content}` messages with string or
 * part content, as either API spells them — including a logged conversation's tool use: an
 * assistant turn with `tool_calls` (its content may be null) and `tool` turns with their
 * `tool_call_id`, or the Responses API's `function_call` / `function_call_output` items.
 */
function fromRow(value: unknown, ref: string): RowMessages {
  if (!Array.isArray(value)) return { ok: false, message: `${ref} must be an array of messages` };
  const messages: RenderedMessage[] = [];
  for (const [i, m] of value.entries()) {
    const entry = rec(m);
    if (entry?.['type'] === 'function_call') {
      const call = rowToolCall(entry);
      if (call === null) return { ok: false, message: `${ref}[${i}] is a function_call without a name` };
      messages.push({ role: 'assistant', parts: [], toolCalls: [call] });
      continue;
    }
    if (entry?.['type'] === 'function_call_output') {
      const output = entry['output'];
      messages.push({ role: 'tool', parts: [{ type: 'text', text: typeof output === 'string' ? output : JSON.stringify(output ?? ''), output: false }], toolCallId: str(entry['call_id']) ?? '' });
      continue;
    }
    if (entry === undefined || typeof entry['role'] !== 'string') return { ok: false, message: `${ref}[${i}] must be a message with a string role` };
    const role = entry['role'];
    const content = entry['content'];
    const message: RenderedMessage = { role, parts: [] };
    if (typeof content === 'string') {
      message.parts.push({ type: 'text', text: content, output: role === 'assistant' });
    } else if (Array.isArray(content)) {
      for (const [j, p] of content.entries()) {
        const part = rowPart(p);
        if (part === null) return { ok: false, message: `${ref}[${i}].content[${j}] is a part this server cannot send (text, image, audio and file parts are)` };
        message.parts.push(part);
      }
    } else if (!(content == null && Array.isArray(entry['tool_calls']))) {
      return { ok: false, message: `${ref}[${i}].content must be a string or an array of parts` };
    }
    if (Array.isArray(entry['tool_calls']) && entry['tool_calls'].length > 0) {
      const calls = entry['tool_calls'].map(rowToolCall);
      if (calls.some((c) => c === null)) return { ok: false, message: `${ref}[${i}].tool_calls holds a call without a function name` };
      message.toolCalls = calls as ToolCall[];
    }
    const toolCallId = str(entry['tool_call_id']);
    if (toolCallId !== undefined) message.toolCallId = toolCallId;
    messages.push(message);
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
    const messages = compiled.map((m) => ({ role: m.role, parts: m.parts.map((p) => renderPart(p, ctx, missing)) }));
    return { ok: true, messages, missing };
  };
}

/** The text of a message, as the output item's `sample.input[].content` shows it. */
export const messageText = (m: RenderedMessage): string => m.parts.map(partText).join('');

function partText(p: RenderedPart): string {
  switch (p.type) {
    case 'text':
      return p.text;
    case 'image':
      return `[image: ${p.url ?? p.fileId ?? ''}]`;
    case 'audio':
      return '[audio]';
    case 'file':
      return `[file: ${p.filename ?? p.fileId ?? p.fileUrl ?? ''}]`;
  }
}
