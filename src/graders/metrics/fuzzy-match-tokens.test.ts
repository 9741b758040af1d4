import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzyMatch, partialRatio, partialTokenRatio, partialTokenSetRatio, partialTokenSortRatio, ratio, tokenRatio, tokenSetRatio, tokenSortRatio, wRatio } from './fuzzy-match.ts';
import { defaultProcess } from './rapidfuzz-default-process.ts';
import { seededRandom as seeded } from '../../../test/support/seeded-random.ts';

// fuzzy-match.ts computes the word-based scorers with shortcuts (a keyed insertion sort, one merge
// for the set decomposition, code points joined word by word, bit-parallel LCS). This file keeps
// the plain definitions — Sets, Array.prototype.sort, strings joined then decoded, the LCS table —
// and checks both give identical numbers on random inputs.

/** rapidfuzz `is_space`; U+0085 and U+00A0 only separate in strings Python stores wide. */
function isSpace(cp: number, wide: boolean): boolean {
  if (cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f)) return true;
  if (!wide) return false;
  return cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0) as number);

function compareCodePoints(a: string, b: string): number {
  const x = codePoints(a);
  const y = codePoints(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

function sortedWords(text: string, wide: boolean): string[] {
  const words: string[] = [];
  let word = '';
  for (const c of text) {
    if (isSpace(c.codePointAt(0) as number, wide)) {
      if (word !== '') words.push(word);
      word = '';
    } else word += c;
  }
  if (word !== '') words.push(word);
  return words.sort(compareCodePoints);
}

function lcs(a: readonly number[], b: readonly number[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, row[j - 1] as number);
    previous = row;
  }
  return previous[b.length] as number;
}

function ratioOf(a: string, b: string): number {
  const x = codePoints(a);
  const y = codePoints(b);
  const lensum = x.length + y.length;
  return lensum === 0 ? 100 : (1 - (lensum - 2 * lcs(x, y)) / lensum) * 100;
}

const norm = (dist: number, lensum: number): number => (lensum > 0 ? 100 - (100 * dist) / lensum : 100);

interface Parts {
  sortedA: string[];
  sortedB: string[];
  sect: string[];
  ab: string[];
  ba: string[];
}

function parts(a: string, b: string, processed: boolean): Parts {
  // the whitespace rule looks at the original strings' storage width
  const wide = (s: string): boolean => [...s].some((c) => (c.codePointAt(0) as number) > 0xff);
  const sortedA = sortedWords(processed ? defaultProcess(a) : a, wide(a));
  const sortedB = sortedWords(processed ? defaultProcess(b) : b, wide(b));
  const setA = new Set(sortedA);
  const setB = new Set(sortedB);
  const distinctA = [...setA].sort(compareCodePoints);
  const distinctB = [...setB].sort(compareCodePoints);
  return { sortedA, sortedB, sect: distinctA.filter((w) => setB.has(w)), ab: distinctA.filter((w) => !setB.has(w)), ba: distinctB.filter((w) => !setA.has(w)) };
}

function setScore(p: Parts): number {
  const ab = p.ab.join(' ');
  const ba = p.ba.join(' ');
  const abLen = codePoints(ab).length;
  const baLen = codePoints(ba).length;
  const sectLen = codePoints(p.sect.join(' ')).length;
  const sep = sectLen > 0 ? 1 : 0;
  const sectAB = sectLen + sep + abLen;
  const sectBA = sectLen + sep + baLen;
  const result = norm(abLen + baLen - 2 * lcs(codePoints(ab), codePoints(ba)), sectAB + sectBA);
  if (sectLen === 0) return result;
  return Math.max(result, norm(sep + abLen, sectLen + sectAB), norm(sep + baLen, sectLen + sectBA));
}

const contained = (p: Parts): boolean => p.sect.length > 0 && (p.ab.length === 0 || p.ba.length === 0);

const reference = {
  tokenSortRatio: (p: Parts): number => ratioOf(p.sortedA.join(' '), p.sortedB.join(' ')),
  tokenSetRatio: (p: Parts): number => (p.sortedA.length === 0 || p.sortedB.length === 0 ? 0 : contained(p) ? 100 : setScore(p)),
  tokenRatio: (p: Parts): number => (contained(p) ? 100 : Math.max(ratioOf(p.sortedA.join(' '), p.sortedB.join(' ')), setScore(p))),
  partialTokenSortRatio: (p: Parts): number => partialRatio(p.sortedA.join(' '), p.sortedB.join(' ')),
  partialTokenSetRatio: (p: Parts): number => (p.sortedA.length === 0 || p.sortedB.length === 0 ? 0 : p.sect.length > 0 ? 100 : partialRatio(p.ab.join(' '), p.ba.join(' '))),
  partialTokenRatio: (p: Parts): number => (p.sect.length > 0 ? 100 : Math.max(partialRatio(p.sortedA.join(' '), p.sortedB.join(' ')), partialRatio(p.ab.join(' '), p.ba.join(' ')))),
};

const production = { tokenSortRatio, tokenSetRatio, tokenRatio, partialTokenSortRatio, partialTokenSetRatio, partialTokenRatio };

/** WRatio from the parts above and fuzz.partial_ratio (whose window search has its own tests). */
function referenceWRatio(a: string, b: string, processed: boolean): number {
  const x = processed ? defaultProcess(a) : a;
  const y = processed ? defaultProcess(b) : b;
  const len1 = codePoints(x).length;
  const len2 = codePoints(y).length;
  if (len1 === 0 || len2 === 0) return 0;
  const lenRatio = Math.max(len1, len2) / Math.min(len1, len2);
  const end = ratioOf(x, y);
  const p = parts(a, b, processed);
  if (lenRatio < 1.5) return Math.max(end, reference.tokenRatio(p) * 0.95);
  const scale = lenRatio < 8 ? 0.9 : 0.6;
  return Math.max(end, partialRatio(x, y) * scale, reference.partialTokenRatio(p) * 0.95 * scale);
}

describe('word-based fuzz scorers against their plain definitions', () => {
  // No lone surrogates: fuzzy-match.ts orders them above U+E000…U+FFFF, as it orders the high
  // half of a pair, where Python's code point order puts them below (the port's choice, kept).
  const words = [
    'the', 'The', 'THE', 'cat', 'cats', 'sat', 'on', 'mat', 'a', 'ab', 'abc', 'abd', 'b', 'ba', 'zebra', '1', '10', '2',
    'café', 'Café', 'straße', 'İstanbul', 'ΣΟΦΙΑ', 'σοφια', '日本', '語', '😀', '𐐀', '\u{10428}', 'x\u{1F600}y', '\uffff', '\ue000',
    'well-known', "don't", 'a,b', 'end.', '!?', '',
  ];
  const separators = [' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '\u0085', '\u2003', '\u3000', ', ', '. '];

  function sentence(next: () => number): string {
    let text = '';
    for (let k = Math.floor(next() * 12); k > 0; k--) {
      text += words[Math.floor(next() * words.length)] as string;
      text += separators[Math.floor(next() * separators.length)] as string;
    }
    return text;
  }

  it('token sort / set / ratio and their partial forms, with and without default_process (seeded)', () => {
    const next = seeded(1124);
    for (let n = 0; n < 3_000; n++) {
      const a = sentence(next);
      const b = next() < 0.2 ? a.split(' ').reverse().join(' ') : sentence(next);
      for (const processed of [false, true]) {
        const p = parts(a, b, processed);
        const options = { defaultProcess: processed };
        for (const [name, score] of Object.entries(production)) {
          const expected = reference[name as keyof typeof reference](p);
          assert.equal(score(a, b, options), expected, `${name}(${JSON.stringify(a)}, ${JSON.stringify(b)}, ${processed})`);
        }
        assert.equal(ratio(a, b, options), ratioOf(processed ? defaultProcess(a) : a, processed ? defaultProcess(b) : b));
        assert.equal(wRatio(a, b, options), referenceWRatio(a, b, processed), `wRatio(${JSON.stringify(a)}, ${JSON.stringify(b)}, ${processed})`);
      }
      assert.equal(fuzzyMatch(a, b), referenceWRatio(a, b, true) / 100);
    }
  });

  it('long sentences (more than 64 words to sort, patterns of several LCS words)', () => {
    const next = seeded(77);
    for (let n = 0; n < 40; n++) {
      let a = '';
      let b = '';
      for (let k = 0; k < 70; k++) {
        a += `${words[Math.floor(next() * 20)] as string} `;
        b += `${words[Math.floor(next() * 20)] as string} `;
      }
      for (const processed of [false, true]) {
        const p = parts(a, b, processed);
        assert.equal(tokenSortRatio(a, b, { defaultProcess: processed }), reference.tokenSortRatio(p));
        assert.equal(tokenRatio(a, b, { defaultProcess: processed }), reference.tokenRatio(p));
        assert.equal(wRatio(a, b, { defaultProcess: processed }), referenceWRatio(a, b, processed));
      }
    }
  });
});
