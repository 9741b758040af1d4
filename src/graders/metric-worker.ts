/**
 * The worker_threads entry of the grading threads (`MetricPool`): scores text_similarity jobs
 * with the very functions the in-thread grader calls (metrics/local-metrics.ts). Started by the
 * pool only.
 */
import { localMetrics } from './metrics/local-metrics.ts';
import { getWordNet } from './metrics/wordnet.ts';
import type { MetricJob } from './metric-pool.ts';
import { servePoolWorker } from './pool/serve-pool-worker.ts';

servePoolWorker<null, MetricJob, number>(
  () => ([metric, candidate, reference]) => localMetrics[metric](candidate, reference),
  // METEOR's WordNet loads on first use (a few hundred ms): not the first row's time limit
  ([metric]) => {
    if (metric === 'meteor') getWordNet();
  },
);
