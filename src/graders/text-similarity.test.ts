import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TextSimilarityGraderConfig } from '../domain/grader-config.ts';
import { createTextSimilarityGrader } from './text-similarity.ts';
import { metricVectors } from '../../test/fixtures/metric-vectors.ts';

const vectors = metricVectors;

// The variants Proctor follows (architecture §6, data/README.md).
const followed: Record<string, string> = {
  bleu: 'nltk_word_tokenize+smoothing_method4',
  gleu: 'nltk_word_tokenize',
  meteor: 'nltk_word_tokenize',
  fuzzy_match: 'fuzz.WRatio(default_process)/100',
  rouge_1: 'fmeasure', rouge_2: 'fmeasure', rouge_3: 'fmeasure', rouge_4: 'fmeasure', rouge_5: 'fmeasure', rouge_l: 'fmeasure',
};

function grader(metric: TextSimilarityGraderConfig['evaluation_metric'], threshold: number) {
  return createTextSimilarityGrader({ type: 'text_similarity', name: 't', input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: metric, pass_threshold: threshold });
}

describe('text_similarity grader', () => {
  it('scores every reference vector of every metric through templates, to 1e-9', async () => {
    let checked = 0;
    for (const v of vectors) {
      if (followed[v.metric] !== v.variant) continue;
      const g = grader(v.metric as TextSimilarityGraderConfig['evaluation_metric'], v.expected - 1e-9);
      const out = await g.grade({ item: { reference: v.reference }, sample: { output_text: v.candidate } });
      assert.ok(Math.abs(out.score - v.expected) <= 1e-9, `${v.metric} ${JSON.stringify(v.candidate)}: ${out.score} vs ${v.expected}`);
      assert.equal(out.passed, true, 'score ≥ threshold passes');
      assert.equal(out.error, null);
      checked++;
    }
    assert.equal(checked, 120);
  });

  it('fails below the threshold and flags a missing template variable', async () => {
    const out = await grader('fuzzy_match', 0.99).grade({ item: { reference: 'kitten' }, sample: { output_text: 'sitting' } });
    assert.equal(out.passed, false);
    assert.ok(out.score > 0 && out.score < 0.99);
    const missing = await grader('rouge_l', 0.5).grade({ item: {}, sample: { output_text: 'x' } });
    assert.equal(missing.invalid_variable, true);
    assert.equal(missing.score, 0);
  });

  it('refuses cosine, which needs an embeddings provider', () => {
    assert.throws(() => grader('cosine', 0.5), /not computed locally/);
  });
});
