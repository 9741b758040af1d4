import { sql } from 'kysely';
import { fromPglite, PgBoss, type JobWithMetadata } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { Database } from '../storage/database.ts';
import { JobClaimRepository, type JobClaim } from '../storage/job-claim-repository.ts';
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

/** Who this process is among the processes on the database (PostgreSQL only; see ProcessRegistry). */
export interface ProcessIdentity {
  readonly id: string;
}

/** Where a job's arrival is announced to every process (PostgreSQL); PGlite has one process. */
const JOBS_CHANNEL = 'proctor_jobs';
/** Without a NOTIFY, look for jobs this often (retries whose delay ran out, a lost notification). */
const POLL_MS = 1000;
/** A stopping process waits this long for its jobs to finish before handing them back. */
const STOP_GRACE_MS = 10_000;
/** pg-boss fails a job whose heartbeat lapses: a backstop behind our own process leases. */
const HEARTBEAT_SECONDS = 30;

type Job = JobWithMetadata<PlanJob | BatchJob>;

/** One queue's dispatcher: fetches exactly as many jobs as it has free lanes. */
interface Lane {
  readonly queue: string;
  readonly concurrency: number;
  readonly run: (job: Job, signal: AbortSignal) => Promise<void>;
  running: number;
  wake: (() => void) | null;
  loop: Promise<void>;
}

/**
 * pg-boss on the same database as the data: durable jobs with retries, shared by every worker
 * process in the scaled deployment. Each process fetches only as many jobs as it has free lanes
 * (`PROCTOR_WORKER_CONCURRENCY`), so batches go to the processes that have room instead of piling
 * up in one. Running jobs are claimed under this process's id; a process found dead (its lease in
 * `proctor.processes` lapsed) has its jobs failed over by whoever found it, so they run elsewhere
 * within seconds rather than after pg-boss's heartbeat. Batch handlers are idempotent, so a job
 * run twice never double-counts.
 */
export class JobQueue implements RunQueue {
  readonly #boss: PgBoss;
  readonly #database: Database;
  readonly #embedded: boolean;
  readonly #log: Logger;
  readonly #claims: JobClaimRepository;
  #identity: ProcessIdentity | null = null;
  readonly #lanes = new Map<string, Lane>();
  #stopping = false;
  readonly #stop = new AbortController();
  #unlisten: (() => void) | null = null;

  constructor(database: Database, logger: Logger) {
    this.#log = logger;
    this.#database = database;
    this.#embedded = database.kind === 'pglite';
    this.#claims = new JobClaimRepository(database.db);
    const common = { schema: 'pgboss', supervise: true, schedule: false, migrate: true } as const;
    this.#boss =
      database.pglite !== null
        ? new PgBoss({ ...common, db: fromPglite(database.pglite), backend: 'pglite' })
        : new PgBoss({ ...common, connectionString: database.connectionString ?? '', max: 4 });
    this.#boss.on('error', (error: unknown) => this.#log.error('queue error', { error }));
  }

  async start(): Promise<void> {
    await this.#boss.start();
    const queueOptions = { retryLimit: 8, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 3600, heartbeatSeconds: HEARTBEAT_SECONDS, notify: true, retentionSeconds: 7 * 24 * 3600, deleteAfterSeconds: 24 * 3600 };
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
    await this.#announce(PLAN_QUEUE);
  }

  async enqueueBatches(runId: string, batchIndexes: readonly number[]): Promise<void> {
    for (let i = 0; i < batchIndexes.length; i += 1000) {
      const jobs = batchIndexes.slice(i, i + 1000).map((batch_index) => ({ data: { run_id: runId, batch_index } satisfies BatchJob }));
      await this.#boss.insert(BATCH_QUEUE, jobs);
    }
    await this.#announce(BATCH_QUEUE);
  }

