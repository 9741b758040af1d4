import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../../logger.ts';
import {
  epochNow,
  STATUS_BYTES,
  STATUS_INTERRUPTED,
  STATUS_RUNNING,
  STATUS_STARTED_AT_OFFSET,
  type BatchMessage,
  type FromWorker,
  type WorkerCall,
  type WorkerInit,
  type WorkerResult,
} from './python-worker-protocol.ts';

/**
 * Runs python graders in Pyodide on a pool of worker threads (python-worker.ts). Workers start
 * lazily on the first call and are reused across rows, graders and runs; a grader's source is
 * compiled once per worker. Time limit per call: soft (Pyodide's interrupt buffer → KeyboardInterrupt)
 * at `timeoutMs`, hard (terminate the worker, start a fresh one) at `timeoutMs + hardKillGraceMs`.
 * Every failure is a result for that call only; `run` never rejects.
 */

export interface PythonSandboxPoolOptions {
  /** Worker threads (one interpreter each). Default min(2, available cores). */
  size?: number;
  /** Time limit per call, ms. Default 10 000. */
  timeoutMs?: number;
  /** After the soft limit, how long a call may ignore the interrupt before its worker is replaced. Default 1 000. */
  hardKillGraceMs?: number;
  /** Bound of each interpreter's WebAssembly heap, MiB. Default 512 (Pyodide itself uses ~30). */
  memoryLimitMb?: number;
  /** Bound of each worker's V8 old generation (Pyodide's JS side), MiB. Default 128. */
  jsHeapLimitMb?: number;
  /** Calls sent to a worker in one message. Default 64. */
  maxBatch?: number;
  /** Compiled graders each worker keeps (least recently used leave first). Default 64. */
  maxProgramsPerWorker?: number;
  /** Restore later workers from a memory snapshot of the first one (~10× faster start). Default true. */
  snapshot?: boolean;
  logger?: Logger;
}

export type PythonCallErrorCode = 'python_grader_runtime_error' | 'python_grader_server_error' | 'timeout';
export type PythonCallResult = { ok: true; value: number } | { ok: false; error: { code: PythonCallErrorCode; message: string } };

/** A grader's source with its content key; make one per grader with `program()`, not per row. */
export interface PythonProgram {
  readonly key: string;
  readonly source: string;
}

export interface PythonSandboxPoolStats {
  workers: number;
  ready: number;
  busy: number;
  queued: number;
  started: number;
  replaced: number;
  /** Boot time of the workers started so far, ms. */
  bootMs: number[];
  /** WebAssembly heap of each ready worker, bytes. */
  heapBytes: number[];
}

interface Pending {
  seq: number;
  call: WorkerCall;
  program: PythonProgram | null;
  /** Times this call was handed back to the queue because its worker died under another call. */
  requeued: number;
  done: boolean;
  resolve: (result: PythonCallResult) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Batch {
  id: number;
  calls: Pending[];
  deadline: number;
}

interface Slot {
  worker: Worker;
  state: 'booting' | 'idle' | 'busy' | 'dead';
  interrupt: Int32Array;
  status: Int32Array;
  startedAt: Float64Array;
  /** Program keys this worker holds, least recently used first. */
  programs: Map<string, true>;
  batch: Batch | null;
  timer: NodeJS.Timeout | null;
  heapBytes: number;
  makesSnapshot: boolean;
}

const MAX_REQUEUE = 2;
const pyodideIndexUrl = fileURLToPath(new URL('./', import.meta.resolve('pyodide')));
// Running from TypeScript sources (tsx), a worker does not inherit the main thread's loader:
// register tsx there first. Running from the build (scripts/build.mjs), the worker is a sibling
// JavaScript entry point and needs no loader.
const fromSources = import.meta.url.endsWith('.ts');
const bootstrap = fromSources
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./python-worker.ts', import.meta.url).href)}); });`
  : `import(${JSON.stringify(new URL('./python-worker.mjs', import.meta.url).href)});`;

// One snapshot per process: every pool boots the same interpreter from the same files.
let sharedSnapshot: SharedArrayBuffer | null = null;
let snapshotPending = false;

const fail = (code: PythonCallErrorCode, message: string): PythonCallResult => ({ ok: false, error: { code, message } });

export class PythonSandboxPool {
  readonly #size: number;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #memoryBytes: number;
  readonly #jsHeapMb: number;
  readonly #maxBatch: number;
  readonly #maxPrograms: number;
  readonly #useSnapshot: boolean;
  readonly #log: Logger;
  readonly #slots = new Set<Slot>();
  #queue: Pending[] = [];
  #queueHead = 0;
  #seq = 0;
  #batchId = 0;
  #closed = false;
  #started = 0;
  #replaced = 0;
  readonly #bootMs: number[] = [];

