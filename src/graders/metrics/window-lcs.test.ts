import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { partialRatio, ratio } from './fuzzy-match.ts';
import { lcsLength } from './levenshtein.ts';
import { bestWindowLcs } from './window-lcs.ts';

const symbols = (random: () => number, length: number, alphabet: number): number[] => Array.from({ length }, () => Math.floor(random() * alphabet));
const letters = (random: () => number, length: number, alphabet: string): string => Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');

describe('best window LCS (seaweed combing)', () => {
  it('equals the best of the windows computed one by one (seeded random, small alphabets)', () => {
    const random = seededRandom(12);
    for (let t = 0; t < 5_000; t++) {
      const m = 1 + Math.floor(random() * 14);
      const n = m + Math.floor(random() * 24);
      const a = symbols(random, m, 1 + Math.floor(random() * 5));
      const b = symbols(random, n, 1 + Math.floor(random() * 5));
      const windows = 1 + Math.floor(random() * (n - m + 1));
      let best = 0;
      for (let i = 0; i < windows; i++) best = Math.max(best, lcsLength(a, b.slice(i, i + m)));
      assert.equal(bestWindowLcs(a, b, windows), best, JSON.stringify({ a, b, windows }));
    }
  });

  it('handles symbols beyond the byte range and long patterns', () => {
    const random = seededRandom(99);
    for (const [m, n] of [[70, 200], [300, 301], [129, 700]] as const) {
      const a = symbols(random, m, 3).map((s) => 0x1f600 + s);
      const b = symbols(random, n, 4).map((s) => 0x1f600 + s);
      let best = 0;
      for (let i = 0; i + m <= n; i++) best = Math.max(best, lcsLength(a, b.slice(i, i + m)));
      assert.equal(bestWindowLcs(a, b, n - m + 1), best);
    }
  });
});

describe('partial_ratio on long inputs', () => {
  /** Every substring rapidfuzz scores, one by one: full windows, short prefixes, short suffixes. */
  function bruteForcePartialRatio(a: string, b: string): number {
    const [s1, s2] = a.length <= b.length ? [a, b] : [b, a];
    let best = 0;
    for (let i = 0; i + s1.length <= s2.length; i++) best = Math.max(best, ratio(s1, s2.slice(i, i + s1.length)));
    for (let i = 1; i < s1.length; i++) best = Math.max(best, ratio(s1, s2.slice(0, i)), ratio(s1, s2.slice(s2.length - i)));
    return best;
  }

  it('gives exactly the brute-force score where pruning fails and the windows go to seaweed combing', () => {
    const random = seededRandom(2024);
    for (const [len1, len2, alphabet] of [[400, 1000, 'ab'], [700, 1500, 'abc'], [257, 2000, 'ab '], [500, 520, 'abcd']] as const) {
      const a = letters(random, len1, alphabet);
      const b = letters(random, len2, alphabet);
      assert.equal(partialRatio(a, b), bruteForcePartialRatio(a, b), `${len1} vs ${len2} over '${alphabet}'`);
      assert.equal(partialRatio(b, a), partialRatio(a, b));
    }
  });

  it('a 16,000-character text against an 8,000-character one over two symbols finishes (was minutes)', () => {
    const a = 'a '.repeat(8_000);
    const b = 'ab '.repeat(2_700);
    const score = partialRatio(a, b);
    assert.ok(score > 0 && score <= 100);
  });
});
