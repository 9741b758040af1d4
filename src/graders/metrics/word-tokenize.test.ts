import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sentTokenize, sentTokenizeByPunkt, treebankTokenize, wordTokenize } from './word-tokenize.ts';
import { metricVectors } from '../../../test/fixtures/metric-vectors.ts';

const vectors = metricVectors;

// Expected tokens below were produced by nltk 3.8 `word_tokenize` (Debian python3-nltk). These
// inputs are single sentences, so `word_tokenize(text)` equals `word_tokenize(text,
// preserve_line=True)`, which needs no Punkt model; the oracle checked both agree.
const SINGLE_SENTENCES: readonly (readonly [string, readonly string[]])[] = [
  ["I can't do it, won't you?", ['I', 'ca', "n't", 'do', 'it', ',', 'wo', "n't", 'you', '?']],
  ["I'm gonna wanna go; they'll see.", ['I', "'m", 'gon', 'na', 'wan', 'na', 'go', ';', 'they', "'ll", 'see', '.']],
  ["'Tis the season, 'twas the night", ["'T", 'is', 'the', 'season', ',', "'t", 'was', 'the', 'night']],
  ['Gimme that, lemme see, I gotta go', ['Gim', 'me', 'that', ',', 'lem', 'me', 'see', ',', 'I', 'got', 'ta', 'go']],
  ["She cannot come and we've tried", ['She', 'can', 'not', 'come', 'and', 'we', "'ve", 'tried']],
  ['He said "double" and \'single\' quotes', ['He', 'said', '``', 'double', "''", 'and', "'single", "'", 'quotes']],
  ["``latex'' style quotes", ['``', 'latex', "''", 'style', 'quotes']],
  ['Wait... what?!', ['Wait', '...', 'what', '?', '!']],
  [
    'The value is 3.14 and 1,000 items cost $5.00 at 50% off',
    ['The', 'value', 'is', '3.14', 'and', '1,000', 'items', 'cost', '$', '5.00', 'at', '50', '%', 'off'],
  ],
  [
    'Visit https://example.com/path?q=1&r=2 today',
    ['Visit', 'https', ':', '//example.com/path', '?', 'q=1', '&', 'r=2', 'today'],
  ],
  ['Write to john.doe@example.com, please.', ['Write', 'to', 'john.doe', '@', 'example.com', ',', 'please', '.']],
  [
    'Some (parenthesised) [bracketed] {braced} <angled> text',
    ['Some', '(', 'parenthesised', ')', '[', 'bracketed', ']', '{', 'braced', '}', '<', 'angled', '>', 'text'],
  ],
  ['A pause -- then more--and more', ['A', 'pause', '--', 'then', 'more', '--', 'and', 'more']],
  ['café naïve 日本語 😀 emoji', ['café', 'naïve', '日本語', '😀', 'emoji']],
  ['', []],
  ['   \t\n ', []],
  ["It's Tom's dog's bone, isn't it?", ['It', "'s", 'Tom', "'s", 'dog', "'s", 'bone', ',', 'is', "n't", 'it', '?']],
  ["rock 'n' roll in the '80s", ['rock', "'n", "'", 'roll', 'in', 'the', "'80s"]],
  ['“Curly” ‘quotes’ and «guillemets»', ['“', 'Curly', '”', '‘', 'quotes', '’', 'and', '«', 'guillemets', '»']],
  ['Time: 10:30, ratio 3:1, list a,b', ['Time', ':', '10:30', ',', 'ratio', '3:1', ',', 'list', 'a', ',', 'b']],
  ['Stars *and* hashes #tag @user a&b', ['Stars', '*', 'and', '*', 'hashes', '#', 'tag', '@', 'user', 'a', '&', 'b']],
  ['O\'Neil said: "Ok."', ["O'Neil", 'said', ':', '``', 'Ok', '.', "''"]],
];