  constructor(options: PythonSandboxPoolOptions = {}) {
    this.#size = Math.max(1, Math.floor(options.size ?? Math.min(2, availableParallelism())));
    this.#timeoutMs = Math.max(1, options.timeoutMs ?? 10_000);
    this.#graceMs = Math.max(1, options.hardKillGraceMs ?? 1_000);
    this.#memoryBytes = Math.max(64, options.memoryLimitMb ?? 512) * 1024 * 1024;
    this.#jsHeapMb = Math.max(32, options.jsHeapLimitMb ?? 128);
    this.#maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.#maxPrograms = Math.max(1, options.maxProgramsPerWorker ?? 64);
    this.#useSnapshot = options.snapshot ?? true;
    this.#log = options.logger ?? silentLogger;
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Hashes the source once; reuse the program for every row. */
  program(source: string): PythonProgram {
    return { key: createHash('sha256').update(source).digest('hex').slice(0, 32), source };
  }

  /** Calls `grade(sample, item)`; sample and item travel as JSON. Never rejects. */
  run(program: PythonProgram, sample: unknown, item: unknown, signal?: AbortSignal): Promise<PythonCallResult> {
    let sampleJson: string;
    let itemJson: string;
    try {
      sampleJson = JSON.stringify(sample ?? null);
      itemJson = JSON.stringify(item ?? null);
    } catch (error) {
      return Promise.resolve(fail('python_grader_server_error', `sample or item is not JSON-serialisable: ${(error as Error).message}`));
    }
    return this.#enqueue({ seq: 0, op: 'grade', key: program.key, sample: sampleJson, item: itemJson }, program, signal);
  }

  /** Compiles the source without running it: null when it compiles, else the message. */
  async validate(source: string): Promise<string | null> {
    const result = await this.#enqueue({ seq: 0, op: 'validate', source }, null, undefined);
    return result.ok ? null : result.error.message;
  }

  stats(): PythonSandboxPoolStats {
    const slots = [...this.#slots];
    return {
      workers: slots.length,
      ready: slots.filter((s) => s.state === 'idle' || s.state === 'busy').length,
      busy: slots.filter((s) => s.state === 'busy').length,
      queued: this.#queue.length - this.#queueHead,
      started: this.#started,
      replaced: this.#replaced,
      bootMs: [...this.#bootMs],
      heapBytes: slots.filter((s) => s.state !== 'booting').map((s) => s.heapBytes),
    };
  }

  /** Terminates every worker; calls still waiting or running resolve with a server error. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots];
    for (const slot of slots) {
      for (const pending of slot.batch?.calls ?? []) this.#settle(pending, fail('python_grader_server_error', 'the python sandbox pool was closed'));
      this.#retire(slot);
    }
    for (const pending of this.#takeAll()) this.#settle(pending, fail('python_grader_server_error', 'the python sandbox pool was closed'));
    await Promise.all(slots.map((slot) => slot.worker.terminate().catch(() => 0)));
  }

  // ---------------------------------------------------------------------------------------------
  // Queue

  #enqueue(call: WorkerCall, program: PythonProgram | null, signal: AbortSignal | undefined): Promise<PythonCallResult> {
    if (this.#closed) return Promise.resolve(fail('python_grader_server_error', 'the python sandbox pool is closed'));
    if (signal?.aborted) return Promise.resolve(fail('python_grader_server_error', 'cancelled before the python grader ran'));
    return new Promise<PythonCallResult>((resolve) => {
      this.#seq = this.#seq >= 0x7fff_fff0 ? 1 : this.#seq + 1;
      call.seq = this.#seq;
      const pending: Pending = { seq: this.#seq, call, program, requeued: 0, done: false, resolve, signal, onAbort: undefined };
      if (signal !== undefined) {
        // Only a call still waiting is dropped; one already running finishes within its limit.
        pending.onAbort = () => {
          if (!this.#isDispatched(pending)) this.#settle(pending, fail('python_grader_server_error', 'cancelled before the python grader ran'));
        };
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#queue.push(pending);
      this.#pump();
    });
  }

  #isDispatched(pending: Pending): boolean {
    for (const slot of this.#slots) if (slot.batch?.calls.includes(pending)) return true;
    return false;
  }

  #settle(pending: Pending, result: PythonCallResult): void {
    if (pending.done) return;
    pending.done = true;
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort);
    pending.resolve(result);
  }

  #queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  #take(count: number): Pending[] {
    const out: Pending[] = [];
    while (out.length < count && this.#queueHead < this.#queue.length) {
      const pending = this.#queue[this.#queueHead++];
      if (pending !== undefined && !pending.done) out.push(pending);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    return out;
  }

  #takeAll(): Pending[] {
    return this.#take(Number.MAX_SAFE_INTEGER);
  }

  /** Puts calls back at the front, in their order. */
  #requeue(calls: Pending[]): void {
    const live = calls.filter((p) => !p.done);
    if (live.length === 0) return;
    this.#queue = [...live, ...this.#queue.slice(this.#queueHead)];
    this.#queueHead = 0;
  }

  #pump(): void {
    if (this.#closed) return;
    // Skip calls that were cancelled while waiting.
    while (this.#queueHead < this.#queue.length && this.#queue[this.#queueHead]?.done === true) this.#queueHead++;
    let waiting = this.#queued();
    if (waiting === 0) return;
    const idle = [...this.#slots].filter((s) => s.state === 'idle');
    for (const slot of idle) {
      if (waiting === 0) break;
      const share = Math.min(this.#maxBatch, Math.max(1, Math.ceil(waiting / this.#size)));
      const calls = this.#take(share);
      if (calls.length === 0) break;
      waiting -= calls.length;
      this.#dispatch(slot, calls);
    }
    waiting = this.#queued();
    const booting = [...this.#slots].filter((s) => s.state === 'booting').length;
    if (waiting > 0 && this.#slots.size < this.#size && booting < waiting) this.#spawn();
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  #spawn(): void {
    const interrupt = new SharedArrayBuffer(4);
    const status = new SharedArrayBuffer(STATUS_BYTES);
    const makesSnapshot = this.#useSnapshot && sharedSnapshot === null && !snapshotPending;
    if (makesSnapshot) snapshotPending = true;
    const init: WorkerInit = {
      indexURL: pyodideIndexUrl,
      wasmMemoryLimitBytes: this.#memoryBytes,
      interrupt,
      status,
      snapshot: this.#useSnapshot ? sharedSnapshot : null,
      makeSnapshot: makesSnapshot,
    };
    const worker = new Worker(bootstrap, {
      eval: true,
      name: 'proctor-python-sandbox',
      workerData: init,
      env: {}, // the thread's process.env: empty, whatever the server was started with
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.#jsHeapMb, maxYoungGenerationSizeMb: 16 },
    });
    const slot: Slot = {
      worker,
      state: 'booting',
      interrupt: new Int32Array(interrupt),
      status: new Int32Array(status, 0, 2),
      startedAt: new Float64Array(status, STATUS_STARTED_AT_OFFSET, 1),
      programs: new Map(),
      batch: null,
      timer: null,
      heapBytes: 0,
      makesSnapshot,
    };
    this.#slots.add(slot);
    this.#started++;
    const forward = (stream: string) => (chunk: Buffer) => this.#log.debug('python sandbox output', { stream, text: chunk.toString('utf8').slice(0, 2000) });
    worker.stdout.on('data', forward('stdout'));
    worker.stderr.on('data', forward('stderr'));
    worker.on('message', (message: FromWorker) => this.#onMessage(slot, message));
    worker.on('error', (error) => this.#onDeath(slot, error.message));
    worker.on('exit', (code) => this.#onDeath(slot, `exited with code ${code}`));
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (slot.state === 'dead') return;
    switch (message.kind) {
      case 'ready':
        slot.state = 'idle';
        slot.heapBytes = message.heapBytes;
        this.#bootMs.push(message.bootMs);
        this.#log.debug('python sandbox worker ready', { boot_ms: message.bootMs, heap_bytes: message.heapBytes, from_snapshot: message.fromSnapshot });
        slot.worker.unref();
        this.#pump();
        return;
      case 'snapshot':
        sharedSnapshot = message.buffer;
        snapshotPending = false;
        return;
      case 'boot_failed':
        this.#log.error('python sandbox worker failed to start', { error: message.message });
        this.#bootFailed(slot, message.message);
        return;
      case 'results':
        this.#onResults(slot, message.batch, message.results, message.heapBytes);
        return;
    }
  }

  #dispatch(slot: Slot, calls: Pending[]): void {
    const load: Array<[string, string]> = [];
    const evict: string[] = [];
    const inBatch = new Set<string>();
    for (const pending of calls) {
      const program = pending.program;
      if (program === null || inBatch.has(program.key)) continue;
      inBatch.add(program.key);
      if (slot.programs.delete(program.key)) slot.programs.set(program.key, true);
      else {
        slot.programs.set(program.key, true);
        load.push([program.key, program.source]);
      }
    }
    for (const key of slot.programs.keys()) {
      if (slot.programs.size - evict.length <= this.#maxPrograms) break;
      if (!inBatch.has(key)) evict.push(key);
    }
    for (const key of evict) slot.programs.delete(key);
    const id = ++this.#batchId;
    const perCallMax = this.#timeoutMs + this.#graceMs;
    // The per-call watchdog reads the worker's shared status; the batch deadline is a backstop
    // that does not trust it.
    slot.batch = { id, calls, deadline: epochNow() + calls.length * perCallMax + this.#graceMs };
    slot.state = 'busy';
    slot.worker.ref();
    const message: BatchMessage = { kind: 'batch', batch: id, load, evict, calls: calls.map((p) => p.call) };
    slot.worker.postMessage(message);
    this.#arm(slot, this.#timeoutMs);
  }

  #onResults(slot: Slot, id: number, results: WorkerResult[], heapBytes: number): void {
    const batch = slot.batch;
    if (batch === null || batch.id !== id) return;
    this.#disarm(slot);
    slot.batch = null;
    slot.heapBytes = heapBytes;
    let crashed: string | null = null;
    for (let index = 0; index < results.length; index++) {
      const result = results[index];
      const pending = batch.calls[index];
      if (result === undefined || pending === undefined) continue;
      if (typeof result === 'string' && result.startsWith('X')) crashed = result.slice(1);
      this.#settle(pending, this.#toResult(result));
    }
    if (crashed !== null) {
      // The interpreter is gone; the calls after the fatal one never ran.
      this.#requeue(batch.calls.slice(results.length));
      this.#replace(slot, `interpreter crashed: ${crashed}`);
      return;
    }
    slot.state = 'idle';
    if (this.#queued() === 0) slot.worker.unref();
    this.#pump();
  }

  #toResult(result: WorkerResult): PythonCallResult {
    if (typeof result === 'number') return { ok: true, value: result };
    const kind = result[0];
    const text = result.slice(1);
    switch (kind) {
      case 'V':
        return { ok: true, value: 0 };
      case 'R':
        return fail('python_grader_runtime_error', text);
      case 'T':
        return fail('timeout', `python grader exceeded the time limit of ${seconds(this.#timeoutMs)} and was interrupted`);
      case 'X':
        return fail('python_grader_runtime_error', `python grader crashed the interpreter (${text}); the sandbox worker was replaced`);
      default:
        return fail('python_grader_server_error', text || 'the python sandbox returned no result');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time limit

  #arm(slot: Slot, delayMs: number): void {
    this.#disarm(slot);
    slot.timer = setTimeout(() => this.#watch(slot), Math.max(1, Math.ceil(delayMs)));
  }

  #disarm(slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
  }

  #watch(slot: Slot): void {
    slot.timer = null;
    const batch = slot.batch;
    if (batch === null || slot.state !== 'busy') return;
    const now = epochNow();
    const seq = Atomics.load(slot.status, STATUS_RUNNING);
    if (now >= batch.deadline) return this.#hardKill(slot, seq);
    if (seq === 0) return this.#arm(slot, Math.min(this.#timeoutMs, batch.deadline - now));
    const started = slot.startedAt[0] ?? now;
    const elapsed = now - started;
    if (elapsed >= this.#timeoutMs + this.#graceMs) return this.#hardKill(slot, seq);
    if (elapsed >= this.#timeoutMs) {
      if (Atomics.load(slot.status, STATUS_INTERRUPTED) !== seq) {
        Atomics.store(slot.status, STATUS_INTERRUPTED, seq);
        Atomics.store(slot.interrupt, 0, 2); // SIGINT: KeyboardInterrupt at the next bytecode check
      }
      return this.#arm(slot, started + this.#timeoutMs + this.#graceMs - now);
    }
    this.#arm(slot, started + this.#timeoutMs - now);
  }

  #hardKill(slot: Slot, seq: number): void {
    const batch = slot.batch;
    if (batch === null) return;
    slot.batch = null;
    const rest: Pending[] = [];
    for (const pending of batch.calls) {
      if (pending.seq === seq) {
        this.#settle(pending, fail('timeout', `python grader exceeded the time limit of ${seconds(this.#timeoutMs)} and ignored the interrupt; its sandbox worker was terminated and replaced`));
      } else rest.push(pending);
    }
    if (seq === 0 || rest.length === batch.calls.length) {
      // Not attributable to one call (the backstop deadline): the batch as a whole timed out.
      for (const pending of rest) this.#settle(pending, fail('timeout', `python grader batch exceeded its time limit; the sandbox worker was terminated and replaced`));
    } else this.#requeue(rest);
    this.#replace(slot, 'hard time limit');
  }

  // ---------------------------------------------------------------------------------------------
  // Death and replacement

  #retire(slot: Slot): void {
    this.#disarm(slot);
    slot.state = 'dead';
    slot.batch = null;
    this.#slots.delete(slot);
    if (slot.makesSnapshot && sharedSnapshot === null) snapshotPending = false;
  }

  #replace(slot: Slot, reason: string): void {
    this.#log.warn('python sandbox worker replaced', { reason });
    this.#replaced++;
    this.#retire(slot);
    slot.worker.terminate().catch(() => 0);
    this.#pump();
  }

  #onDeath(slot: Slot, reason: string): void {
    if (slot.state === 'dead') return;
    if (slot.state === 'booting') return this.#bootFailed(slot, reason);
    const batch = slot.batch;
    this.#retire(slot);
    if (batch !== null) {
      // The call running when the thread died is the one to blame (e.g. the V8 heap limit).
      const running = Atomics.load(slot.status, STATUS_RUNNING);
      const rest: Pending[] = [];
      for (const pending of batch.calls) {
        if (pending.done) continue;
        if (pending.seq === running) this.#settle(pending, fail('python_grader_runtime_error', `the python sandbox worker died while running this grader (${reason}); it was replaced`));
        else if (++pending.requeued > MAX_REQUEUE) this.#settle(pending, fail('python_grader_server_error', `the python sandbox worker died repeatedly (${reason})`));
        else rest.push(pending);
      }
      this.#requeue(rest);
    }
    if (!this.#closed) {
      this.#log.warn('python sandbox worker died', { reason });
      this.#replaced++;
    }
    this.#pump();
  }

  #bootFailed(slot: Slot, reason: string): void {
    this.#retire(slot);
    slot.worker.terminate().catch(() => 0);
    // A start that fails is not going to succeed on the next try; the waiting calls fail now
    // unless another worker is up to take them. The next call tries again.
    if (![...this.#slots].some((s) => s.state !== 'booting')) {
      for (const pending of this.#takeAll()) this.#settle(pending, fail('python_grader_server_error', `the python sandbox failed to start: ${reason}`));
    }
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
