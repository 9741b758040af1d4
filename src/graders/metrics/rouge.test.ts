import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rougeL, rougeN, rougeTokenize, type RougeN } from './rouge.ts';
import { metricVectors } from '../../../test/fixtures/metric-vectors.ts';


const vectors = metricVectors;

const TOLERANCE = 1e-9;

function close(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${label}: got ${actual}, expected ${expected}`);
}

describe('ROUGE reference vectors (rouge-score, use_stemmer=False, fmeasure)', () => {
  const scorers: Record<string, (candidate: string, reference: string) => number> = {
    rouge_l: rougeL,
  };
  for (const n of [1, 2, 3, 4, 5] as const) scorers[`rouge_${n}`] = (c, r) => rougeN(c, r, n);

  for (const [metric, score] of Object.entries(scorers)) {
    // the `fmeasure+porter_stemmer` variants are not what Proctor follows (docs/architecture.md §6)
    const cases = vectors.filter((v) => v.metric === metric && v.variant === 'fmeasure');
    it(`${metric}: all ${cases.length} vectors within 1e-9`, () => {
      assert.ok(cases.length > 0);
      for (const v of cases) close(score(v.candidate, v.reference), v.expected, `${metric} ${JSON.stringify(v.candidate)}`);
    });
  }
});

describe('rougeTokenize (rouge.tokenize.tokenize without stemmer)', () => {
  it('lowercases and splits on every character outside [a-z0-9]', () => {
    assert.deepEqual(rougeTokenize("The cat's mat, 2nd-floor!"), ['the', 'cat', 's', 'mat', '2nd', 'floor']);
    assert.deepEqual(rougeTokenize('snake_case\ttab\nline'), ['snake', 'case', 'tab', 'line']);
  });

  it('non-ASCII letters are separators, not part of words', () => {
    assert.deepEqual(rougeTokenize('Café au lait'), ['caf', 'au', 'lait']);
    assert.deepEqual(rougeTokenize('Straße'), ['stra', 'e']);
    assert.deepEqual(rougeTokenize('日本 tokyo 東京'), ['tokyo']);
  });

  it('lowercases before filtering, as Python str.lower does (İ → i + dot, Kelvin sign → k)', () => {
    assert.deepEqual(rougeTokenize('İstanbul'), ['i', 'stanbul']);
    assert.deepEqual(rougeTokenize('5\u212A run'), ['5k', 'run']);
  });

  it('punctuation-only and empty text have no tokens', () => {
    assert.deepEqual(rougeTokenize(''), []);
    assert.deepEqual(rougeTokenize('!?… — ..'), []);
  });
});

describe('ROUGE properties and hand-checked values', () => {
  const ns: RougeN[] = [1, 2, 3, 4, 5];

  it('identical token sequences score 1 when they have at least n tokens', () => {
    const text = 'one two three four five six';
    for (const n of ns) assert.equal(rougeN(text, text, n), 1);
    assert.equal(rougeL(text, text), 1);
    // case and punctuation vanish in tokenization
    assert.equal(rougeN('Hello, WORLD!', 'hello world', 2), 1);
    assert.equal(rougeL('Hello, WORLD!', 'hello world'), 1);
  });

  it('empty, one empty or too-short inputs score 0', () => {
    for (const n of ns) {
      assert.equal(rougeN('', '', n), 0);
      assert.equal(rougeN('', 'something here', n), 0);
      assert.equal(rougeN('something here', '', n), 0);
      assert.equal(rougeN('!!!', '...', n), 0);
    }
    assert.equal(rougeL('', ''), 0);
    assert.equal(rougeL('', 'x'), 0);
    assert.equal(rougeL('x', ''), 0);
    assert.equal(rougeN('a b', 'a b', 3), 0); // no trigram on either side
  });

  it('F-measure is symmetric in candidate and reference', () => {
    const pairs: [string, string][] = [
      ['the cat sat on the mat', 'the cat is on the mat'],
      ['a b c d e f', 'f e d c b a'],
      ['x y x y x', 'x x y'],
    ];
    for (const [a, b] of pairs) {
      for (const n of ns) close(rougeN(a, b, n), rougeN(b, a, n), `rouge${n}`);
      close(rougeL(a, b), rougeL(b, a), 'rougeL');
    }
  });

  it('unigram overlap is clipped by counts (multiset intersection)', () => {
    // candidate 4×"the" vs reference with 2×"the": overlap 2, P = 2/4, R = 2/3
    const p = 2 / 4;
    const r = 2 / 3;
    close(rougeN('the the the the', 'the cat the', 1), (2 * p * r) / (p + r), 'clipped');
  });

  it('token reordering keeps ROUGE-1 but lowers ROUGE-2 and ROUGE-L', () => {
    assert.equal(rougeN('a b c d', 'd c b a', 1), 1);
    assert.equal(rougeN('a b c d', 'd c b a', 2), 0);
    close(rougeL('a b c d', 'd c b a'), 1 / 4, 'LCS of a reversal is 1');
  });

  it('ROUGE-L uses the longest common subsequence of tokens, across sequences longer than a machine word', () => {
    // 40 reference tokens; the candidate keeps every other one plus noise: LCS = 20
    const reference = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const candidate = reference.flatMap((token, i) => (i % 2 === 0 ? [token, 'noise'] : []));
    const p = 20 / candidate.length;
    const r = 20 / reference.length;
    close(rougeL(candidate.join(' '), reference.join(' ')), (2 * p * r) / (p + r), 'long LCS');
  });
});
