import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraderConfig, StringCheckGraderConfig } from '../domain/grader-config.ts';
import type { GradeOutcome } from './grader.ts';
import { createGrader } from './grader-registry.ts';
import { createStringCheckGrader } from './string-check.ts';

type Op = StringCheckGraderConfig['operation'];

/** Grades literal strings (no placeholders) with one operation. */
async function check(operation: Op, input: string, reference: string): Promise<boolean> {
  const grader = createStringCheckGrader({ type: 'string_check', name: 't', input, reference, operation });
  const outcome = await grader.grade({ item: {}, sample: null });
  assert.equal(outcome.score, outcome.passed ? 1 : 0);
  return outcome.passed;
}

describe('string_check operations', () => {
  it('eq / ne compare exactly', async () => {
    assert.equal(await check('eq', 'Paris', 'Paris'), true);
    assert.equal(await check('eq', 'Paris', 'paris'), false);
    assert.equal(await check('eq', 'Paris', 'Paris '), false);
    assert.equal(await check('ne', 'Paris', 'paris'), true);
    assert.equal(await check('ne', 'Paris', 'Paris'), false);
  });

  it('eq / ne with empty strings', async () => {
    assert.equal(await check('eq', '', ''), true);
    assert.equal(await check('eq', '', 'x'), false);
    assert.equal(await check('ne', '', ''), false);
    assert.equal(await check('ne', 'x', ''), true);
  });

  it('like is case-sensitive containment', async () => {
    assert.equal(await check('like', 'The capital is Paris.', 'Paris'), true);
    assert.equal(await check('like', 'The capital is Paris.', 'paris'), false);
    assert.equal(await check('like', 'Paris', 'The capital is Paris.'), false);
  });

  it('like / ilike with empty strings: the empty reference is contained in anything', async () => {
    assert.equal(await check('like', 'anything', ''), true);
    assert.equal(await check('like', '', ''), true);
    assert.equal(await check('like', '', 'x'), false);
    assert.equal(await check('ilike', '', ''), true);
    assert.equal(await check('ilike', '', 'X'), false);
  });

  it('like treats regex and SQL wildcard characters literally', async () => {
    assert.equal(await check('like', 'abc', '.*'), false);
    assert.equal(await check('like', 'a.*c', '.*'), true);
    assert.equal(await check('like', 'abc', 'a%'), false);
    assert.equal(await check('like', '100% sure', '0% s'), true);
    assert.equal(await check('like', 'abc', 'a_c'), false);
    assert.equal(await check('like', 'snake_case', 'e_c'), true);
    assert.equal(await check('like', 'x', '[x]'), false);
    assert.equal(await check('ilike', 'ABC', 'A.C'), false);
    assert.equal(await check('ilike', 'A%B', 'a%b'), true);
  });

  it('ilike folds case, including non-ASCII', async () => {
    assert.equal(await check('ilike', 'The capital is PARIS.', 'paris'), true);
    assert.equal(await check('ilike', 'ÄÖÜ', 'äöü'), true);
    assert.equal(await check('ilike', 'äöü', 'ÄÖÜ'), true);
    assert.equal(await check('ilike', 'ΟΔΟΣ', 'οδος'), true, 'final sigma, as Python');
    assert.equal(await check('ilike', 'Straße', 'STRASSE'), false, 'lower() is not casefold(): ß stays ß');
    assert.equal(await check('ilike', 'STRAẞE', 'straße'), true, 'capital ẞ lowers to ß');
  });

  it('ilike agrees with Python str.lower() on İ (U+0130 → i + U+0307)', async () => {
    assert.equal('İ'.toLowerCase(), 'i\u0307');
    assert.equal(await check('ilike', 'İstanbul', 'i\u0307stanbul'), true);
    assert.equal(await check('ilike', 'İstanbul', 'istanbul'), false, 'Python: "İstanbul".lower() != "istanbul"');
  });

  // The one divergence from Python found by comparing every code point against Python 3.11
  // (Unicode 14): characters newer than Python's Unicode data. 'Ɤ' (U+A7CB, Unicode 16) lowers to
  // 'ɤ' here when the runtime's ICU knows it, while Python 3.11 leaves it unchanged.
  it('documents the Unicode-version divergence from Python (U+A7CB)', {
    skip: '\uA7CB'.toLowerCase() === '\uA7CB' ? 'this runtime predates Unicode 16' : false,
  }, async () => {
    assert.equal(await check('ilike', '\uA7CB', '\u0264'), true, 'Python 3.11 would give false');
  });
});

