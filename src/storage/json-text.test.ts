import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonbFilter, jsonbText, textValue } from './json-text.ts';

describe('json-text (what jsonb and text columns can hold)', () => {
  it('jsonbText leaves ordinary JSON as JSON.stringify writes it (pairs and escaped backslashes included)', () => {
    for (const value of [{ a: 'b' }, { emoji: '😀', path: 'C:\\ud800', nul: 'x\\u0000' }, ['\ud83d\ude00'], null, 'plain']) {
      assert.equal(jsonbText(value), JSON.stringify(value));
    }
  });

  it('jsonbText turns U+0000 and lone surrogates, in values and keys, into U+FFFD', () => {
    assert.equal(jsonbText({ 'k\u0000': ['a\ud800b', 'c\udfff', '\udc00\ud800'], ok: '😀' }), JSON.stringify({ 'k\ufffd': ['a\ufffdb', 'c\ufffd', '\ufffd\ufffd'], ok: '😀' }));
  });

  it('textValue cleans the same characters', () => {
    assert.equal(textValue('m\u0000\ud800😀'), 'm\ufffd\ufffd😀');
  });

  it('jsonbFilter: null (match nothing) for filters no jsonb value can hold, else the JSON', () => {
    assert.equal(jsonbFilter({ use_case: 'a' }), '{"use_case":"a"}');
    assert.equal(jsonbFilter({ use_case: 'a\u0000' }), null);
    assert.equal(jsonbFilter({ 'k\ud800': 'a' }), null);
    assert.equal(jsonbFilter({ path: 'C:\\ud800' }), JSON.stringify({ path: 'C:\\ud800' }));
  });
});
