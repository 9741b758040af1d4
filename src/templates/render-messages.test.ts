import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDataSourceSchema, type CompletionsDataSource } from '../domain/run-data-source.ts';
import { compileMessages, messageText } from './render-messages.ts';

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

  it('refuses an item_reference outside the row', () => {
    assert.throws(() => inputMessages({ type: 'item_reference', item_reference: 'sample.output' }), /item_reference must name a field of the row/);
  });
});