describe('string_check templates', () => {
  const item = { answer: 'Paris', aliases: ['Paris', 'City of Light'], n: 4 };

  it('renders templates in both input and reference', async () => {
    const grader = createStringCheckGrader({
      type: 'string_check', name: 't', operation: 'eq',
      input: '{{ sample.output_text }}', reference: '{{ item.answer }}',
    });
    assert.equal(grader.type, 'string_check');
    const pass = await grader.grade({ item, sample: { output_text: 'Paris' } });
    assert.deepEqual(pass, { score: 1, passed: true, sample: null, error: null, invalid_variable: false } satisfies GradeOutcome);
    const fail = await grader.grade({ item, sample: { output_text: 'Lyon' } });
    assert.deepEqual(fail, { score: 0, passed: false, sample: null, error: null, invalid_variable: false });
  });

  it('compares non-string values by their JSON text', async () => {
    const grader = createStringCheckGrader({
      type: 'string_check', name: 't', operation: 'like', input: 'got {{ item.aliases }}', reference: '"City of Light"',
    });
    assert.equal((await grader.grade({ item, sample: null })).passed, true);
    const num = createStringCheckGrader({ type: 'string_check', name: 't', operation: 'eq', input: '{{item.n}}', reference: '4' });
    assert.equal((await num.grade({ item, sample: null })).passed, true);
  });

  it('flags a missing variable, renders it empty and still grades', async () => {
    const grader = createStringCheckGrader({
      type: 'string_check', name: 't', operation: 'eq', input: '{{ item.nope }}', reference: '',
    });
    assert.deepEqual(await grader.grade({ item, sample: null }),
      { score: 1, passed: true, sample: null, error: null, invalid_variable: true, missing_variables: ['item.nope'] });
  });

  it('flags a missing variable in the reference and with no sample', async () => {
    const grader = createStringCheckGrader({
      type: 'string_check', name: 't', operation: 'ilike', input: '{{ sample.output_text }}', reference: '{{ item.answer }}',
    });
    const outcome = await grader.grade({ item, sample: null });
    assert.equal(outcome.invalid_variable, true);
    assert.deepEqual(outcome.missing_variables, ['sample.output_text']);
    assert.equal(outcome.passed, false);
    assert.equal(outcome.error, null);
  });
});

describe('grader registry', () => {
  const unused = () => {
    throw new Error('not called in this test');
  };
  const ctx = { python: unused, judge: { chat: unused, embeddings: unused }, embeddingModel: 'embed' };

  it('builds string_check graders', async () => {
    const config = { type: 'string_check', name: 'x', input: 'a', reference: 'a', operation: 'eq' } as const;
    const grader = createGrader(config, ctx);
    assert.equal(grader.type, 'string_check');
    assert.equal((await grader.grade({ item: {}, sample: null })).passed, true);
  });

  it('builds every grader type, model graders included', () => {
    const label: GraderConfig = {
      type: 'label_model', name: 'l', model: 'm', labels: ['a'], passing_labels: ['a'],
      input: [{ type: 'message', role: 'user', content: { type: 'input_text', text: 'x' } }],
    };
    const score: GraderConfig = { type: 'score_model', name: 's', model: 'm', input: [{ type: 'message', role: 'user', content: { type: 'input_text', text: 'x' } }] };
    const cosine: GraderConfig = { type: 'text_similarity', name: 's', input: 'a', reference: 'b', evaluation_metric: 'cosine', pass_threshold: 0.5 };
    const multi: GraderConfig = { type: 'multi', name: 'm', graders: { a: label, b: score, c: cosine }, calculate_output: 'a + b + c' };
    const configs: GraderConfig[] = [label, score, cosine, multi, { ...cosine, evaluation_metric: 'bleu' }];
    for (const config of configs) {
      assert.equal(createGrader(config, ctx).type, config.type);
    }
  });
});
