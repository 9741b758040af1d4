import { availableParallelism } from 'node:os';
import type { Logger } from '../logger.ts';
import type { LocalMetric } from './metrics/local-metrics.ts';
import { poolWorkerEntry, ThreadPool, type PoolOutcome, type ThreadPoolStats } from './pool/thread-pool.ts';
import type { MetricScorer } from './text-similarity.ts';

/** One text_similarity score to compute: [metric, candidate, reference]. */
export type MetricJob = readonly [metric: LocalMetric, candidate: string, reference: string];

export interface MetricPoolOptions {
  /** Grading threads. Default: the machine's available cores. */
  size?: number;
  /** Time limit of one score, ms. Default 30 000. */
  timeoutMs?: number;
  /** Scores sent to a thread in one message. Default 64. */
  maxBatch?: number;
  logger?: Logger;
}

const entry = poolWorkerEntry(import.meta.url, 'metric-worker');

/**
 * The grading threads: text_similarity's local metrics (BLEU, GLEU, METEOR, ROUGE, fuzzy_match)
 * computed on a pool of worker threads (metric-worker.ts), so a long input never stalls the event
 * loop and a run's rows are scored on every core. Scores are the numbers the in-thread grader
 * computes (the same functions; a double crosses threads unchanged).
 */
export class MetricPool implements MetricScorer {
  readonly #pool: ThreadPool<MetricJob, number, null>;

  constructor(options: MetricPoolOptions = {}) {
    this.#pool = new ThreadPool<MetricJob, number, null>({
      name: 'grading',
      entry,
      workerData: null,
      size: options.size ?? availableParallelism(),
      timeoutMs: options.timeoutMs ?? 30_000,
      maxBatch: options.maxBatch ?? 64,
      // a runaway input costs its row, not the process: past this the thread dies, not the server
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  }

  get size(): number {
    return this.#pool.size;
  }

  score(metric: LocalMetric, candidate: string, reference: string, signal?: AbortSignal): Promise<PoolOutcome<number>> {
    return this.#pool.run([metric, candidate, reference], signal);
  }

  stats(): ThreadPoolStats {
    return this.#pool.stats();
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
