import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ngramMatches } from './ngrams.ts';
import { seededRandom as seeded } from '../../../test/support/seeded-random.ts';

/** The definition: Σ over n-grams of min(count in a, count in b), with Maps keyed by the tokens. */
function referenceMatches(a: readonly string[], b: readonly string[], maxOrder: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= a.length; i++) {
      const key = JSON.stringify(a.slice(i, i + n));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let matched = 0;
    for (let i = 0; i + n <= b.length; i++) {
      const key = JSON.stringify(b.slice(i, i + n));
      const left = counts.get(key) ?? 0;
      if (left > 0) {
        counts.set(key, left - 1);
        matched++;
      }
    }
    out.push(matched);
  }
  return out;
}

describe('ngramMatches (clipped n-gram counts of BLEU / GLEU)', () => {
  it('equals Counter intersections on random token lists (seeded), buffers reused call after call', () => {
    const next = seeded(42);
    // "Aa" and "BB" share their polynomial hash; "" and odd characters are tokens too
    const pool = ['the', 'cat', 'sat', 'on', 'mat', '.', ',', "'s", 'Aa', 'BB', '', ' ', 'a\u0000b', 'a', '😀', 'é', 'e\u0301'];
    for (let n = 0; n < 4_000; n++) {
      const vocabulary = 1 + Math.floor(next() * pool.length);
      const draw = (length: number): string[] => Array.from({ length }, () => pool[Math.floor(next() * vocabulary)] as string);
      const a = draw(Math.floor(next() * (n % 10 === 0 ? 200 : 25)));
      const b = next() < 0.1 ? [...a] : draw(Math.floor(next() * 25));
      const maxOrder = 1 + Math.floor(next() * 5);
      assert.deepEqual(ngramMatches(a, b, maxOrder), referenceMatches(a, b, maxOrder), JSON.stringify({ a, b, maxOrder }));
    }
  });

  it('long inputs with a large vocabulary (the Map path for pair codes)', () => {
    const next = seeded(3);
    for (const length of [600, 1500]) {
      const a = Array.from({ length }, () => `w${Math.floor(next() * length)}`);
      const b = [...a.slice(length / 3), ...Array.from({ length: length / 2 }, () => `w${Math.floor(next() * length)}`)];
      assert.deepEqual(ngramMatches(a, b, 4), referenceMatches(a, b, 4));
      assert.deepEqual(ngramMatches(b, a, 4), referenceMatches(b, a, 4));
    }
  });

  it('one call larger than the buffers keep, then small calls again', () => {
    const next = seeded(5);
    const a = Array.from({ length: 40_000 }, () => `w${Math.floor(next() * 30_000)}`);
    const b = Array.from({ length: 30_000 }, () => `w${Math.floor(next() * 30_000)}`);
    assert.deepEqual(ngramMatches(a, b, 2), referenceMatches(a, b, 2));
    assert.deepEqual(ngramMatches(['x', 'y', 'z'], ['x', 'y', 'q'], 4), [2, 1, 0, 0]);
    assert.deepEqual(ngramMatches(a.slice(0, 500), a.slice(100, 700), 4), referenceMatches(a.slice(0, 500), a.slice(100, 700), 4));
  });

  it('edge cases', () => {
    assert.deepEqual(ngramMatches([], ['a'], 4), [0, 0, 0, 0]);
    assert.deepEqual(ngramMatches(['a'], [], 4), [0, 0, 0, 0]);
    assert.deepEqual(ngramMatches(['a', 'b'], ['a', 'b'], 4), [2, 1, 0, 0]);
    assert.deepEqual(ngramMatches(['a', 'a', 'a'], ['a', 'a'], 3), [2, 1, 0]);
    assert.deepEqual(ngramMatches(['x'], ['y'], 2), [0, 0]);
  });
});
