/**
 * Messages between `ThreadPool` (main thread) and a worker started through `servePoolWorker`.
 * Jobs travel in batches: one message per batch, not per job, so a cheap job costs a share of
 * a message rather than a whole one.
 */

/** `workerData` of every pool worker. */
export interface PoolWorkerInit<D = unknown> {
  /**
   * Int32Array[2] at byte 0: [0] the seq of the job running now (0 between jobs). Float64Array[1]
   * at byte 8: when it started (epoch ms). The pool's watchdog reads both without a message, so
   * a worker stuck in one job is seen while it is stuck.
   */
  status: SharedArrayBuffer;
  /** What the worker's own code needs at start-up. */
  data: D;
}

export const STATUS_BYTES = 16;
export const STATUS_RUNNING = 0;
export const STATUS_STARTED_AT_OFFSET = 8;

export interface PoolBatchMessage<J> {
  kind: 'batch';
  batch: number;
  seqs: number[];
  jobs: J[];
}

/** A job's outcome inside the worker: its value, or the message of what it threw. */
export type PoolJobResult<R> = { ok: true; value: R } | { ok: false; message: string };

export type PoolWorkerMessage<R> =
  | { kind: 'ready' }
  | { kind: 'boot_failed'; message: string }
  | { kind: 'results'; batch: number; results: PoolJobResult<R>[] };

/** Wall-clock milliseconds, comparable across threads (performance.now() is per thread). */
export const epochNow = (): number => performance.timeOrigin + performance.now();
