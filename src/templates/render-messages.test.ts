import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDataSourceSchema, type CompletionsDataSource } from '../domain/run-data-source.ts';
import { compileMessages, messageText } from './render-messages.ts';
import { toChatMessage } from './to-chat-message.ts';
import { toResponsesInput } from './to-responses-input.ts';

/** input_messages exactly as a create-run request carries them, through the real validator. */
function inputMessages(raw: unknown) {
  const parsed = runDataSourceSchema.parse({ type: 'completions', model: 'm', input_messages: raw, source: { type: 'file_content', content: [] } }) as CompletionsDataSource;
  if (!parsed.input_messages) throw new Error('no input_messages');
  return parsed.input_messages;
}

describe('compileMessages', () => {
  it('renders short and long template forms, text and images, per row', () => {
    const render = compileMessages(
      inputMessages({
        type: 'template',
        template: [
          { role: 'system', content: 'Answer with one letter.' },
          { type: 'message', role: 'user', content: { type: 'input_text', text: 'Q: {{ item.q }} ({{item.n}})' } },
          { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: '{{ item.img }}', detail: 'low' }, { type: 'input_text', text: 'what is it?' }] },
          { type: 'message', role: 'assistant', content: { type: 'output_text', text: 'earlier: {{ item.prev }}' } },
        ],
      }),
    );
    const out = render({ q: 'capital of France', n: 3, img: 'https://x/y.png' });
    assert.ok(out.ok);
    assert.deepEqual(out.messages.map(messageText), ['Answer with one letter.', 'Q: capital of France (3)', '[image: https://x/y.png]what is it?', 'earlier: ']);
    assert.deepEqual(out.missing, ['item.prev']);
    assert.deepEqual(out.messages[2]?.parts[0], { type: 'image', url: 'https://x/y.png', detail: 'low' });
    assert.equal(out.messages[3]?.parts[0]?.type === 'text' && out.messages[3].parts[0].output, true);
  });

  it('takes a message array from the row with item_reference', () => {
    const render = compileMessages(inputMessages({ type: 'item_reference', item_reference: 'item.messages' }));
    const ok = render({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] }] });
    assert.ok(ok.ok);
    assert.deepEqual(ok.messages.map((m) => [m.role, messageText(m)]), [['user', 'hi'], ['assistant', 'hello']]);
    const missing = render({});
    assert.deepEqual(missing, { ok: false, message: 'item.messages is not present in this row' });
    const wrong = render({ messages: 'hi' });
    assert.equal(wrong.ok, false);
    const noRole = render({ messages: [{ content: 'x' }] });
    assert.deepEqual(noRole, { ok: false, message: 'item.messages[0] must be a message with a string role' });
  });

  it('renders every string field of every part type: image url/file_id/detail, audio data/format, file data/id/name/url', () => {
    const render = compileMessages(
      inputMessages({
        type: 'template',
        template: [
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_audio', input_audio: { data: '{{ item.audio_base64 }}', format: '{{item.fmt}}' } },
              { type: 'input_image', image_url: null, file_id: '{{item.image_file}}', detail: '{{item.detail}}' },
              { type: 'input_file', file_data: 'data:application/pdf;base64,{{item.pdf}}', filename: '{{item.name}}.pdf' },
              { type: 'input_file', file_id: '{{item.file}}' },
              { type: 'input_file', file_url: 'https://files.example/{{item.name}}' },
            ],
          },
        ],
      }),
    );
    const out = render({ audio_base64: 'UklGRg==', fmt: 'wav', image_file: 'file-img', detail: 'high', pdf: 'JVBERi0=', name: 'report', file: 'file-doc' });
    assert.ok(out.ok);
    assert.deepEqual(out.missing, []);
    assert.deepEqual(out.messages[0]?.parts, [
      { type: 'audio', data: 'UklGRg==', format: 'wav' },
      { type: 'image', fileId: 'file-img', detail: 'high' },
      { type: 'file', fileData: 'data:application/pdf;base64,JVBERi0=', filename: 'report.pdf' },
      { type: 'file', fileId: 'file-doc' },
      { type: 'file', fileUrl: 'https://files.example/report' },
    ]);
    assert.equal(messageText(out.messages[0]), '[audio][image: file-img][file: report.pdf][file: file-doc][file: https://files.example/report]');
    const message = out.messages[0];
    assert.deepEqual(toResponsesInput(message), [
      {
        role: 'user',
        content: [
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'input_image', detail: 'high', file_id: 'file-img' },
          { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'report.pdf' },
          { type: 'input_file', file_id: 'file-doc' },
          { type: 'input_file', file_url: 'https://files.example/report' },
        ],
      },
    ]);
    assert.deepEqual(toChatMessage(message), {
      role: 'user',
      content: [
        { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
        { type: 'file', file: { file_id: 'file-img' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'report.pdf' } },
        { type: 'file', file: { file_id: 'file-doc' } },
        { type: 'file', file: {} },
      ],
    });
    // A missing path in any field is reported, as in text.
    const missing = render({});
    assert.ok(missing.ok);
    assert.deepEqual(missing.missing, ['item.audio_base64', 'item.fmt', 'item.image_file', 'item.detail', 'item.pdf', 'item.name', 'item.file']);
  });

  it('refuses parts without what they need: an image without url or file, a file without data, id or url', () => {
    assert.throws(() => inputMessages({ type: 'template', template: [{ role: 'user', content: [{ type: 'input_image', detail: 'low' }] }] }), /image_url or a file_id/);
    assert.throws(() => inputMessages({ type: 'template', template: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf' }] }] }), /file_data, a file_id or a file_url/);
  });

  it('item_reference: audio, file and image parts of either API are sent as the row has them', () => {
    const render = compileMessages(inputMessages({ type: 'item_reference', item_reference: 'item.messages' }));
    const out = render({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'listen' },
            { type: 'input_audio', input_audio: { data: 'AAA=', format: 'mp3' } },
            { type: 'image_url', image_url: { url: 'https://x/i.png', detail: 'low' } },
            { type: 'input_image', file_id: 'file-1' },
            { type: 'file', file: { file_id: 'file-2', filename: 'a.pdf' } },
            { type: 'input_file', file_data: 'ZGF0YQ==', filename: 'b.txt' },
          ],
        },
      ],
    });
    assert.ok(out.ok);
    assert.deepEqual(out.messages[0]?.parts, [
      { type: 'text', text: 'listen', output: false },
      { type: 'audio', data: 'AAA=', format: 'mp3' },
      { type: 'image', url: 'https://x/i.png', detail: 'low' },
      { type: 'image', fileId: 'file-1' },
      { type: 'file', fileId: 'file-2', filename: 'a.pdf' },
      { type: 'file', fileData: 'ZGF0YQ==', filename: 'b.txt' },
    ]);
    const bad = render({ messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] });
    assert.equal(bad.ok, false);
  });

  it('item_reference: a logged conversation with tool use (either API) keeps its calls and tool answers', () => {
    const render = compileMessages(inputMessages({ type: 'item_reference', item_reference: 'item.messages' }));
    const call = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } };
    const chat = render({
      messages: [
        { role: 'user', content: 'find a' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_1', content: 'found' },
      ],
    });
    assert.ok(chat.ok);
    assert.deepEqual(chat.messages.map(toChatMessage), [
      { role: 'user', content: 'find a' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: 'found' },
    ]);
    const responses = render({
      messages: [
        { role: 'user', content: 'find a' },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"a"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'found' },
      ],
    });
    assert.ok(responses.ok);
    assert.deepEqual(responses.messages, chat.messages);
    assert.deepEqual(chat.messages.flatMap(toResponsesInput), [
      { role: 'user', content: 'find a' },
      { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"a"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'found' },
    ]);
    const nameless = render({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'x', function: {} }] }] });
    assert.equal(nameless.ok, false);
    const noContent = render({ messages: [{ role: 'assistant', content: null }] });
    assert.equal(noContent.ok, false);
  });

  it('refuses an item_reference outside the row', () => {
    assert.throws(() => inputMessages({ type: 'item_reference', item_reference: 'sample.output' }), /item_reference must name a field of the row/);
  });
});
