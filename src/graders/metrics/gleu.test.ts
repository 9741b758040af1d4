import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gleu, sentenceGleu } from './gleu.ts';
import { metricVectors } from '../../../test/fixtures/metric-vectors.ts';


const vectors = metricVectors.filter((v) => v.metric === 'gleu');

function assertClose(actual: number, expected: number, message: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${message}: got ${actual}, want ${expected}`);
}

/** Python `str.split()` for the whitespace_split vectors (ASCII inputs). */
const whitespaceSplit = (text: string): string[] => text.split(/\s+/).filter((t) => t !== '');

const split = (text: string): string[] => text.split(' ');

describe('gleu (nltk sentence_gleu)', () => {
  it('matches the reference vectors Proctor follows (word_tokenize)', () => {
    const proctor = vectors.filter((v) => v.variant === 'nltk_word_tokenize');
    assert.equal(proctor.length, 12);
    for (const v of proctor) assertClose(gleu(v.candidate, v.reference), v.expected, `${v.candidate} | ${v.reference}`);
  });

  it('matches the whitespace_split vectors', () => {
    const plain = vectors.filter((v) => v.variant === 'whitespace_split');
    assert.equal(plain.length, 12);
    for (const v of plain) {
      const score = sentenceGleu([whitespaceSplit(v.reference)], whitespaceSplit(v.candidate));
      assertClose(score, v.expected, `${v.candidate} | ${v.reference}`);
    }
  });

  // Expected values from nltk 3.8: sentence_gleu([word_tokenize(reference)], word_tokenize(candidate)).
  const ORACLE: readonly [candidate: string, reference: string, expected: number][] = [
    ['Paris', 'Paris', 1.0],
    ['Paris', 'London', 0],
    ['a', 'a a a a a a a', 0.045454545454545456],
    ['the cat', 'the cat sat', 0.5],
    ['Hello world!', 'Hello world', 0.5],
    ['the cat sat', 'the cat sat on the mat', 0.3333333333333333],
    ['cat the sat', 'the cat sat', 0.5],
    ['', 'The cat sat on the mat.', 0],
    ['The cat sat on the mat.', '', 0],
    ['', '', 0],
    ['The quick brown fox jumps over the lazy dog.', 'The quick brown fox jumps over the lazy dog.', 1.0],
    ['apples and oranges', 'cars trucks boats', 0],
    ['It is raining today.', "It's raining today.", 0.5],
    ['the the the the the the the', 'the cat is on the mat', 0.09090909090909091],
  ];
  for (const [candidate, reference, expected] of ORACLE) {
    it(`oracle case ${JSON.stringify(candidate)} vs ${JSON.stringify(reference)}`, () => {
      assertClose(gleu(candidate, reference), expected, 'gleu');
    });
  }

  it('several references: the best matches / n_all wins (nltk doctest sentences)', () => {
    const hyp = split('It is a guide to action which ensures that the military always obeys the commands of the party');
    const refA = split('It is a guide to action that ensures that the military will forever heed Party commands');
    const refB = split('It is the guiding principle which guarantees the military forces always being under the command of the Party');
    const refC = split('It is the practical guide for the army always to heed the directions of the party');
    // Values from nltk 3.8 sentence_gleu.
    assertClose(sentenceGleu([refA, refB, refC], hyp), 0.4393939393939394, 'three references');
    assertClose(sentenceGleu([refB, refC], hyp), 0.21212121212121213, 'two references');
    assertClose(sentenceGleu([[], refC], hyp), 0.21212121212121213, 'an empty reference still counts');
    assert.equal(sentenceGleu([[], []], []), 0);
    assert.equal(sentenceGleu([], hyp), 0);
  });

  it('long inputs (n-gram ids beyond the direct-addressed table)', () => {
    // nltk 3.8 sentence_gleu on the same pair as the long BLEU test.
    const ref = Array.from({ length: 900 }, (_, i) => `w${(i * 7) % 997}`);
    const hyp = ref.map((t, i) => (i % 50 === 0 ? 'x' : t)).slice(0, 800);
    assertClose(sentenceGleu([ref], hyp), 0.8458542014468559, 'long');
  });

  it('tokens containing control characters stay distinct across orders', () => {
    // everygrams puts ('x\0y',) and ('x', 'y') in one Counter; they must not meet.
    assertClose(sentenceGleu([['x\u0000y']], ['x', 'y']), 0, 'separator inside a token');
  });
});
