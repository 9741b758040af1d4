type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One model answer, whichever API shape it came in: a Chat Completion, a Responses object, or an
 * output item's own `sample` (`output: [{role, content, tool_calls?}]`). Sampled rows and `jsonl`
 * rows that bring a whole answer go through the same readers, so graders see the same fields.
 */
export interface ModelOutput {
  /** The answer's text; null when the shape holds no answer at all (then graders see no `output_text`). */
  text: string | null;
  /** Tool calls as the output message carries them: Chat Completions shape (see `graderToolCall`). */
  toolCalls: unknown[];
  finishReason: string | null;
  /** The Chat Completion's own `choices`, when the answer came in that shape. */
  choices: unknown[] | null;
}

/** Text of a content value: a string, or parts whose `text` is the answer (`output_text`, `text`). */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  let text = '';
  for (const part of content) {
    if (isRecord(part) && (part['type'] === 'output_text' || part['type'] === 'text' || part['type'] === undefined) && typeof part['text'] === 'string') text += part['text'];
  }
  return text;
}

/** A Chat Completion's answer: its first choice's message (a stream's assembled `delta` too). */
export function fromChatCompletion(body: Json): ModelOutput {
  const choices = Array.isArray(body['choices']) ? (body['choices'] as unknown[]) : [];
  const first = isRecord(choices[0]) ? choices[0] : {};
  const message = isRecord(first['message']) ? first['message'] : isRecord(first['delta']) ? first['delta'] : null;
  const toolCalls: unknown[] = [];
  if (message !== null) {
    if (Array.isArray(message['tool_calls'])) toolCalls.push(...(message['tool_calls'] as unknown[]));
    // The deprecated `functions` API answers with one `function_call` instead.
    else if (isRecord(message['function_call'])) toolCalls.push({ id: '', type: 'function', function: message['function_call'] });
  }
  // A message whose content is null (tool calls only, or a refusal) answered with no text.
  const text = message === null ? null : (contentText(message['content']) ?? '');
  return { text, toolCalls, finishReason: typeof first['finish_reason'] === 'string' ? first['finish_reason'] : null, choices };
}

/**
 * A Responses object's answer — or an output item's `output` list: the text of every assistant
 * message (`output_text` parts, or a plain string), and its tool calls. `function_call` and
 * `custom_tool_call` items become Chat Completions tool calls; other `*_call` items (web search,
 * file search, …) are kept as they are.
 */
export function fromOutputList(body: Json): ModelOutput {
  const output = Array.isArray(body['output']) ? (body['output'] as unknown[]) : [];
  let text: string | null = null;
  const toolCalls: unknown[] = [];
  for (const entry of output) {
    if (!isRecord(entry)) continue;
    const type = entry['type'];
    if (type === 'function_call' || type === 'custom_tool_call') toolCalls.push(graderToolCall(entry));
    else if (typeof type === 'string' && type.endsWith('_call')) toolCalls.push(entry);
    else if (type === undefined || type === 'message') {
      if (entry['role'] !== undefined && entry['role'] !== 'assistant') continue;
      const t = contentText(entry['content']);
      if (t !== null) text = (text ?? '') + t;
      if (Array.isArray(entry['tool_calls'])) toolCalls.push(...(entry['tool_calls'] as unknown[]));
    }
  }
  // A Responses object that answered only with tool calls has no text, but it did answer.
  if (text === null && (toolCalls.length > 0 || typeof body['status'] === 'string')) text = '';
  return { text, toolCalls, finishReason: responseFinish(body), choices: null };
}

/** `finish_reason` of a Responses object: `stop` when completed, else why it is incomplete, else its status. */
function responseFinish(body: Json): string | null {
  const status = body['status'];
  if (typeof status !== 'string') return null;
  if (status === 'completed') return 'stop';
  const details = body['incomplete_details'];
  return isRecord(details) && typeof details['reason'] === 'string' ? details['reason'] : status;
}

/**
 * A `jsonl` row's own sample, whatever it holds: fields it states (`output_text`, `output_tools`,
 * `finish_reason`) win over those derived from a whole Chat Completion (`choices`) or Responses object / output
 * item sample (`output`).
 */
export function fromRowSample(sample: Json): ModelOutput {
  const derived = Array.isArray(sample['choices']) && sample['choices'].length > 0 ? fromChatCompletion(sample) : fromOutputList(sample);
  const text = typeof sample['output_text'] === 'string' ? sample['output_text'] : derived.text;
  const finishReason = typeof sample['finish_reason'] === 'string' ? sample['finish_reason'] : derived.finishReason;
  const toolCalls = Array.isArray(sample['output_tools']) ? (sample['output_tools'] as unknown[]) : derived.toolCalls;
  return { ...derived, text, finishReason, toolCalls };
}

/**
 * One shape for every tool call graders see in `sample.output_tools`, whichever API made it: the
 * Chat Completions shape, with the Responses API's fields beside it, so templates written for
 * either resolve —
 * `{ id, type: "function", function: { name, arguments }, call_id, name, arguments }`
 * (`id` and `call_id` are both the call id), and for custom tools
 * `{ id, type: "custom", custom: { name, input }, call_id, name, input }`. Other tool calls (the
 * Responses API's built-in tools) keep their own shape.
 */
export function graderToolCall(call: unknown): unknown {
  if (!isRecord(call)) return call;
  const callId = typeof call['call_id'] === 'string' ? call['call_id'] : typeof call['id'] === 'string' ? call['id'] : '';
  const fn = call['function'];
  if (isRecord(fn) || call['type'] === 'function_call' || call['type'] === 'function') {
    const name = isRecord(fn) ? fn['name'] : call['name'];
    const args = isRecord(fn) ? fn['arguments'] : call['arguments'];
    return { id: callId, type: 'function', function: { name, arguments: args }, call_id: callId, name, arguments: args };
  }
  const custom = call['custom'];
  if (isRecord(custom) || call['type'] === 'custom_tool_call' || call['type'] === 'custom') {
    const name = isRecord(custom) ? custom['name'] : call['name'];
    const input = isRecord(custom) ? custom['input'] : call['input'];
    return { id: callId, type: 'custom', custom: { name, input }, call_id: callId, name, input };
  }
  return call;
}

/** `output_json`: the text parsed when it looks like JSON; a failed parse (an exception) is not cheap, so prose skips it. */
export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The output item's `sample.output`: one assistant message with the text and any tool calls, or nothing. */
export function outputMessages(out: ModelOutput): Json[] {
  if (out.text === null && out.toolCalls.length === 0) return [];
  const message: Json = { role: 'assistant', content: out.text ?? '' };
  if (out.toolCalls.length > 0) message['tool_calls'] = out.toolCalls;
  return [message];
}

/**
 * What graders see of an answer besides the sample itself: `output_text`, `output_json`,
 * `output_tools` (see `graderToolCall`) and `choices` (the Chat Completion's own, else one made
 * from the answer). No `output_text` when there is no answer text at all, so a template that
 * needs it is flagged.
 */
export function graderFields(out: ModelOutput, finishReason: string): Json {
  const fields: Json = {};
  if (out.text !== null) fields['output_text'] = out.text;
  fields['output_json'] = parseJson(out.text);
  fields['output_tools'] = out.toolCalls.map(graderToolCall);
  const message: Json = { role: 'assistant', content: out.text ?? '' };
  if (out.toolCalls.length > 0) message['tool_calls'] = out.toolCalls;
  fields['choices'] = out.choices ?? [{ index: 0, message, finish_reason: finishReason }];
  return fields;
}
