import { fromPglite, PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { Database } from '../storage/database.ts';
import type { RunQueue } from './run-queue.ts';

/** Job names. A plan job streams a run's source into rows; batch jobs grade ranges of rows. */
export const PLAN_QUEUE = 'proctor-plan-run';
export const BATCH_QUEUE = 'proctor-run-batch';

export interface PlanJob { run_id: string }
export interface BatchJob { run_id: string; batch_index: number }

export interface JobHandlers {
  plan(job: PlanJob, signal: AbortSignal): Promise<void>;
  batch(job: BatchJob, signal: AbortSignal): Promise<void>;
  /** A job failed for the last time: its run cannot finish and must say so. */
  exhausted(runId: string, what: string, error: unknown): Promise<void>;
}

/**
 * pg-boss on the same database as the data: durable jobs with retries, shared by every worker
 * process in the scaled deployment. A worker that dies mid-job stops heart-beating and its job is
 * retried elsewhere; batch handlers are idempotent, so a retry never double-counts.
 */
export class JobQueue implements RunQueue {
  readonly #boss: PgBoss;
  readonly #embedded: boolean;
  readonly #log: Logger;
  #working = false;

  constructor(database: Database, logger: Logger) {
    this.#log = logger;
    this.#embedded = database.kind === 'pglite';
    const common = { schema: 'pgboss', supervise: true, schedule: false, migrate: true } as const;
    this.#boss =
      database.pglite !== null
        ? new PgBoss({ ...common, db: fromPglite(database.pglite), backend: 'pglite' })
        : new PgBoss({ ...common, connectionString: database.connectionString ?? '', max: 4 });
    this.#boss.on('error', (error: unknown) => this.#log.error('queue error', { error }));
  }

  /** This process's worker id per queue (set by `work`). */
  readonly #workers = new Map<string, string>();

  async start(): Promise<void> {
    await this.#boss.start();
    const queueOptions = { retryLimit: 8, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 3600, heartbeatSeconds: 30, notify: true, retentionSeconds: 7 * 24 * 3600, deleteAfterSeconds: 24 * 3600 };
    for (const name of [PLAN_QUEUE, BATCH_QUEUE]) {
      if (!(await this.#boss.getQueue(name))) {
        try {
          await this.#boss.createQueue(name, queueOptions);
        } catch (error) {
          // Another node created it between our check and our create.
          if (!(await this.#boss.getQueue(name))) throw error;
        }
      }
    }
  }

  async enqueuePlan(runId: string): Promise<void> {
    await this.#boss.send(PLAN_QUEUE, { run_id: runId } satisfies PlanJob);
    this.#wake(PLAN_QUEUE);
  }

  async enqueueBatches(runId: string, batchIndexes: readonly number[]): Promise<void> {
    for (let i = 0; i < batchIndexes.length; i += 1000) {
      const jobs = batchIndexes.slice(i, i + 1000).map((batch_index) => ({ data: { run_id: runId, batch_index } satisfies BatchJob }));
      await this.#boss.insert(BATCH_QUEUE, jobs);
    }
    this.#wake(BATCH_QUEUE);
  }

  /**
   * A job enqueued here is fetched by this process's own worker at once, not at its next poll:
   * PGlite has no LISTEN/NOTIFY, and even with it the round trip costs more than a local call.
   */
  #wake(queue: string): void {
    const id = this.#workers.get(queue);
    if (id !== undefined) this.#boss.notifyWorker(id);
  }

  /**
   * In the embedded deployment this process owns the database (the data-dir lock), so jobs still
   * `active` at start belonged to a process that died: fail them now so they retry at once rather
   * than after their heartbeat lapses.
   */
  async recoverOrphans(): Promise<number> {
    if (!this.#embedded) return 0;
    let recovered = 0;
    for (const name of [PLAN_QUEUE, BATCH_QUEUE]) {
      const jobs = await this.#boss.findJobs(name, { limit: 100_000 });
      const active = jobs.filter((j) => j.state === 'active').map((j) => j.id);
      if (active.length > 0) {
        await this.#boss.fail(name, active, { message: 'worker process ended while running this job' });
        recovered += active.length;
      }
    }
    return recovered;
  }

  async work(handlers: JobHandlers, concurrency: number): Promise<void> {
    this.#working = true;
    const options = { batchSize: 10, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5, localConcurrency: concurrency, includeMetadata: true } as const;
    // pg-boss retries a failed job; on its last attempt the run is failed instead of left waiting.
    const attempt = async (job: { retryCount: number; retryLimit: number }, runId: string, what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        this.#log.error('job failed', { run_id: runId, job: what, attempt: job.retryCount + 1, error });
        if (job.retryCount >= job.retryLimit) await handlers.exhausted(runId, what, error);
        throw error;
      }
    };
    const planWorker = await this.#boss.work<PlanJob, unknown, typeof options>(PLAN_QUEUE, options, async (jobs) => {
      for (const job of jobs) await attempt(job, job.data.run_id, 'plan', () => handlers.plan(job.data, job.signal));
    });
    const batchWorker = await this.#boss.work<BatchJob, unknown, typeof options>(BATCH_QUEUE, options, async (jobs) => {
      for (const job of jobs) await attempt(job, job.data.run_id, `batch ${job.data.batch_index}`, () => handlers.batch(job.data, job.signal));
    });
    this.#workers.set(PLAN_QUEUE, planWorker);
    this.#workers.set(BATCH_QUEUE, batchWorker);
  }

  async stop(): Promise<void> {
    await this.#boss.stop({ graceful: this.#working, timeout: 10_000 });
  }
}
