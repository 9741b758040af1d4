/**
 * Messages between `PythonSandboxPool` (main thread) and `python-worker.ts` (one Pyodide per
 * worker thread). Calls travel in batches so a fast grader costs one message per batch, not per row.
 */

/** What the pool hands a worker at start-up (`workerData`). */
export interface WorkerInit {
  /** node_modules/pyodide/ with a trailing slash: the only place Pyodide loads files from. */
  indexURL: string;
  /** Upper bound of the WebAssembly heap (the Python interpreter's memory), in bytes. */
  wasmMemoryLimitBytes: number;
  /** Int32Array[1]: Pyodide's interrupt buffer; the pool writes 2 (SIGINT) at the soft limit. */
  interrupt: SharedArrayBuffer;
  /**
   * Int32Array[2]: [0] the seq of the call running now (0 between calls), [1] the seq the pool
   * interrupted. Float64Array view at byte 8: the running call's start (epoch ms).
   */
  status: SharedArrayBuffer;
  /** A memory snapshot of a freshly booted interpreter to start from (much faster than booting). */
  snapshot: SharedArrayBuffer | null;
  /** Boot normally, then send a snapshot back for later workers. */
  makeSnapshot: boolean;
}

export const STATUS_RUNNING = 0;
export const STATUS_INTERRUPTED = 1;
export const STATUS_BYTES = 16;
export const STATUS_STARTED_AT_OFFSET = 8;

/** One unit of work. `validate` compiles `source` only; `grade` calls the program `key`. */
export type WorkerCall =
  | { seq: number; op: 'grade'; key: string; sample: string; item: string }
  | { seq: number; op: 'validate'; source: string };

export interface BatchMessage {
  kind: 'batch';
  batch: number;
  /** Programs this worker has not seen yet (the pool tracks what each worker holds). */
  load: Array<[key: string, source: string]>;
  /** Programs to forget (the pool keeps each worker's set bounded). */
  evict: string[];
  calls: WorkerCall[];
}

/**
 * The outcome of one call: a number is a grade; a string starts with a kind letter — `R` the
 * grader's fault (message follows), `S` the sandbox's fault, `T` time limit, `V` validation passed,
 * `X` the interpreter died (the worker must be replaced; the rest of the batch was not run).
 */
export type WorkerResult = number | string;

export type FromWorker =
  | { kind: 'ready'; heapBytes: number; bootMs: number; fromSnapshot: boolean }
  | { kind: 'snapshot'; buffer: SharedArrayBuffer }
  | { kind: 'boot_failed'; message: string }
  | { kind: 'results'; batch: number; results: WorkerResult[]; heapBytes: number };

/** Wall-clock milliseconds comparable across threads (each thread has its own timeOrigin). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
