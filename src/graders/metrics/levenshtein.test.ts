import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indelDistance, lcsLength, LcsPattern } from './levenshtein.ts';

/** Textbook O(n·m) LCS table, as rouge-score's `_lcs_table` computes it. */
function lcsTable(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, row[j - 1] as number);
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/** Small deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

describe('bit-parallel LCS', () => {
  it('matches the DP table on random sequences of every word-boundary length', () => {
    const next = random(7);
    const lengths = [0, 1, 2, 31, 32, 33, 63, 64, 65, 96, 97, 127, 128, 130, 200];
    for (const alphabet of [2, 4, 30, 300, 70000]) {
      for (const n of lengths) {
        for (const m of lengths) {
          const a = Array.from({ length: n }, () => Math.floor(next() * alphabet));
          const b = Array.from({ length: m }, () => Math.floor(next() * alphabet));
          const expected = lcsTable(a, b);
          assert.equal(lcsLength(a, b), expected, `alphabet ${alphabet}, ${n}×${m}`);
          assert.equal(new LcsPattern(a).lcs(b), expected);
          assert.equal(indelDistance(a, b), n + m - 2 * expected);
        }
      }
    }
  });

  it('LCS of every prefix, for patterns of one to seven words (seeded)', () => {
    const next = random(11);
    for (const alphabet of [3, 40, 70000]) {
      for (const n of [1, 20, 32, 40, 64, 90, 128, 150, 224]) {
        const a = Array.from({ length: n }, () => Math.floor(next() * alphabet));
        const b = Array.from({ length: 60 }, () => Math.floor(next() * alphabet));
        const out = new Int32Array(b.length);
        new LcsPattern(a).lcsOfPrefixes(b, 0, b.length, out);
        for (let k = 0; k < b.length; k++) assert.equal(out[k], lcsTable(a, b.slice(0, k + 1)), `alphabet ${alphabet}, ${n}, prefix ${k + 1}`);
      }
    }
  });

  it('a reused pattern forgets the previous one', () => {
    const pattern = new LcsPattern([1, 2, 3, 300]);
    assert.equal(pattern.lcs([1, 2, 3, 300]), 4);
    pattern.assign(Array.from({ length: 70 }, (_, i) => (i % 2 === 0 ? 5 : 400)));
    assert.equal(pattern.lcs([1, 2, 3, 300]), 0);
    assert.equal(pattern.has(300), false);
    assert.equal(pattern.has(400), true);
    pattern.assign([9]);
    assert.equal(pattern.lcs([5, 400, 9]), 1);
    // shrinking and growing again, through every kernel, with symbols above 255 mixed in
    for (const length of [150, 3, 100, 40, 260, 1]) {
      const a = Array.from({ length }, (_, i) => (i % 3 === 0 ? 1000 + (i % 7) : i % 11));
      const b = Array.from({ length: 90 }, (_, i) => (i % 4 === 0 ? 1000 + (i % 5) : i % 13));
      assert.equal(pattern.assign(a).lcs(b), lcsTable(a, b), `length ${length}`);
      assert.equal(pattern.has(1000), true);
      assert.equal(pattern.has(999), false);
    }
  });

  it('a pattern too large to keep its table, then small ones again', () => {
    const pattern = new LcsPattern();
    const big = Array.from({ length: 6000 }, (_, i) => 1000 + i); // 6000 distinct symbols above 255
    const text = [5, 1003, 7, 1002, 1004, 6999, 1005999, 2000, 1500];
    assert.equal(pattern.assign(big).lcs(text), lcsTable(big, text));
    assert.equal(pattern.assign([1, 1003, 2]).lcs(text), 1);
    assert.equal(pattern.has(1004), false);
    assert.equal(pattern.assign(big.slice(0, 100)).lcs(text), lcsTable(big.slice(0, 100), text));
  });

  it('windows of a text', () => {
    const pattern = new LcsPattern([1, 2, 3]);
    assert.equal(pattern.lcs([9, 1, 2, 3, 9], 1, 4), 3);
    assert.equal(pattern.lcs([9, 1, 2, 3, 9], 2, 5), 2);
    assert.equal(pattern.lcs([9, 1, 2, 3, 9], 3, 3), 0);
  });
});
