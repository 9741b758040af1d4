import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonlSample } from './jsonl-sample.ts';
import { fromChatCompletion, fromOutputList, fromRowSample, graderFields, graderToolCall } from './model-output.ts';

// What `completion.model_dump()` gives for an answer with text, and for one with a tool call.
const COMPLETION = {
  id: 'chatcmpl-abc', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_1', service_tier: 'default',
  choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: '{"answer": "Paris"}', refusal: null, tool_calls: null, function_call: null, audio: null, annotations: [] } }],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: null },
};
const CHAT_CALL = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } };
const TOOL_COMPLETION = {
  ...COMPLETION,
  choices: [{ index: 0, finish_reason: 'tool_calls', logprobs: null, message: { role: 'assistant', content: null, refusal: null, tool_calls: [CHAT_CALL], function_call: null } }],
};
// What a Responses object looks like: a reasoning item, a message with output_text parts, a function call.
const RESPONSE = {
  id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'gpt-4.1-2025-04-14', error: null, incomplete_details: null,
  output: [
    { type: 'reasoning', id: 'rs_1', summary: [] },
    { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello ', annotations: [] }, { type: 'output_text', text: 'world', annotations: [] }] },
    { type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'lookup', arguments: '{"q":"y"}', status: 'completed' },
    { type: 'web_search_call', id: 'ws_1', status: 'completed' },
  ],
  temperature: 0.5, top_p: 1, max_output_tokens: 100,
  usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
};
const SUPERSET_9 = { id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"y"}' }, call_id: 'call_9', name: 'lookup', arguments: '{"q":"y"}' };

describe('model output readers', () => {
  it('a Chat Completion: first choice text, tool calls verbatim, finish_reason, choices', () => {
    assert.deepEqual(fromChatCompletion(COMPLETION), { text: '{"answer": "Paris"}', toolCalls: [], finishReason: 'stop', choices: COMPLETION.choices });
    const tools = fromChatCompletion(TOOL_COMPLETION);
    assert.deepEqual(tools, { text: '', toolCalls: [CHAT_CALL], finishReason: 'tool_calls', choices: TOOL_COMPLETION.choices });
  });

  it('a streamed completion assembled as deltas, content parts, and the legacy function_call', () => {
    const streamed = { choices: [{ index: 0, delta: { content: 'hi', tool_calls: [{ index: 0, ...CHAT_CALL }] }, finish_reason: 'tool_calls' }] };
    assert.deepEqual(fromChatCompletion(streamed).toolCalls, [{ index: 0, ...CHAT_CALL }]);
    assert.equal(fromChatCompletion(streamed).text, 'hi');
    const parts = { choices: [{ message: { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] } }] };
    assert.equal(fromChatCompletion(parts).text, 'ab');
    const legacy = { choices: [{ message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }, finish_reason: 'function_call' }] };
    assert.deepEqual(graderToolCall(fromChatCompletion(legacy).toolCalls[0]), { id: '', type: 'function', function: { name: 'f', arguments: '{}' }, call_id: '', name: 'f', arguments: '{}' });
  });

  it('a Responses object: output_text parts joined, function calls in the one shape, built-in calls kept', () => {
    const out = fromOutputList(RESPONSE);
    assert.equal(out.text, 'Hello world');
    assert.equal(out.finishReason, 'stop');
    assert.deepEqual(out.toolCalls, [SUPERSET_9, { type: 'web_search_call', id: 'ws_1', status: 'completed' }]);
    const incomplete = fromOutputList({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] });
    assert.deepEqual([incomplete.text, incomplete.finishReason], ['', 'max_output_tokens']);
    const custom = fromOutputList({ status: 'completed', output: [{ type: 'custom_tool_call', call_id: 'c1', name: 'sql', input: 'select 1' }] });
    assert.deepEqual(custom.toolCalls, [{ id: 'c1', type: 'custom', custom: { name: 'sql', input: 'select 1' }, call_id: 'c1', name: 'sql', input: 'select 1' }]);
  });

  it('fromRowSample: stated output_text and output_tools win; an empty choices list falls back to output', () => {
    assert.equal(fromRowSample({ ...COMPLETION, output_text: 'mine' }).text, 'mine');
    assert.deepEqual(fromRowSample({ ...COMPLETION, output_tools: [CHAT_CALL] }).toolCalls, [CHAT_CALL]);
    assert.equal(fromRowSample({ choices: [], output: [{ role: 'assistant', content: 'x' }] }).text, 'x');
  });

  it('graderToolCall gives one shape for both APIs, and is idempotent', () => {
    const fromChat = graderToolCall(CHAT_CALL);
    assert.deepEqual(fromChat, { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' }, call_id: 'call_1', name: 'lookup', arguments: '{"q":"x"}' });
    assert.deepEqual(graderToolCall(fromChat), fromChat);
    assert.deepEqual(graderToolCall(RESPONSE.output[2]), SUPERSET_9);
    assert.equal(graderToolCall('x'), 'x');
  });

  it('graderFields: output_json parsed from JSON text only; choices made when there are none', () => {
    const chat = graderFields(fromChatCompletion(COMPLETION), 'stop');
    assert.deepEqual(chat['output_json'], { answer: 'Paris' });
    assert.equal(chat['choices'], COMPLETION.choices);
    const resp = graderFields(fromOutputList(RESPONSE), 'stop');
    assert.equal(resp['output_json'], null);
    assert.deepEqual(resp['choices'], [{ index: 0, message: { role: 'assistant', content: 'Hello world', tool_calls: [SUPERSET_9, RESPONSE.output[3]] }, finish_reason: 'stop' }]);
    assert.equal('output_text' in graderFields({ text: null, toolCalls: [], finishReason: null, choices: null }, ''), false);
  });
});

