import type { Backend, BackendName, FreshDatabase } from './backends.ts';
import type { ProctorProcess } from './proctor-process.ts';

/**
 * What a benchmark is and what `bench/run.ts` hands it. A benchmark measures, prints nothing
 * itself (progress aside) and returns one report: a table for the terminal and its raw data for
 * the JSON results file. Benchmarks never assert timings.
 */
export interface BenchSettings {
  /** PROCTOR_BENCH_ROWS: rows of the data set (default 100000). */
  rows: number;
  /** PROCTOR_BENCH_PAGE_SAMPLES: timed requests per latency measurement (default 20). */
  pageSamples: number;
  /** PROCTOR_BENCH_TIMEOUT_S: longest a run may take before the benchmark gives up (default 3600). */
  runTimeoutSeconds: number;
}

export interface BenchContext {
  /** The project root (where `src/cli/main.ts` lives). */
  root: string;
  /** Directory of this invocation's server logs and profiles (under `.bench/`). */
  outDir: string;
  settings: BenchSettings;
  /** The backends selected by PROCTOR_BENCH_BACKENDS, in order. */
  backends: readonly BackendName[];
  /** The backend, started on first use and shared; a string says why it is unavailable. */
  backend(name: BackendName): Promise<Backend | string>;
  /** Starts `proctor serve` over a fresh database as a child process (logs go to `outDir/<label>.log`). */
  startServer(database: FreshDatabase, label: string): Promise<ProctorProcess>;
  /** A progress line on stderr. */
  progress(line: string): void;
}

export interface BenchmarkReport {
  title: string;
  /** First column names the row (usually the backend). */
  columns: readonly string[];
  rows: readonly (readonly string[])[];
  /** Lines printed under the table: configuration, skipped backends, failures. */
  notes: readonly string[];
  /** Everything measured, written to the JSON results file. */
  data: unknown;
}

export interface Benchmark {
  /** Short name, used on the command line: `npm run bench -- <name>`. */
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchmarkReport>;
}
