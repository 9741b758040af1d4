import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultProcess, isRapidfuzzAlnum, toCodePoints } from './rapidfuzz-default-process.ts';

// Expected mappings were read off rapidfuzz's compiled `utils.default_process`.
describe('defaultProcess (rapidfuzz utils.default_process, C++ implementation)', () => {
  it('lowercases, turns non-alphanumerics into spaces and trims spaces only at the ends', () => {
    assert.equal(defaultProcess('  Hello, World!  '), 'hello  world');
    assert.equal(defaultProcess('snake_case'), 'snake case'); // "_" is not alphanumeric here
    assert.equal(defaultProcess('\t\nTab\u00a0NBSP\u2003em'), 'tab nbsp em');
    assert.equal(defaultProcess('?!...'), '');
    assert.equal(defaultProcess(''), '');
  });

  it('keeps non-ASCII letters and digits, lowercased one code point to one', () => {
    assert.equal(defaultProcess('Café Straße ẞ'), 'café straße ß');
    assert.equal(defaultProcess('İSTANBUL'), 'istanbul'); // only the first code point of "i̇"
    assert.equal(defaultProcess('ΣΟΦΙΑ'), 'σοφια'); // no final-sigma rule
    assert.equal(defaultProcess('Ⅻ ² µ ª ١٢'), 'ⅻ ² µ ª ١٢');
    assert.equal(defaultProcess('日本語のテキスト'), '日本語のテキスト');
    assert.equal(defaultProcess('\u{10400}'), '\u{10428}'); // Deseret capital → small
    assert.equal(defaultProcess('smile \u{1F600}'), 'smile');
  });

  it('follows the Unicode 13.0 database rapidfuzz vendors, not the runtime’s newer one', () => {
    assert.equal(isRapidfuzzAlnum(0x9ffc), true); // CJK ideograph added in 13.0
    assert.equal(isRapidfuzzAlnum(0x9ffd), false); // added in 14.0
    assert.equal(isRapidfuzzAlnum(0x08b5), false); // Arabic letter added in 14.0
    assert.equal(defaultProcess('a\u9ffdb'), 'a b');
  });

  it('the alphanumeric table agrees with ASCII expectations', () => {
    for (let cp = 0; cp < 128; cp++) {
      const expected = /[0-9A-Za-z]/.test(String.fromCharCode(cp));
      assert.equal(isRapidfuzzAlnum(cp), expected, `U+${cp.toString(16)}`);
    }
  });
});

describe('toCodePoints', () => {
  it('counts astral characters once and keeps lone surrogates', () => {
    assert.deepEqual([...toCodePoints('a\u{1F600}b')], [0x61, 0x1f600, 0x62]);
    assert.deepEqual([...toCodePoints('\ud800x')], [0xd800, 0x78]);
  });
});
