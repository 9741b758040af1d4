import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bleu, type BleuSmoothing, fsum, sentenceBleu } from './bleu.ts';
import { wordTokenize } from './word-tokenize.ts';
import { metricVectors } from '../../../test/fixtures/metric-vectors.ts';


const vectors = metricVectors.filter((v) => v.metric === 'bleu');

/** Equal to 1e-9, and to 1e-9 relative as well: method0 scores are as small as 1e-231. */
function assertClose(actual: number, expected: number, message: string): void {
  if (expected === 0) {
    assert.equal(actual, 0, message);
    return;
  }
  const diff = Math.abs(actual - expected);
  assert.ok(diff <= 1e-9 && diff <= 1e-9 * Math.abs(expected), `${message}: got ${actual}, want ${expected}`);
}

const SMOOTHING_BY_VARIANT: Record<string, BleuSmoothing> = {
  smoothing_none: 'method0',
  smoothing_method1: 'method1',
  smoothing_method4: 'method4',
};

describe('bleu (nltk sentence_bleu)', () => {
  it('matches the reference vectors Proctor follows (word_tokenize + method4)', () => {
    const proctor = vectors.filter((v) => v.variant === 'nltk_word_tokenize+smoothing_method4');
    assert.equal(proctor.length, 12);
    for (const v of proctor) {
      assert.deepEqual(wordTokenize(v.candidate), v.candidate_tokens, v.candidate);
      assert.deepEqual(wordTokenize(v.reference), v.reference_tokens, v.reference);
      assertClose(bleu(v.candidate, v.reference), v.expected, `${v.candidate} | ${v.reference}`);
    }
  });

  it('matches every BLEU vector on its recorded tokens (both tokenizers, all three smoothings)', () => {
    let checked = 0;
    for (const v of vectors) {
      const smoothing = SMOOTHING_BY_VARIANT[v.variant.split('+')[1] ?? ''];
      assert.ok(smoothing !== undefined && v.candidate_tokens && v.reference_tokens, v.variant);
      assertClose(sentenceBleu(v.reference_tokens, v.candidate_tokens, smoothing), v.expected, `${v.variant}: ${v.candidate}`);
      checked++;
    }
    assert.equal(checked, 72);
  });

  // Expected values from nltk 3.8: sentence_bleu([word_tokenize(reference)], word_tokenize(candidate),
  // smoothing_function=SmoothingFunction().method4 / .method1 / none) — single-line inputs.
  const ORACLE: readonly { candidate: string; reference: string; method4: number; method1: number; none: number }[] = [
    // One token: method4 needs len(hyp) > 1, so the empty higher orders are simply left out.
    { candidate: 'Paris', reference: 'Paris', method4: 1.0, method1: 0.1778279410038923, none: 1.821831989445342e-231 },
    { candidate: 'Paris', reference: 'London', method4: 0, method1: 0, none: 0 },
    { candidate: 'a', reference: 'a a a a a a a', method4: 0.0024787521766663585, method1: 0.0004407913958354948, none: 4.515870009358044e-234 },
    // Two and three tokens.
    { candidate: 'the cat', reference: 'the cat sat', method4: 0.13427896671164932, method1: 0.19180183554164504, none: 9.047424648113057e-155 },
    { candidate: 'Hello world', reference: 'Hello world', method4: 0.2213885886251307, method1: 0.316227766016838, none: 1.491668146240062e-154 },
    { candidate: 'Hello world!', reference: 'Hello world', method4: 0.21177974141341938, method1: 0.24028114141347542, none: 1.133422688662942e-154 },
    { candidate: 'the cat sat', reference: 'the cat sat on the mat', method4: 0.21179545259066854, method1: 0.20687381245863395, none: 4.493053873107152e-78 },
    { candidate: 'cat the sat', reference: 'the cat sat', method4: 0.09541207563138922, method1: 0.14953487812212207, none: 1.821831989445342e-231 },
    // Empty sides and no overlap: no unigram match returns 0 before any smoothing.
    { candidate: '', reference: 'The cat sat on the mat.', method4: 0, method1: 0, none: 0 },
    { candidate: 'The cat sat on the mat.', reference: '', method4: 0, method1: 0, none: 0 },
    { candidate: '', reference: '', method4: 0, method1: 0, none: 0 },
    { candidate: 'apples and oranges', reference: 'cars trucks boats', method4: 0, method1: 0, none: 0 },
    // Identical, contraction split, repetition clipping.
    {
      candidate: 'The quick brown fox jumps over the lazy dog.',
      reference: 'The quick brown fox jumps over the lazy dog.',
      method4: 1.0,
      method1: 1.0,
      none: 1.0,
    },
    { candidate: 'It is raining today.', reference: "It's raining today.", method4: 0.32184424080043433, method1: 0.28574404296988, none: 7.380245217279165e-78 },
    {
      candidate: 'the the the the the the the',
      reference: 'the cat is on the mat',
      method4: 0.03848196746087264,
      method1: 0.039281465090051315,
      none: 1.331960397810445e-231,
    },
  ];

  for (const c of ORACLE) {
    it(`oracle case ${JSON.stringify(c.candidate)} vs ${JSON.stringify(c.reference)}`, () => {
      assertClose(bleu(c.candidate, c.reference), c.method4, 'method4');
      const ref = wordTokenize(c.reference);
      const hyp = wordTokenize(c.candidate);
      assertClose(sentenceBleu(ref, hyp, 'method1'), c.method1, 'method1');
      assertClose(sentenceBleu(ref, hyp, 'method0'), c.none, 'no smoothing');
    });
  }

  it('long inputs (n-gram ids beyond the direct-addressed table)', () => {
    // nltk 3.8: ref = [f"w{(i*7)%997}" for i in range(900)]; hyp = ref with every 50th token
    // replaced by "x", cut to 800 tokens; sentence_bleu(..., method4) = 0.8397150353143211.
    const ref = Array.from({ length: 900 }, (_, i) => `w${(i * 7) % 997}`);
    const hyp = ref.map((t, i) => (i % 50 === 0 ? 'x' : t)).slice(0, 800);
    assertClose(sentenceBleu(ref, hyp), 0.8397150353143211, 'long');
  });

  it('tokens containing control characters stay distinct', () => {
    // ('x\0y',) is not ('x', 'y'): no unigram match, so 0 (nltk compares tuples).
    assert.equal(sentenceBleu(['x\u0000y'], ['x', 'y']), 0);
    assert.equal(sentenceBleu(['x', 'y'], ['x\u0000y']), 0);
    assert.equal(sentenceBleu(['a\u0000', 'b'], ['a', '\u0000b']), 0);
  });

  it('fsum rounds like Python math.fsum', () => {
    assert.equal(fsum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]), 1.0);
    assert.equal(fsum([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50]), 1e-100);
    assert.equal(fsum([1, 1e-16, 1e-16]), 1.0000000000000002);
    assert.equal(fsum([]), 0);
  });
});