// Produced by nltk 3.8's PunktSentenceTokenizer given the same parameters as DEFAULT_PUNKT_PARAMETERS
// (the English model itself is not installable here; see word-tokenize.ts), then NLTKWordTokenizer
// per sentence — i.e. the body of `word_tokenize`. `line` is `word_tokenize(text, preserve_line=True)`:
// sentence splitting only changes whether a sentence-final period is split off.
const MULTI_SENTENCES: readonly { text: string; sentences: string[]; tokens: string[]; line: string[] }[] = [
  {
    text: 'Hello there. How are you?',
    sentences: ['Hello there.', 'How are you?'],
    tokens: ['Hello', 'there', '.', 'How', 'are', 'you', '?'],
    line: ['Hello', 'there.', 'How', 'are', 'you', '?'],
  },
  {
    text: 'Mr. Smith went to Washington. He left.',
    sentences: ['Mr. Smith went to Washington.', 'He left.'],
    tokens: ['Mr.', 'Smith', 'went', 'to', 'Washington', '.', 'He', 'left', '.'],
    line: ['Mr.', 'Smith', 'went', 'to', 'Washington.', 'He', 'left', '.'],
  },
  {
    text: 'It works! Does it? Yes.',
    sentences: ['It works!', 'Does it?', 'Yes.'],
    tokens: ['It', 'works', '!', 'Does', 'it', '?', 'Yes', '.'],
    line: ['It', 'works', '!', 'Does', 'it', '?', 'Yes', '.'],
  },
  {
    text: 'He said "Stop." Then he left.',
    sentences: ['He said "Stop."', 'Then he left.'],
    tokens: ['He', 'said', '``', 'Stop', '.', "''", 'Then', 'he', 'left', '.'],
    line: ['He', 'said', '``', 'Stop.', "''", 'Then', 'he', 'left', '.'],
  },
  {
    text: 'Line one.\nLine two.',
    sentences: ['Line one.', 'Line two.'],
    tokens: ['Line', 'one', '.', 'Line', 'two', '.'],
    line: ['Line', 'one.', 'Line', 'two', '.'],
  },
  {
    text: '(Sent one.) Sent two.',
    sentences: ['(Sent one.)', 'Sent two.'],
    tokens: ['(', 'Sent', 'one', '.', ')', 'Sent', 'two', '.'],
    line: ['(', 'Sent', 'one.', ')', 'Sent', 'two', '.'],
  },
  {
    text: 'Very bad acting!!! I promise.',
    sentences: ['Very bad acting!!!', 'I promise.'],
    tokens: ['Very', 'bad', 'acting', '!', '!', '!', 'I', 'promise', '.'],
    line: ['Very', 'bad', 'acting', '!', '!', '!', 'I', 'promise', '.'],
  },
  {
    text: 'J. S. Bach was born in 1685. He died in 1750.',
    sentences: ['J. S. Bach was born in 1685.', 'He died in 1750.'],
    tokens: ['J.', 'S.', 'Bach', 'was', 'born', 'in', '1685', '.', 'He', 'died', 'in', '1750', '.'],
    line: ['J.', 'S.', 'Bach', 'was', 'born', 'in', '1685.', 'He', 'died', 'in', '1750', '.'],
  },
];

describe('wordTokenize (nltk 3.8 word_tokenize)', () => {
  for (const [text, expected] of SINGLE_SENTENCES) {
    it(`single sentence ${JSON.stringify(text)}`, () => {
      assert.deepEqual(wordTokenize(text), expected);
      assert.deepEqual(treebankTokenize(text), expected);
    });
  }

  for (const { text, sentences, tokens, line } of MULTI_SENTENCES) {
    it(`several sentences ${JSON.stringify(text)}`, () => {
      assert.deepEqual(sentTokenize(text), sentences);
      assert.deepEqual(wordTokenize(text), tokens);
      assert.deepEqual(treebankTokenize(text), line);
    });
  }

  it('splits a sentence-final period only at the end of a sentence', () => {
    assert.deepEqual(wordTokenize('Fine. Thanks.'), ['Fine', '.', 'Thanks', '.']);
    assert.deepEqual(wordTokenize('3.14 is pi.'), ['3.14', 'is', 'pi', '.']);
  });

  it('keeps the closing quote or bracket with the sentence it ends', () => {
    assert.deepEqual(sentTokenize('"Go." He went.'), ['"Go."', 'He went.']);
  });

  it('matches the tokens recorded with the reference vectors', () => {
    let checked = 0;
    for (const v of vectors) {
      // Only the BLEU vectors record their tokens.
      if (!v.variant.startsWith('nltk_word_tokenize') || v.candidate_tokens === undefined) continue;
      assert.deepEqual(wordTokenize(v.candidate), v.candidate_tokens, `${v.metric}/${v.variant}: ${v.candidate}`);
      assert.deepEqual(wordTokenize(v.reference), v.reference_tokens, `${v.metric}/${v.variant}: ${v.reference}`);
      checked++;
    }
    assert.ok(checked >= 12, `only ${checked} vectors with word_tokenize tokens`);
  });
});

describe('sentTokenize shortcut (no candidate break: one sentence)', () => {
  it('equals every Punkt step on random texts (seeded)', () => {
    let state = 12345;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const pieces = ['word', 'Word', '.', '?', '!', '!!', '...', '"', "'", ')', '(', ']', ';', ':', 'Mr.', 'e.g.', '3.5', ' ', '  ', '\n', '\t', '\u00a0', '\u2003', '\u0085', 'é', '😀', ''];
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      for (let k = Math.floor(next() * 9); k > 0; k--) text += pieces[Math.floor(next() * pieces.length)] as string;
      assert.deepEqual(sentTokenize(text), sentTokenizeByPunkt(text), JSON.stringify(text));
    }
  });
});
