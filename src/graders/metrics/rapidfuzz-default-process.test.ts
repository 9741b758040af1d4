import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultProcess, defaultProcessCodePoints, isRapidfuzzAlnum, toCodePoints } from './rapidfuzz-default-process.ts';

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

describe('defaultProcess fast paths', () => {
  /** The definition, code point by code point: alphanumerics lowercased (first code point), the rest spaces, then trimmed. */
  function reference(text: string): string {
    let out = '';
    for (const c of text) {
      const cp = c.codePointAt(0) as number;
      out += isRapidfuzzAlnum(cp) ? String.fromCodePoint(c.toLowerCase().codePointAt(0) as number) : ' ';
    }
    return out.replace(/^ +| +$/g, '');
  }

  it('every Latin-1 character alone and inside text (the one-byte path)', () => {
    for (let cp = 0; cp < 256; cp++) {
      const c = String.fromCharCode(cp);
      for (const text of [c, `a${c}b`, ` ${c}${c} `]) assert.equal(defaultProcess(text), reference(text), `U+${cp.toString(16)}`);
    }
  });

  it('random text mixing Latin-1, wider and astral characters; code points of the result (seeded)', () => {
    let state = 99;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const pieces = ['a', 'Z', '0', ' ', ',', 'É', 'ß', 'ÿ', '\u00a0', '\u00b5', 'İ', 'Σ', '日', '\u{10400}', '😀', '\ud800', '\udc00', '_', '-', ''];
    for (let n = 0; n < 5_000; n++) {
      let text = '';
      for (let k = Math.floor(next() * 30); k > 0; k--) text += pieces[Math.floor(next() * pieces.length)] as string;
      const processed = defaultProcess(text);
      assert.equal(processed, reference(text), JSON.stringify(text));
      const both = defaultProcessCodePoints(text);
      assert.equal(both.str, processed);
      assert.deepEqual(both.cps, toCodePoints(processed));
    }
  });
});
