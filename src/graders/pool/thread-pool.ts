import { Worker, type ResourceLimits } from 'node:worker_threads';
import { silentLogger, type Logger } from '../../logger.ts';
import {
  epochNow,
  STATUS_BYTES,
  STATUS_RUNNING,
  STATUS_STARTED_AT_OFFSET,
  type PoolBatchMessage,
  type PoolJobResult,
  type PoolWorkerInit,
  type PoolWorkerMessage,
} from './thread-pool-protocol.ts';

/**
 * A pool of worker threads for CPU-bound jobs, so they run on every core and never on the event
 * loop. Generic over the job and its result; the worker side is `servePoolWorker`.
 *
 * - Workers start on first use, up to `size`, and are reused; an idle worker does not keep the
 *   process alive.
 * - Jobs queued in one turn of the event loop leave together: a worker gets up to `maxBatch` jobs
 *   per message, and a worker that answers while jobs wait gets the next batch at once.
 * - Time limit per job: a job running longer than `timeoutMs` has its worker terminated and
 *   replaced; that job gets a `timeout` result, the other jobs of its batch go back to the queue.
 * - A cancelled job (its AbortSignal) resolves at once; a worker whose whole batch was cancelled
 *   is replaced if it is still busy shortly after.
 * - `run` never rejects: every failure is a result for that job.
 */

export interface ThreadPoolOptions<D> {
  /** Thread name and log label. */
  name: string;
  /** The worker entry: a module calling `servePoolWorker` (see `poolWorkerEntry`). */
  entry: PoolWorkerEntry;
  /** `data` of the workers' `PoolWorkerInit`. */
  workerData: D;
  /** Worker threads. At least 1. */
  size: number;
  /** Time limit of one job, ms. */
  timeoutMs: number;
  /** Jobs per message. Default 64. */
  maxBatch?: number;
  /** V8 limits per worker; a worker past them dies and only its job fails. */
  resourceLimits?: ResourceLimits;
  logger?: Logger;
}

export type PoolErrorCode = 'timeout' | 'cancelled' | 'worker_error';
export type PoolOutcome<R> = { ok: true; value: R } | { ok: false; error: { code: PoolErrorCode; message: string } };

export interface ThreadPoolStats {
  workers: number;
  busy: number;
  queued: number;
  started: number;
  replaced: number;
  /** Messages sent to workers, and jobs in them: jobs / batches is the mean batch. */
  batches: number;
  jobs: number;
}

/** How to start a worker: eval'd bootstrap code (it registers tsx when running from sources). */
export interface PoolWorkerEntry {
  readonly bootstrap: string;
}

/**
 * The entry `name` beside the calling module (pass its `import.meta.url`): `name.ts` under tsx,
 * which a worker does not inherit, so the bootstrap registers it first; `name.mjs` in the bundle
 * (scripts/build.mjs builds every worker entry beside main.mjs).
 */
export function poolWorkerEntry(callerUrl: string, name: string): PoolWorkerEntry {
  if (callerUrl.endsWith('.ts')) {
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const target = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href);
    return { bootstrap: `import(${tsx}).then((tsx) => { tsx.register(); return import(${target}); });` };
  }
  return { bootstrap: `import(${JSON.stringify(new URL(`./${name}.mjs`, callerUrl).href)});` };
}

interface Pending<J, R> {
  seq: number;
  job: J;
  /** Times this job went back to the queue because its worker died under another job. */
  requeued: number;
  done: boolean;
  resolve: (outcome: PoolOutcome<R>) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot<J, R> {
  worker: Worker;
  state: 'booting' | 'idle' | 'busy' | 'dead';
  status: Int32Array;
  startedAt: Float64Array;
  batch: { id: number; calls: Pending<J, R>[]; deadline: number } | null;
  timer: NodeJS.Timeout | null;
  abandonTimer: NodeJS.Timeout | null;
}

const MAX_REQUEUE = 2;
/** How long a worker whose every job was cancelled may keep running before it is replaced. */
const ABANDON_AFTER_MS = 100;

const fail = <R>(code: PoolErrorCode, message: string): PoolOutcome<R> => ({ ok: false, error: { code, message } });

export class ThreadPool<J, R, D = unknown> {
  readonly #o: Required<Omit<ThreadPoolOptions<D>, 'resourceLimits'>> & { resourceLimits: ResourceLimits | undefined };
  readonly #slots = new Set<Slot<J, R>>();
  #queue: Pending<J, R>[] = [];
  #head = 0;
  #seq = 0;
  #batchId = 0;
  #pumpScheduled = false;
  #closed = false;
  #started = 0;
  #replaced = 0;
  #batches = 0;
  #jobs = 0;

