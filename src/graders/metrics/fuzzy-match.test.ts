import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fuzzyMatch,
  partialRatio,
  partialTokenRatio,
  partialTokenSetRatio,
  partialTokenSortRatio,
  ratio,
  tokenRatio,
  tokenSetRatio,
  tokenSortRatio,
  wRatio,
  type FuzzOptions,
} from './fuzzy-match.ts';
import { metricVectors } from '../../../test/fixtures/metric-vectors.ts';


const vectors = metricVectors;

function close(actual: number, expected: number, tolerance: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: got ${actual}, expected ${expected}`);
}

describe('fuzzy_match reference vectors (rapidfuzz 3.10.1)', () => {
  const variants: Record<string, (candidate: string, reference: string) => number> = {
    'fuzz.WRatio(default_process)/100': fuzzyMatch,
    'fuzz.WRatio/100': (c, r) => wRatio(c, r) / 100,
    'fuzz.ratio/100': (c, r) => ratio(c, r) / 100,
  };
  for (const [variant, score] of Object.entries(variants)) {
    const cases = vectors.filter((v) => v.metric === 'fuzzy_match' && v.variant === variant);
    it(`${variant}: all ${cases.length} vectors within 1e-9`, () => {
      assert.ok(cases.length > 0);
      for (const v of cases) close(score(v.candidate, v.reference), v.expected, 1e-9, JSON.stringify(v.candidate));
    });
  }
});

type Scorer = (s1: string, s2: string, options?: FuzzOptions) => number;

const scorers: Record<string, Scorer> = {
  ratio,
  partialRatio,
  tokenSortRatio,
  tokenSetRatio,
  tokenRatio,
  partialTokenSortRatio,
  partialTokenSetRatio,
  partialTokenRatio,
  wRatio,
};

/**
 * Oracle values from the compiled rapidfuzz package (`fuzz.*` with no processor, and
 * `fuzz.WRatio(a, b, processor=utils.default_process) / 100` for fuzzyMatch). They were taken with
 * rapidfuzz 3.14.6, whose scorers run the same code as 3.10.1 for these inputs; the one place
 * where the versions differ (a length ratio of exactly 8) is tested separately below.
 */
const oracle: {
  a: string;
  b: string;
  ratio: number;
  partialRatio: number;
  tokenSortRatio: number;
  tokenSetRatio: number;
  partialTokenSortRatio: number;
  partialTokenSetRatio: number;
  wRatio: number;
  fuzzyMatch: number;
}[] = [
  { a: '', b: '', ratio: 100, partialRatio: 100, tokenSortRatio: 100, tokenSetRatio: 0, partialTokenSortRatio: 100, partialTokenSetRatio: 0, wRatio: 0, fuzzyMatch: 0 },
  { a: '', b: 'abc', ratio: 0, partialRatio: 0, tokenSortRatio: 0, tokenSetRatio: 0, partialTokenSortRatio: 0, partialTokenSetRatio: 0, wRatio: 0, fuzzyMatch: 0 },
  { a: 'Paris', b: 'paris', ratio: 80, partialRatio: 88.88888888888889, tokenSortRatio: 80, tokenSetRatio: 80, partialTokenSortRatio: 88.88888888888889, partialTokenSetRatio: 88.88888888888889, wRatio: 80, fuzzyMatch: 1 },
  { a: '!!!', b: '...', ratio: 0, partialRatio: 0, tokenSortRatio: 0, tokenSetRatio: 0, partialTokenSortRatio: 0, partialTokenSetRatio: 0, wRatio: 0, fuzzyMatch: 0 },
  { a: 'Hello, World!', b: 'hello world', ratio: 75, partialRatio: 81.81818181818181, tokenSortRatio: 75, tokenSetRatio: 75, partialTokenSortRatio: 81.81818181818181, partialTokenSetRatio: 81.81818181818181, wRatio: 75, fuzzyMatch: 0.9565217391304348 },
  { a: 'café', b: 'cafe', ratio: 75, partialRatio: 85.71428571428572, tokenSortRatio: 75, tokenSetRatio: 75, partialTokenSortRatio: 85.71428571428572, partialTokenSetRatio: 85.71428571428572, wRatio: 75, fuzzyMatch: 0.75 },
  { a: 'Straße', b: 'strasse', ratio: 61.53846153846154, partialRatio: 66.66666666666667, tokenSortRatio: 61.53846153846154, tokenSetRatio: 61.53846153846154, partialTokenSortRatio: 66.66666666666667, partialTokenSetRatio: 66.66666666666667, wRatio: 61.53846153846154, fuzzyMatch: 0.7692307692307692 },
  { a: 'STRASSE', b: 'straße', ratio: 0, partialRatio: 0, tokenSortRatio: 0, tokenSetRatio: 0, partialTokenSortRatio: 0, partialTokenSetRatio: 0, wRatio: 0, fuzzyMatch: 0.7692307692307692 },
  { a: '日本語のテキスト', b: '日本のテキスト', ratio: 93.33333333333333, partialRatio: 85.71428571428572, tokenSortRatio: 93.33333333333333, tokenSetRatio: 93.33333333333333, partialTokenSortRatio: 85.71428571428572, partialTokenSetRatio: 85.71428571428572, wRatio: 93.33333333333333, fuzzyMatch: 0.9333333333333332 },
  { a: 'İstanbul', b: 'istanbul', ratio: 87.5, partialRatio: 93.33333333333333, tokenSortRatio: 87.5, tokenSetRatio: 87.5, partialTokenSortRatio: 93.33333333333333, partialTokenSetRatio: 93.33333333333333, wRatio: 87.5, fuzzyMatch: 1 },
  { a: 'new york mets', b: 'new york mets vs atlanta braves', ratio: 59.09090909090908, partialRatio: 100, tokenSortRatio: 59.09090909090908, tokenSetRatio: 100, partialTokenSortRatio: 76.92307692307692, partialTokenSetRatio: 100, wRatio: 90, fuzzyMatch: 0.9 },
  { a: 'yes', b: 'the answer is definitely yes, without any doubt', ratio: 12, partialRatio: 100, tokenSortRatio: 12, tokenSetRatio: 12, partialTokenSortRatio: 100, partialTokenSetRatio: 100, wRatio: 60, fuzzyMatch: 0.6 },
  { a: 'ab', b: 'xxxxxxxxxxxxxxxab', ratio: 21.052631578947366, partialRatio: 100, tokenSortRatio: 21.052631578947366, tokenSetRatio: 21.05263157894737, partialTokenSortRatio: 100, partialTokenSetRatio: 100, wRatio: 60, fuzzyMatch: 0.6 },
  { a: 'fuzzy wuzzy was a bear', b: 'wuzzy fuzzy was a bear', ratio: 90.9090909090909, partialRatio: 93.02325581395348, tokenSortRatio: 100, tokenSetRatio: 100, partialTokenSortRatio: 100, partialTokenSetRatio: 100, wRatio: 95, fuzzyMatch: 0.95 },
  { a: 'the the cat', b: 'cat the', ratio: 55.55555555555556, partialRatio: 71.42857142857143, tokenSortRatio: 77.77777777777779, tokenSetRatio: 100, partialTokenSortRatio: 100, partialTokenSetRatio: 100, wRatio: 85.5, fuzzyMatch: 0.855 },
  // U+00A0 separates words only in strings Python stores with more than one byte per character
  { a: 'a\u00a0b', b: 'b a', ratio: 33.333333333333336, partialRatio: 50, tokenSortRatio: 66.66666666666667, tokenSetRatio: 66.66666666666666, partialTokenSortRatio: 66.66666666666667, partialTokenSetRatio: 66.66666666666667, wRatio: 63.333333333333336, fuzzyMatch: 0.95 },
  { a: 'a\u00a0b€', b: 'b€ a', ratio: 50, partialRatio: 66.66666666666667, tokenSortRatio: 100, tokenSetRatio: 100, partialTokenSortRatio: 100, partialTokenSetRatio: 100, wRatio: 95, fuzzyMatch: 0.95 },
  { a: 'this is a test', b: 'this is a test!', ratio: 96.55172413793103, partialRatio: 100, tokenSortRatio: 96.55172413793103, tokenSetRatio: 96.55172413793103, partialTokenSortRatio: 92.85714285714286, partialTokenSetRatio: 100, wRatio: 96.55172413793103, fuzzyMatch: 1 },
  { a: 'a certain string', b: 'cetain', ratio: 54.54545454545454, partialRatio: 83.33333333333334, tokenSortRatio: 54.54545454545454, tokenSetRatio: 54.54545454545455, partialTokenSortRatio: 83.33333333333334, partialTokenSetRatio: 83.33333333333334, wRatio: 75.00000000000001, fuzzyMatch: 0.7500000000000001 },
  { a: 'The quick brown fox jumps over the lazy dog near the riverbank on a sunny afternoon in May', b: 'quick brown fox jumped over a lazy dog', ratio: 54.6875, partialRatio: 89.47368421052632, tokenSortRatio: 56.25, tokenSetRatio: 89.85507246376811, partialTokenSortRatio: 73.6842105263158, partialTokenSetRatio: 100, wRatio: 85.5, fuzzyMatch: 0.855 },
  { a: '\u{1F600} smile', b: 'smile \u{1F600}', ratio: 71.42857142857143, partialRatio: 83.33333333333334, tokenSortRatio: 100, tokenSetRatio: 100, partialTokenSortRatio: 100, partialTokenSetRatio: 100, wRatio: 95, fuzzyMatch: 1 },
];

describe('fuzz scorers against rapidfuzz oracle values', () => {
  for (const row of oracle) {
    it(`${JSON.stringify(row.a)} vs ${JSON.stringify(row.b)}`, () => {
      for (const name of ['ratio', 'partialRatio', 'tokenSortRatio', 'tokenSetRatio', 'partialTokenSortRatio', 'partialTokenSetRatio', 'wRatio'] as const) {
        const score = scorers[name] as Scorer;
        close(score(row.a, row.b), row[name], 1e-7, name);
      }
      close(fuzzyMatch(row.a, row.b), row.fuzzyMatch, 1e-9, 'fuzzyMatch');
    });
  }
});

describe('WRatio weighting', () => {
  it('a length ratio of exactly 8 already takes the 0.6 partial scale in rapidfuzz 3.10', () => {
    // 5 vs 40 characters; rapidfuzz >= 3.14 (rapidfuzz-cpp 3.3.3) moved the boundary and gives 90
    const long = 'hello' + 'abcde'.repeat(7);
    assert.equal(partialRatio('hello', long), 100);
    close(wRatio('hello', long), 60, 1e-9, 'ratio 8');
    close(fuzzyMatch('hello', long), 0.6, 1e-12, 'ratio 8');
    // just below 8: 0.9
    close(wRatio('hello', long.slice(0, 39)), 90, 1e-9, 'ratio 7.8');
  });

  it('similar lengths use the token ratios scaled by 0.95', () => {
    close(wRatio('fuzzy wuzzy was a bear', 'wuzzy fuzzy was a bear'), 95, 1e-9, 'reordered');
    close(fuzzyMatch('Tokyo is the capital of Japan.', 'The capital of Japan is Tokyo.'), 0.95, 1e-12, 'reordered');
  });

  it('returns rapidfuzz floats, not rounded integers', () => {
    const score = wRatio('The cat sat on the mat.', 'The cat is sitting on the mat.');
    assert.notEqual(score, Math.round(score));
  });
});

describe('fuzz scorer properties', () => {
  const samples = [
    '',
    ' ',
    'a',
    'Paris',
    'paris!',
    'the cat sat on the mat',
    'mat the on sat cat the',
    'Café au lait, s’il vous plaît!',
    'Straße 42',
    '日本語 テキスト',
    'x'.repeat(70) + ' needle ' + 'y'.repeat(70),
    'needle',
    'a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z',
  ];

  it('every scorer is symmetric, with and without default_process', () => {
    for (const a of samples) {
      for (const b of samples) {
        for (const [name, score] of Object.entries(scorers)) {
          for (const options of [{}, { defaultProcess: true }]) {
            close(score(a, b, options), score(b, a, options), 1e-9, `${name}(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
          }
        }
      }
    }
  });

  it('identical non-empty strings score 100 (fuzzyMatch 1); empty ones give WRatio 0', () => {
    for (const a of samples) {
      if (a.trim() === '') continue;
      for (const [name, score] of Object.entries(scorers)) close(score(a, a), 100, 0, `${name}(${JSON.stringify(a)})`);
      assert.equal(fuzzyMatch(a, a), 1);
    }
    assert.equal(fuzzyMatch('', ''), 0);
    assert.equal(fuzzyMatch('', 'x'), 0);
    assert.equal(fuzzyMatch('x', ''), 0);
    // punctuation-only becomes empty after default_process
    assert.equal(fuzzyMatch('?!', '...'), 0);
    assert.equal(fuzzyMatch('?!', 'abc'), 0);
  });

  it('scores stay within 0…100', () => {
    for (const a of samples) {
      for (const b of samples) {
        for (const score of Object.values(scorers)) {
          const value = score(a, b);
          assert.ok(value >= 0 && value <= 100, `${value}`);
        }
      }
    }
  });

  it('default_process makes case and punctuation irrelevant', () => {
    assert.equal(fuzzyMatch('PARIS!!', 'paris'), 1);
    assert.equal(fuzzyMatch('Hello,world', 'hello world'), 1);
  });

  it('partial_ratio finds a short needle anywhere in a long text (needle longer than 64 too)', () => {
    const needle = 'the quick brown fox jumps over the lazy dog and keeps running far away';
    assert.ok(needle.length > 64);
    const hay = 'x'.repeat(100) + needle + 'y'.repeat(100);
    assert.equal(partialRatio(needle, hay), 100);
    assert.equal(partialRatio(hay, needle), 100);
  });
});