describe('jsonlSample', () => {
  it('a row sample with only output_text', () => {
    const { sample, graderSample } = jsonlSample({ output_text: '[1, 2]' });
    assert.deepEqual(sample.output, [{ role: 'assistant', content: '[1, 2]' }]);
    assert.equal(sample.finish_reason, 'stop');
    assert.equal(sample.model, '');
    assert.deepEqual(graderSample, { output_text: '[1, 2]', output_json: [1, 2], output_tools: [], choices: [{ index: 0, message: { role: 'assistant', content: '[1, 2]' }, finish_reason: 'stop' }] });
  });

  it('a whole Chat Completion (model_dump) is graded like a sampled answer; the output item keeps its tool calls', () => {
    const text = jsonlSample(COMPLETION);
    assert.equal(text.graderSample?.['output_text'], '{"answer": "Paris"}');
    assert.deepEqual(text.graderSample?.['output_json'], { answer: 'Paris' });
    assert.equal(text.sample.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(text.sample.usage, { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 }, 'no model was called for a jsonl row');
    const tool = jsonlSample(TOOL_COMPLETION);
    assert.deepEqual(tool.sample.output, [{ role: 'assistant', content: '', tool_calls: [CHAT_CALL] }]);
    assert.equal(tool.sample.finish_reason, 'tool_calls');
    assert.equal(tool.graderSample?.['output_text'], '');
    assert.deepEqual(tool.graderSample?.['output_tools'], [graderToolCall(CHAT_CALL)]);
  });

  it('a whole Responses object', () => {
    const { sample, graderSample } = jsonlSample(RESPONSE);
    assert.equal(graderSample?.['output_text'], 'Hello world');
    assert.deepEqual((graderSample?.['output_tools'] as unknown[])[0], SUPERSET_9);
    assert.deepEqual(graderSample?.['output'], RESPONSE.output, 'the row’s own fields stay as given');
    assert.deepEqual(sample.output, [{ role: 'assistant', content: 'Hello world', tool_calls: [SUPERSET_9, RESPONSE.output[3]] }]);
    assert.equal(sample.model, 'gpt-4.1-2025-04-14');
    assert.equal(sample.temperature, 0.5);
    assert.equal(sample.max_completion_tokens, 100);
  });

  it('an output item’s own sample fed back as a row; stated fields win over derived ones', () => {
    const item = { input: [{ role: 'user', content: 'q' }], output: [{ role: 'assistant', content: 'a', tool_calls: [CHAT_CALL] }], finish_reason: 'tool_calls', model: 'm', seed: 3 };
    const { sample, graderSample } = jsonlSample(item);
    assert.deepEqual(sample.output, item.output);
    assert.deepEqual(sample.input, item.input);
    assert.equal(sample.seed, 3);
    assert.equal(graderSample?.['output_text'], 'a');
    const stated = jsonlSample({ ...COMPLETION, output_text: 'mine', output_json: { mine: true }, finish_reason: 'length' });
    assert.equal(stated.graderSample?.['output_text'], 'mine');
    assert.deepEqual(stated.graderSample?.['output_json'], { mine: true });
    assert.equal(stated.sample.finish_reason, 'length');
  });

  it('no sample, or one without any answer', () => {
    assert.deepEqual(jsonlSample(null).graderSample, null);
    assert.deepEqual(jsonlSample(null).sample.output, []);
    const empty = jsonlSample({ model: 'm' });
    assert.deepEqual(empty.sample.output, []);
    assert.equal(empty.sample.finish_reason, '');
    assert.equal('output_text' in (empty.graderSample ?? {}), false, 'a template needing output_text is still flagged');
    assert.equal('output_text' in (jsonlSample({ output_text: null }).graderSample ?? {}), false);
  });

  it('odd values never throw', () => {
    for (const odd of [{ choices: [null, 1] }, { choices: [{ message: 'x' }] }, { output: 'x' }, { output: [null, 1, 'a', { type: 5 }] }, { output_text: null }, { choices: [], output: [] }, { output_tools: 'x' }]) {
      assert.doesNotThrow(() => jsonlSample(odd));
    }
  });
});
