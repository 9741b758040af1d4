import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { metricVectors } from '../../test/fixtures/metric-vectors.ts';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { MetricPool } from './metric-pool.ts';
import { localMetrics, type LocalMetric } from './metrics/local-metrics.ts';
import { createTextSimilarityGrader } from './text-similarity.ts';

const METRICS = Object.keys(localMetrics) as LocalMetric[];
const WORDS = ['the', 'cat', 'cats', 'sat', 'sits', 'on', 'a', 'mat', 'begin', 'start', 'started', 'dog', 'running', 'ran', ',', '.', "isn't", 'Über', 'naïve', '日本', '😀'];

function randomText(random: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(random() < 0.3 ? '  ' : ' ');
}

describe('grading threads (MetricPool)', () => {
  const pool = new MetricPool({ size: 2, timeoutMs: 60_000, maxBatch: 16 });
  after(() => pool.close());

  it('gives bit-identical scores to in-thread grading: every metric on every reference vector and on random texts', async () => {
    const random = seededRandom(7);
    const pairs = metricVectors.map((v) => [v.candidate, v.reference] as const);
    for (let k = 0; k < 150; k++) pairs.push([randomText(random, Math.floor(random() * 40)), randomText(random, 1 + Math.floor(random() * 40))]);
    // a few long ones: the window search, the seaweed switch and the indexed METEOR matcher
    pairs.push([randomText(random, 3_000), randomText(random, 1_200)], ['ab '.repeat(700), 'a '.repeat(300)]);
    const jobs = pairs.flatMap(([candidate, reference]) => METRICS.map((metric) => ({ metric, candidate, reference })));
    const fromPool = await Promise.all(jobs.map((j) => pool.score(j.metric, j.candidate, j.reference)));
    jobs.forEach((j, k) => {
      const result = fromPool[k];
      assert.ok(result?.ok, `${j.metric}: ${JSON.stringify(result)}`);
      const inThread = localMetrics[j.metric](j.candidate, j.reference);
      assert.ok(Object.is(result.value, inThread), `${j.metric} ${JSON.stringify(j.candidate.slice(0, 80))}: pool ${result.value}, in-thread ${inThread}`);
    });
    const stats = pool.stats();
    assert.ok(stats.batches < stats.jobs / 4, `jobs travel in batches: ${stats.jobs} jobs in ${stats.batches} messages`);
  });

  it('a text_similarity grader with the pool gives the same outcome as without', async () => {
    for (const metric of METRICS) {
      const config = { type: 'text_similarity', name: 't', input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: metric, pass_threshold: 0.3 } as const;
      const input = { item: { reference: 'The cats sat on the mat.' }, sample: { output_text: 'the cat sits on a mat' } };
      assert.deepEqual(await createTextSimilarityGrader(config, pool).grade(input), await createTextSimilarityGrader(config).grade(input), metric);
    }
  });

  it('a score past the time limit errors that job only; its thread is replaced and the others finish', async () => {
    const quick = new MetricPool({ size: 1, timeoutMs: 200, maxBatch: 8 });
    try {
      // every one of these lands in the same batch as the slow one
      const before = [quick.score('bleu', 'a b c', 'a b c d'), quick.score('rouge_1', 'x y', 'x z')];
      const slow = quick.score('fuzzy_match', 'a '.repeat(200_000), 'ab '.repeat(60_000));
      const afterSlow = [quick.score('gleu', 'a b c', 'a b c d'), quick.score('fuzzy_match', 'hello world', 'hello word')];
      const slowResult = await slow;
      assert.equal(slowResult.ok, false);
      assert.equal(!slowResult.ok && slowResult.error.code, 'timeout');
      for (const result of await Promise.all([...before, ...afterSlow])) assert.ok(result.ok, JSON.stringify(result));
      assert.equal(quick.stats().replaced, 1);
      const grader = createTextSimilarityGrader({ type: 'text_similarity', name: 'f', input: '{{ sample.output_text }}', reference: '{{ item.r }}', evaluation_metric: 'fuzzy_match' }, quick);
      const outcome = await grader.grade({ item: { r: 'ab '.repeat(60_000) }, sample: { output_text: 'a '.repeat(200_000) } });
      assert.equal(outcome.error?.code, 'timeout');
      assert.equal(outcome.score, 0);
      assert.equal(outcome.passed, false);
      const fine = await quick.score('rouge_l', 'a b', 'a b');
      assert.deepEqual(fine, { ok: true, value: 1 });
    } finally {
      await quick.close();
    }
  });

  it('a cancelled job resolves at once, and a thread working only for cancelled jobs is replaced', async () => {
    const cancelPool = new MetricPool({ size: 1, timeoutMs: 60_000 });
    try {
      const early = new AbortController();
      early.abort();
      assert.equal(((await cancelPool.score('bleu', 'a', 'a', early.signal)) as { error: { code: string } }).error.code, 'cancelled');
      const abort = new AbortController();
      const slow = cancelPool.score('fuzzy_match', 'a '.repeat(200_000), 'ab '.repeat(60_000), abort.signal);
      const waiting = cancelPool.score('bleu', 'a b', 'a b', abort.signal);
      // cancel once the slow one is running (the thread has started and taken the batch)
      let settled = false;
      void slow.then(() => (settled = true));
      while (cancelPool.stats().busy === 0 && !settled) await new Promise((resolve) => setTimeout(resolve, 20));
      abort.abort();
      const results = await Promise.all([slow, waiting]);
      for (const result of results) assert.equal(!result.ok && result.error.code, 'cancelled');
      // the thread stuck on the slow one makes room; the next job runs on a fresh one
      assert.deepEqual(await cancelPool.score('rouge_1', 'a b', 'a b'), { ok: true, value: 1 });
      assert.equal(cancelPool.stats().replaced, 1);
    } finally {
      await cancelPool.close();
    }
  });

  it('a job that throws in the thread errors that job only', async () => {
    const results = await Promise.all([pool.score('no_such_metric' as LocalMetric, 'a', 'b'), pool.score('bleu', 'a b c d', 'a b c d')]);
    assert.equal(results[0]?.ok, false);
    assert.equal(!results[0]?.ok && results[0]?.error.code, 'worker_error');
    assert.deepEqual(results[1], { ok: true, value: 1 });
  });
});
