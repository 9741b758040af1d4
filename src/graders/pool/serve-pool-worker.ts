import { parentPort, workerData } from 'node:worker_threads';
import {
  epochNow,
  STATUS_RUNNING,
  STATUS_STARTED_AT_OFFSET,
  type PoolBatchMessage,
  type PoolJobResult,
  type PoolWorkerInit,
  type PoolWorkerMessage,
} from './thread-pool-protocol.ts';

/**
 * The worker side of `ThreadPool`: call it once from a worker entry point with the function that
 * does one job. It marks each job in the shared status (the pool's time limit watches it), runs
 * the batch's jobs in order and answers with one message per batch. A job that throws is an
 * error result for that job only.
 *
 * `warm(job)`, when given, runs before a job's clock starts: a one-time cost that is not the
 * job's own (loading a dictionary the first time a job needs it) does not count against it.
 */
export function servePoolWorker<D, J, R>(setup: (data: D) => (job: J) => R, warm?: (job: J) => void): void {
  const port = parentPort;
  if (port === null) throw new Error('a pool worker runs in a worker thread started by ThreadPool');
  const init = workerData as PoolWorkerInit<D>;
  const status = new Int32Array(init.status, 0, 2);
  const startedAt = new Float64Array(init.status, STATUS_STARTED_AT_OFFSET, 1);
  const send = (message: PoolWorkerMessage<R>): void => port.postMessage(message);
  let run: (job: J) => R;
  try {
    run = setup(init.data);
  } catch (error) {
    send({ kind: 'boot_failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (message: PoolBatchMessage<J>) => {
    const results: PoolJobResult<R>[] = [];
    for (let k = 0; k < message.jobs.length; k++) {
      const job = message.jobs[k] as J;
      try {
        warm?.(job);
      } catch {
        // the job itself will meet the same problem and report it
      }
      startedAt[0] = epochNow();
      Atomics.store(status, STATUS_RUNNING, message.seqs[k] ?? 0);
      try {
        results.push({ ok: true, value: run(job) });
      } catch (error) {
        results.push({ ok: false, message: error instanceof Error ? error.message : String(error) });
      } finally {
        Atomics.store(status, STATUS_RUNNING, 0);
      }
    }
    send({ kind: 'results', batch: message.batch, results });
  });
  send({ kind: 'ready' });
}
