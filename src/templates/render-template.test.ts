import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, renderTemplate, resolvePath, type TemplateContext } from './render-template.ts';

const ctx: TemplateContext = {
  item: {
    question: 'What is 2+2?',
    a: { b: [{ c: 'deep' }, { c: 'second' }] },
    n: 4,
    ok: true,
    nothing: null,
    list: [1, 'two', { three: 3 }],
    obj: { x: 1, y: [true] },
    'key with spaces': 'spaced',
    'kebab-key': 'kebab',
    städte: 'München',
    emoji: '👍🏽 ok',
  },
  sample: { output_text: 'four', choices: [{ message: { content: 'The answer is 4' } }] },
};

const noSample: TemplateContext = { item: ctx.item, sample: null };

describe('resolvePath', () => {
  it('resolves nested keys and [n] indexes', () => {
    assert.deepEqual(resolvePath(ctx, 'item.a.b[0].c'), { found: true, value: 'deep' });
    assert.deepEqual(resolvePath(ctx, 'item.a.b[1].c'), { found: true, value: 'second' });
    assert.deepEqual(resolvePath(ctx, 'sample.choices[0].message.content'), { found: true, value: 'The answer is 4' });
  });

  it('accepts .n on arrays like Jinja', () => {
    assert.deepEqual(resolvePath(ctx, 'item.list.1'), { found: true, value: 'two' });
  });

  it('resolves quoted keys', () => {
    assert.deepEqual(resolvePath(ctx, 'item["key with spaces"]'), { found: true, value: 'spaced' });
    assert.deepEqual(resolvePath(ctx, "item['key with spaces']"), { found: true, value: 'spaced' });
    assert.deepEqual(resolvePath(ctx, 'item.kebab-key'), { found: true, value: 'kebab' });
  });

  it('resolves the roots themselves and null values', () => {
    assert.deepEqual(resolvePath(ctx, 'item.nothing'), { found: true, value: null });
    assert.deepEqual(resolvePath(ctx, 'sample'), { found: true, value: ctx.sample });
  });

  it('does not resolve out-of-range indexes, missing keys or bad roots', () => {
    for (const path of [
      'item.a.b[2]', 'item.a.b[2].c', 'item.list[-1]', 'item.missing', 'item.n.x', 'item.question.length',
      'item.a[0]', 'item.constructor', 'items.question', 'question', '', 'item.', 'item..a', 'item[x]',
      'item["unclosed', 'sample.x.y',
    ]) {
      assert.deepEqual(resolvePath(ctx, path), { found: false }, path);
    }
  });

  it('does not resolve sample paths when there is no sample', () => {
    assert.deepEqual(resolvePath(noSample, 'sample.output_text'), { found: false });
    assert.deepEqual(resolvePath(noSample, 'sample'), { found: false });
  });
});

describe('renderTemplate', () => {
  it('returns text without placeholders unchanged', () => {
    assert.deepEqual(renderTemplate('plain text', ctx), { text: 'plain text', missing: [] });
    assert.deepEqual(renderTemplate('', ctx), { text: '', missing: [] });
    assert.deepEqual(renderTemplate('{ single } braces }}', ctx), { text: '{ single } braces }}', missing: [] });
  });

  it('renders strings verbatim', () => {
    assert.deepEqual(renderTemplate('Q: {{item.question}}', ctx), { text: 'Q: What is 2+2?', missing: [] });
  });

  it('allows whitespace inside the braces', () => {
    assert.equal(renderTemplate('{{ item.a.b[0].c }}|{{   sample.output_text\t}}|{{\nitem.n\n}}', ctx).text, 'deep|four|4');
  });

  it('renders non-string values as JSON', () => {
    assert.equal(renderTemplate('{{item.n}} {{item.ok}} {{item.list}} {{item.obj}}', ctx).text,
      '4 true [1,"two",{"three":3}] {"x":1,"y":[true]}');
    assert.equal(renderTemplate('{{ item.nothing }}', ctx).text, 'null');
  });

  it('renders several placeholders, repeated ones too', () => {
    assert.deepEqual(renderTemplate('{{item.n}}+{{item.n}}={{sample.output_text}}!', ctx), { text: '4+4=four!', missing: [] });
  });

  it('renders missing paths empty and lists each once', () => {
    assert.deepEqual(renderTemplate('a{{ item.x }}b{{item.a.b[9]}}c{{ item.x }}d', ctx), {
      text: 'abcd',
      missing: ['item.x', 'item.a.b[9]'],
    });
  });

  it('treats sample paths as missing when there is no sample', () => {
    assert.deepEqual(renderTemplate('[{{ sample.output_text }}]', noSample), { text: '[]', missing: ['sample.output_text'] });
  });

  it('keeps unclosed braces literal', () => {
    assert.deepEqual(renderTemplate('a {{ item.n', ctx), { text: 'a {{ item.n', missing: [] });
    assert.deepEqual(renderTemplate('{{item.n}} and {{ item.n', ctx), { text: '4 and {{ item.n', missing: [] });
    assert.deepEqual(renderTemplate('{{ a {{ item.n }}', ctx), { text: '{{ a 4', missing: [] });
  });

  it('treats extra outer braces as literal text', () => {
    assert.equal(renderTemplate('{"n": {{item.n}}}', ctx).text, '{"n": 4}');
    assert.equal(renderTemplate('{{{item.n}}}', ctx).text, '{4}');
  });

  it('renders {{}} empty and reports it missing', () => {
    assert.deepEqual(renderTemplate('x{{}}y{{  }}z', ctx), { text: 'xyz', missing: [''] });
  });

  it('handles unicode in text, keys and values', () => {
    assert.deepEqual(renderTemplate('🌍 {{ item.städte }} — {{item.emoji}} ✓', ctx), { text: '🌍 München — 👍🏽 ok ✓', missing: [] });
    assert.equal(renderTemplate('{{ item["städte"] }}', ctx).text, 'München');
  });

  it('renders JSON unicode verbatim, not escaped', () => {
    assert.equal(renderTemplate('{{ item.obj }}', { item: { obj: { s: 'é👍' } }, sample: null }).text, '{"s":"é👍"}');
  });
});

describe('compileTemplate', () => {
  it('compiles once and renders against many contexts', () => {
    const render = compileTemplate('{{ item.q }} -> {{ sample.output_text }}');
    assert.equal(compileTemplate('{{ item.q }} -> {{ sample.output_text }}'), render, 'cached');
    assert.deepEqual(render({ item: { q: 'a' }, sample: { output_text: 'b' } }), { text: 'a -> b', missing: [] });
    assert.deepEqual(render({ item: {}, sample: null }), { text: ' -> ', missing: ['item.q', 'sample.output_text'] });
  });

  it('stays correct after the cache evicts entries', () => {
    const first = compileTemplate('{{ item.v }}#first');
    for (let i = 0; i < 600; i++) compileTemplate(`{{ item.v }}#${i}`);
    assert.equal(first({ item: { v: 1 }, sample: null }).text, '1#first');
    assert.equal(compileTemplate('{{ item.v }}#first')({ item: { v: 2 }, sample: null }).text, '2#first');
  });

  it('returns fresh missing arrays so callers may mutate them', () => {
    const render = compileTemplate('{{ item.nope }}');
    render({ item: {}, sample: null }).missing.push('junk');
    assert.deepEqual(render({ item: {}, sample: null }).missing, ['item.nope']);
  });
});