  constructor(options: ThreadPoolOptions<D>) {
    this.#o = {
      ...options,
      size: Math.max(1, Math.floor(options.size)),
      timeoutMs: Math.max(1, options.timeoutMs),
      maxBatch: Math.max(1, options.maxBatch ?? 64),
      resourceLimits: options.resourceLimits,
      logger: options.logger ?? silentLogger,
    };
  }

  get size(): number {
    return this.#o.size;
  }

  get timeoutMs(): number {
    return this.#o.timeoutMs;
  }

  /** Runs one job on a worker. Never rejects. */
  run(job: J, signal?: AbortSignal): Promise<PoolOutcome<R>> {
    if (this.#closed) return Promise.resolve(fail('worker_error', `the ${this.#o.name} pool is closed`));
    if (signal?.aborted) return Promise.resolve(fail('cancelled', 'cancelled before it ran'));
    return new Promise<PoolOutcome<R>>((resolve) => {
      this.#seq = this.#seq >= 0x7fff_fff0 ? 1 : this.#seq + 1;
      const pending: Pending<J, R> = { seq: this.#seq, job, requeued: 0, done: false, resolve, signal, onAbort: undefined };
      if (signal !== undefined) {
        pending.onAbort = () => this.#cancel(pending);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#queue.push(pending);
      this.#schedulePump();
    });
  }

  stats(): ThreadPoolStats {
    const slots = [...this.#slots];
    return {
      workers: slots.length,
      busy: slots.filter((s) => s.state === 'busy').length,
      queued: this.#queue.length - this.#head,
      started: this.#started,
      replaced: this.#replaced,
      batches: this.#batches,
      jobs: this.#jobs,
    };
  }

  /** Terminates every worker; jobs still waiting or running resolve with an error. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots];
    for (const slot of slots) {
      for (const pending of slot.batch?.calls ?? []) this.#settle(pending, fail('worker_error', `the ${this.#o.name} pool was closed`));
      this.#retire(slot);
    }
    for (const pending of this.#take(Number.MAX_SAFE_INTEGER)) this.#settle(pending, fail('worker_error', `the ${this.#o.name} pool was closed`));
    await Promise.all(slots.map((slot) => slot.worker.terminate().catch(() => 0)));
  }

  // ---------------------------------------------------------------------------------------------
  // Queue

  #settle(pending: Pending<J, R>, outcome: PoolOutcome<R>): void {
    if (pending.done) return;
    pending.done = true;
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort);
    pending.resolve(outcome);
  }

  #cancel(pending: Pending<J, R>): void {
    this.#settle(pending, fail('cancelled', 'cancelled'));
    for (const slot of this.#slots) {
      const batch = slot.batch;
      if (batch === null || !batch.calls.includes(pending)) continue;
      // Nobody waits for this worker's answer any more: if it is still busy in a moment, it is
      // working on something long for nobody, so it makes room.
      if (batch.calls.every((p) => p.done) && slot.abandonTimer === null) {
        const id = batch.id;
        slot.abandonTimer = setTimeout(() => {
          slot.abandonTimer = null;
          if (slot.batch?.id === id) this.#replace(slot, 'every job of its batch was cancelled');
        }, ABANDON_AFTER_MS);
      }
    }
  }

  #take(count: number): Pending<J, R>[] {
    const out: Pending<J, R>[] = [];
    while (out.length < count && this.#head < this.#queue.length) {
      const pending = this.#queue[this.#head++] as Pending<J, R>;
      if (!pending.done) out.push(pending);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  #queued(): number {
    while (this.#head < this.#queue.length && this.#queue[this.#head]?.done === true) this.#head++;
    return this.#queue.length - this.#head;
  }

  /** Puts jobs back at the front, in their order. */
  #requeue(calls: Pending<J, R>[]): void {
    const live = calls.filter((p) => !p.done);
    if (live.length === 0) return;
    this.#queue = [...live, ...this.#queue.slice(this.#head)];
    this.#head = 0;
  }

  /** Dispatch after this turn of the event loop: everything queued meanwhile travels together. */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#closed) return;
    let waiting = this.#queued();
    if (waiting === 0) return;
    for (const slot of this.#slots) {
      if (waiting === 0) break;
      if (slot.state !== 'idle') continue;
      // an even share per worker, so one worker does not take everything while others idle
      const calls = this.#take(Math.min(this.#o.maxBatch, Math.ceil(waiting / this.#o.size)));
      if (calls.length === 0) break;
      waiting -= calls.length;
      this.#dispatch(slot, calls);
    }
    waiting = this.#queued();
    let booting = 0;
    for (const slot of this.#slots) if (slot.state === 'booting') booting++;
    while (waiting > booting && this.#slots.size < this.#o.size) {
      this.#spawn();
      booting++;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  #spawn(): void {
    const status = new SharedArrayBuffer(STATUS_BYTES);
    const init: PoolWorkerInit<D> = { status, data: this.#o.workerData };
    const worker = new Worker(this.#o.entry.bootstrap, {
      eval: true,
      name: `proctor-${this.#o.name}`,
      workerData: init,
      execArgv: [],
      stdout: true,
      stderr: true,
      ...(this.#o.resourceLimits !== undefined ? { resourceLimits: this.#o.resourceLimits } : {}),
    });
    const slot: Slot<J, R> = {
      worker,
      state: 'booting',
      status: new Int32Array(status, 0, 2),
      startedAt: new Float64Array(status, STATUS_STARTED_AT_OFFSET, 1),
      batch: null,
      timer: null,
      abandonTimer: null,
    };
    this.#slots.add(slot);
    this.#started++;
    const forward = (stream: string) => (chunk: Buffer) => this.#o.logger.debug(`${this.#o.name} worker output`, { stream, text: chunk.toString('utf8').slice(0, 2000) });
    worker.stdout.on('data', forward('stdout'));
    worker.stderr.on('data', forward('stderr'));
    worker.on('message', (message: PoolWorkerMessage<R>) => this.#onMessage(slot, message));
    worker.on('error', (error) => this.#onDeath(slot, error.message));
    worker.on('exit', (code) => this.#onDeath(slot, `exited with code ${code}`));
  }

  #onMessage(slot: Slot<J, R>, message: PoolWorkerMessage<R>): void {
    if (slot.state === 'dead') return;
    switch (message.kind) {
      case 'ready':
        slot.state = 'idle';
        slot.worker.unref();
        this.#pump();
        return;
      case 'boot_failed':
        this.#o.logger.error(`${this.#o.name} worker failed to start`, { error: message.message });
        this.#bootFailed(slot, message.message);
        return;
      case 'results':
        this.#onResults(slot, message.batch, message.results);
        return;
    }
  }

  #dispatch(slot: Slot<J, R>, calls: Pending<J, R>[]): void {
    const id = ++this.#batchId;
    // The per-job watchdog reads the worker's shared status; the batch deadline is a backstop
    // that does not trust it.
    slot.batch = { id, calls, deadline: epochNow() + calls.length * this.#o.timeoutMs + 1_000 };
    slot.state = 'busy';
    slot.worker.ref();
    this.#batches++;
    this.#jobs += calls.length;
    const message: PoolBatchMessage<J> = { kind: 'batch', batch: id, seqs: calls.map((p) => p.seq), jobs: calls.map((p) => p.job) };
    slot.worker.postMessage(message);
    this.#arm(slot, this.#o.timeoutMs);
  }

  #onResults(slot: Slot<J, R>, id: number, results: PoolJobResult<R>[]): void {
    const batch = slot.batch;
    if (batch === null || batch.id !== id) return;
    this.#disarm(slot);
    slot.batch = null;
    slot.state = 'idle';
    batch.calls.forEach((pending, k) => {
      const result = results[k];
      if (result === undefined) this.#settle(pending, fail('worker_error', `the ${this.#o.name} worker returned no result`));
      else if (result.ok) this.#settle(pending, result);
      else this.#settle(pending, fail('worker_error', result.message));
    });
    // Keep this worker busy while jobs wait: no extra turn of the event loop.
    if (this.#queued() > 0) this.#pump();
    if (slot.state === 'idle') slot.worker.unref();
  }

  // ---------------------------------------------------------------------------------------------
  // Time limit

  #arm(slot: Slot<J, R>, delayMs: number): void {
    this.#disarm(slot);
    slot.timer = setTimeout(() => this.#watch(slot), Math.max(1, Math.ceil(delayMs)));
  }

  #disarm(slot: Slot<J, R>): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.abandonTimer !== null) clearTimeout(slot.abandonTimer);
    slot.abandonTimer = null;
  }

  #watch(slot: Slot<J, R>): void {
    slot.timer = null;
    const batch = slot.batch;
    if (batch === null || slot.state !== 'busy') return;
    const now = epochNow();
    const seq = Atomics.load(slot.status, STATUS_RUNNING);
    if (now >= batch.deadline) return this.#timeOut(slot, seq);
    if (seq === 0) return this.#arm(slot, Math.min(this.#o.timeoutMs, batch.deadline - now));
    const started = slot.startedAt[0] ?? now;
    if (now - started >= this.#o.timeoutMs) return this.#timeOut(slot, seq);
    this.#arm(slot, started + this.#o.timeoutMs - now);
  }

  #timeOut(slot: Slot<J, R>, seq: number): void {
    const batch = slot.batch;
    if (batch === null) return;
    slot.batch = null;
    const limit = seconds(this.#o.timeoutMs);
    const rest: Pending<J, R>[] = [];
    for (const pending of batch.calls) {
      if (pending.seq === seq) this.#settle(pending, fail('timeout', `exceeded the time limit of ${limit}; its worker thread was terminated and replaced`));
      else rest.push(pending);
    }
    if (rest.length === batch.calls.length) {
      // Not attributable to one job (the backstop deadline): the batch as a whole timed out.
      for (const pending of rest) this.#settle(pending, fail('timeout', `its batch exceeded the time limit (${limit} per job); the worker thread was terminated and replaced`));
    } else this.#requeue(rest);
    this.#replace(slot, 'time limit');
  }

  // ---------------------------------------------------------------------------------------------
  // Death and replacement

  #retire(slot: Slot<J, R>): void {
    this.#disarm(slot);
    slot.state = 'dead';
    slot.batch = null;
    this.#slots.delete(slot);
  }

  #replace(slot: Slot<J, R>, reason: string): void {
    this.#o.logger.warn(`${this.#o.name} worker replaced`, { reason });
    this.#replaced++;
    const batch = slot.batch;
    this.#retire(slot);
    if (batch !== null) this.#requeue(batch.calls);
    slot.worker.terminate().catch(() => 0);
    this.#pump();
  }

  #onDeath(slot: Slot<J, R>, reason: string): void {
    if (slot.state === 'dead') return;
    if (slot.state === 'booting') return this.#bootFailed(slot, reason);
    const batch = slot.batch;
    this.#retire(slot);
    if (batch !== null) {
      // The job running when the thread died is the one to blame (e.g. the V8 heap limit).
      const running = Atomics.load(slot.status, STATUS_RUNNING);
      const rest: Pending<J, R>[] = [];
      for (const pending of batch.calls) {
        if (pending.done) continue;
        if (pending.seq === running) this.#settle(pending, fail('worker_error', `the ${this.#o.name} worker died on this job (${reason}); it was replaced`));
        else if (++pending.requeued > MAX_REQUEUE) this.#settle(pending, fail('worker_error', `the ${this.#o.name} worker died repeatedly (${reason})`));
        else rest.push(pending);
      }
      this.#requeue(rest);
    }
    if (!this.#closed) {
      this.#o.logger.warn(`${this.#o.name} worker died`, { reason });
      this.#replaced++;
    }
    this.#pump();
  }

  #bootFailed(slot: Slot<J, R>, reason: string): void {
    this.#retire(slot);
    slot.worker.terminate().catch(() => 0);
    // A start that fails will fail again; the waiting jobs fail now unless another worker is up
    // to take them. The next job tries again.
    if (![...this.#slots].some((s) => s.state !== 'booting')) {
      for (const pending of this.#take(Number.MAX_SAFE_INTEGER)) this.#settle(pending, fail('worker_error', `the ${this.#o.name} worker failed to start: ${reason}`));
    }
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