  /** Jobs are ready: this process's dispatcher at once, every other process through NOTIFY. */
  async #announce(queue: string): Promise<void> {
    this.#lanes.get(queue)?.wake?.();
    if (this.#embedded) return;
    await sql`select pg_notify(${JOBS_CHANNEL}, ${queue})`.execute(this.#database.db).catch((error: unknown) => {
      this.#log.warn('job notification not sent (workers will poll)', { queue, error });
    });
  }

  /**
   * In the embedded deployment this process owns the database (the data-dir lock), so jobs still
   * `active` at start belonged to a process that died: fail them now so they retry at once rather
   * than after their heartbeat lapses. On PostgreSQL the same holds for jobs claimed by processes
   * that are gone (all of them died; nobody swept).
   */
  async recoverOrphans(): Promise<number> {
    if (!this.#embedded) {
      const holders = await this.#claims.orphaned();
      return holders.length > 0 ? this.failOver(holders) : 0;
    }
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

  /**
   * The jobs dead processes were running go back to the queue now: failed (an attempt is spent, so
   * a job that kills every process that runs it still ends), made runnable at once, and announced.
   */
  async failOver(deadHolders: readonly string[], handlers?: Pick<JobHandlers, 'exhausted'>): Promise<number> {
    const claims = await this.#claims.takeFrom(deadHolders);
    if (claims.length === 0) return 0;
    const byQueue = new Map<string, JobClaim[]>();
    for (const c of claims) byQueue.set(c.queue, [...(byQueue.get(c.queue) ?? []), c]);
    for (const [queue, list] of byQueue) {
      await this.#boss.fail(
        queue,
        list.map((c) => ({ id: c.job_id, retryCount: c.attempt })),
        { message: 'the worker process running this job died' },
      );
      for (const c of list) {
        if (c.attempt >= c.retry_limit) {
          await handlers?.exhausted(c.run_id, queue === PLAN_QUEUE ? 'plan' : 'a batch', new Error('the worker process running it died'));
          continue;
        }
        await this.#boss.update({ name: queue, options: { id: c.job_id, startAfter: 0 } });
      }
      await this.#announce(queue);
    }
    this.#log.info('failed over the jobs of dead processes', { processes: deadHolders, jobs: claims.length });
    return claims.length;
  }

  async work(handlers: JobHandlers, concurrency: number, identity: ProcessIdentity | null = null): Promise<void> {
    this.#identity = identity;
    const run = (what: (job: Job) => string, handle: (job: Job, signal: AbortSignal) => Promise<void>) => async (job: Job, signal: AbortSignal) => {
      try {
        await handle(job, signal);
      } catch (error) {
        this.#log.error('job failed', { run_id: job.data.run_id, job: what(job), attempt: job.retryCount + 1, error });
        if (job.retryCount >= job.retryLimit) await handlers.exhausted(job.data.run_id, what(job), error);
        throw error;
      }
    };
    this.#addLane(PLAN_QUEUE, concurrency, run(() => 'plan', (job, signal) => handlers.plan(job.data, signal)));
    this.#addLane(
      BATCH_QUEUE,
      concurrency,
      run((job) => `batch ${(job.data as BatchJob).batch_index}`, (job, signal) => handlers.batch(job.data as BatchJob, signal)),
    );
    if (!this.#embedded) {
      this.#unlisten = await this.#database.listen(JOBS_CHANNEL, (queue) => this.#lanes.get(queue)?.wake?.());
    }
  }

  #addLane(queue: string, concurrency: number, run: Lane['run']): void {
    const lane: Lane = { queue, concurrency, run, running: 0, wake: null, loop: Promise.resolve() };
    this.#lanes.set(queue, lane);
    lane.loop = this.#dispatch(lane);
  }

  /** Sleeps until woken (a job announced, a lane freed, stop) or `ms` pass. */
  #pause(lane: Lane, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        lane.wake = null;
        resolve();
      }
      lane.wake = done;
    });
  }

  async #dispatch(lane: Lane): Promise<void> {
    while (!this.#stopping) {
      const free = lane.concurrency - lane.running;
      if (free <= 0) {
        await this.#pause(lane, 60_000);
        continue;
      }
      let jobs: Job[];
      try {
        jobs = (await this.#boss.fetch<PlanJob | BatchJob>(lane.queue, { batchSize: free, includeMetadata: true })) ?? [];
      } catch (error) {
        if (this.#stopping) break;
        this.#log.error('queue fetch failed', { queue: lane.queue, error });
        await this.#pause(lane, POLL_MS);
        continue;
      }
      if (jobs.length === 0) {
        await this.#pause(lane, POLL_MS);
        continue;
      }
      for (const job of jobs) {
        lane.running++;
        void this.#runJob(lane, job).finally(() => {
          lane.running--;
          lane.wake?.();
        });
      }
    }
  }

  async #runJob(lane: Lane, job: Job): Promise<void> {
    const holder = this.#identity?.id ?? null;
    const attempt = { id: job.id, retryCount: job.retryCount };
    if (holder !== null) {
      await this.#claims
        .claim(holder, { job_id: job.id, queue: lane.queue, attempt: job.retryCount, retry_limit: job.retryLimit, run_id: job.data.run_id })
        .catch((error: unknown) => this.#log.warn('job claim not recorded', { job: job.id, error }));
    }
    // Keeps pg-boss's own heartbeat fresh while the handler runs (the backstop behind our leases).
    const touch = setInterval(() => void this.#boss.touch(lane.queue, attempt).catch(() => undefined), (HEARTBEAT_SECONDS * 1000) / 3);
    touch.unref();
    try {
      await lane.run(job, this.#stop.signal);
      // A handler cut short by a stop has not finished its job: hand it back instead.
      if (this.#stop.signal.aborted) await this.#boss.fail(lane.queue, attempt, { message: 'the worker process stopped' });
      else await this.#boss.complete(lane.queue, attempt);
    } catch (error) {
      await this.#boss.fail(lane.queue, attempt, { message: error instanceof Error ? error.message : String(error) }).catch((e: unknown) => this.#log.error('job not failed', { job: job.id, error: e }));
    } finally {
      clearInterval(touch);
      if (holder !== null) await this.#claims.release(holder, job.id).catch(() => undefined);
    }
  }

  /** Jobs of `queue` this process is running now. */
  running(queue: string): number {
    return this.#lanes.get(queue)?.running ?? 0;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unlisten?.();
    for (const lane of this.#lanes.values()) lane.wake?.();
    const running = () => [...this.#lanes.values()].reduce((n, l) => n + l.running, 0);
    const deadline = Date.now() + STOP_GRACE_MS;
    while (running() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (running() > 0) {
      this.#stop.abort();
      const hard = Date.now() + 2000;
      while (running() > 0 && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all([...this.#lanes.values()].map((l) => l.loop));
    await this.#boss.stop({ graceful: false, timeout: 2000 });
  }
}
