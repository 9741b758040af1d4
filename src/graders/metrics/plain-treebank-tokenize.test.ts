import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainTreebankTokenize } from './plain-treebank-tokenize.ts';
import { sentTokenizeByPunkt, treebankTokenize, treebankTokenizeByRules, wordTokenize } from './word-tokenize.ts';
import { seededRandom as seeded } from '../../../test/support/seeded-random.ts';

// The shortcut must give exactly the rule pipeline's tokens whenever it answers at all. These
// tests compare the two on every short string over small alphabets chosen so that each class of
// character the shortcut reasons about meets every other, and on random sentences.

function agrees(text: string): boolean | null {
  const fast = plainTreebankTokenize(text);
  if (fast === null) return null;
  assert.deepEqual(fast, treebankTokenizeByRules(text), JSON.stringify(text));
  return true;
}

/** Every string of length ≤ maxLength over `alphabet`, checked; returns how many the shortcut took. */
function exhaustive(alphabet: string, maxLength: number): number {
  const chars = [...alphabet];
  let handled = 0;
  const visit = (prefix: string, depth: number): void => {
    if (agrees(prefix) === true) handled++;
    if (depth === 0) return;
    for (const c of chars) visit(prefix + c, depth - 1);
  };
  visit('', maxLength);
  return handled;
}

describe('plainTreebankTokenize (shortcut for NLTKWordTokenizer)', () => {
  it('agrees with the rules on every short string: apostrophes, clitics, quotes, separators, periods', () => {
    // s/m/d/t/n/l/r/e/v spell the clitics; "a" and "1" are other word characters
    assert.ok(exhaustive("as tn'\".,:-?();1_", 4) > 50_000);
    assert.ok(exhaustive("nt'TN.\")a[<>*,:5 ", 4) > 40_000);
    assert.ok(exhaustive("sre'lvLV\".;:)(,0 ", 4) > 40_000);
    assert.ok(exhaustive("x'\" .,?!-_&1", 5) > 100_000);
  });

  it('agrees with the rules on random sentences (seeded)', () => {
    const pieces = [
      'the', 'The', 'dogs', "dogs'", "dog's", "DOG'S", "it's", "I'm", "we'll", "WE'LL", "they're", "you've", "he'd",
      "don't", "DON'T", "can't", "won't", "ain't", "o'clock", "y'all", "rock'n'roll", "'80s", "'a", "'hello", "x'y",
      'cannot', 'gonna', 'Gimme', "'tis", "'Twas", "more'n", "d'ye", 'wanna', 'lemme', 'gotta', 'letter', 'summer',
      '"', '""', "''", '``', "'", '"Hi', 'end."', "end.'", 'end.)', '(see', 'it)', '[x]', '{y}', '<z>',
      ',', ':', ';', '.', '..', '...', '?', '!', '?!', '--', '-', '-x', 'well-known', '*', '@', '#tag', '$5', '5%', 'a&b',
      '1,000', '10:30', '3.14', 'U.S.', 'e.g.', 'https://example.com/a?b=1&c=2', 'john.doe@example.com', 'a/b', 'x+y=z',
      'café', 'naïve', '日本語', '😀', '“curly”', '‘single’', '«guillemets»', 'a\tb', 'a\nb', '\u00a0', '',
    ];
    const separators = [' ', ' ', ' ', ' ', '', '  ', '\t'];
    const next = seeded(20241124);
    let handled = 0;
    for (let n = 0; n < 20_000; n++) {
      const length = Math.floor(next() * 12);
      let text = next() < 0.1 ? ' ' : '';
      for (let k = 0; k < length; k++) {
        text += pieces[Math.floor(next() * pieces.length)] as string;
        text += separators[Math.floor(next() * separators.length)] as string;
      }
      if (agrees(text) === true) handled++;
      // the public entry point is the shortcut or the rules, never anything else
      assert.deepEqual(treebankTokenize(text), treebankTokenizeByRules(text));
    }
    assert.ok(handled > 2_000, `shortcut took only ${handled} sentences`);
  });

  it('takes plain prose and leaves the rest to the rules', () => {
    const plain = [
      'Many large notes posted our town abruptly, while we are watching your automobile.',
      "Of course, we don't use another affluent engine for large firms in the huge teacher?",
      'He said "stop" and left at 10:30, taking 1,000 items (mostly books) with him!',
      "The students' results weren't bad; they'll improve.",
      '',
    ];
    for (const text of plain) assert.equal(agrees(text), true, text);
    const left = ['He is gonna go.', 'Wait... what?', 'A -- B', 'café', 'tab\there', '"" quoted', "rock'n'roll", 'a,,b', 'end. "'];
    for (const text of left) assert.equal(plainTreebankTokenize(text), null, text);
  });

  it('wordTokenize equals Punkt sentences through the full rules', () => {
    const next = seeded(7);
    const words = ['Hello', 'there.', 'How', 'are', 'you?', 'Mr.', 'Smith', 'went', 'on.', '"Stop."', 'It', 'works!', "isn't", '(yes).', 'e.g.', '3.5', 'a'];
    for (let n = 0; n < 3_000; n++) {
      const parts: string[] = [];
      for (let k = Math.floor(next() * 10); k > 0; k--) parts.push(words[Math.floor(next() * words.length)] as string);
      const text = parts.join(next() < 0.8 ? ' ' : '\n');
      const expected = sentTokenizeByPunkt(text).flatMap((sentence) => treebankTokenizeByRules(sentence));
      assert.deepEqual(wordTokenize(text), expected, JSON.stringify(text));
    }
  });
});
