// `npm run bench [-- <name>…]`: runs the named benchmarks (all when none is named), prints a
// table per benchmark and writes everything measured to .bench/results-<timestamp>.json.
// Benchmarks print numbers; they never assert timings. See bench/README.md.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, pgliteBackend, postgresBackend, type Backend, type BackendName } from './backends.ts';
import type { BenchContext, Benchmark, BenchmarkReport, BenchSettings } from './benchmark.ts';
import { cleanupAll, installSignalHandlers } from './cleanup.ts';
import { gradingThreadsBenchmark } from './grading-threads-bench.ts';
import { completionsRunBenchmark } from './completions-run-bench.ts';
import { renderProfileSummary, summarizeProfile, type ProfileSummary } from './cpu-profile-summary.ts';
import { jsonlRunBenchmark } from './jsonl-run-bench.ts';
import { metricThroughputBenchmark } from './metric-throughput-bench.ts';
import { startProctorProcess } from './proctor-process.ts';
import { pythonGraderBenchmark } from './python-grader-bench.ts';
import { reportPagesBenchmark } from './report-pages-bench.ts';
import { scaleOutBenchmark } from './scale-out-bench.ts';
import { renderTransposed } from './stats.ts';

/** Every benchmark, in the order they run. Add new ones here (model-backed runs, grader throughput…). */
const BENCHMARKS: readonly Benchmark[] = [jsonlRunBenchmark, completionsRunBenchmark, metricThroughputBenchmark, pythonGraderBenchmark, scaleOutBenchmark, gradingThreadsBenchmark, reportPagesBenchmark];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: npm run bench [-- <name>…]

benchmarks:
${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n')}

environment:
  PROCTOR_BENCH_ROWS           rows of the data set (default 100000)
  PROCTOR_BENCH_BACKENDS       comma-separated backends (default pglite,postgres)
  PROCTOR_BENCH_DATABASE_URL   PostgreSQL server to use (default: a private throw-away cluster)
  PROCTOR_BENCH_NODE_ARGS      extra node flags for the server child, e.g. "--cpu-prof"
                               (profiles land in the run's .bench/ directory)
  PROCTOR_BENCH_PAGE_SAMPLES   timed requests per latency figure (default 20)
  PROCTOR_BENCH_TIMEOUT_S      give up on a run after this many seconds (default 3600)
  PROCTOR_WORKER_CONCURRENCY, PROCTOR_BATCH_SIZE, …  passed through to the server

  metrics (text_similarity, in-process; pairs = PROCTOR_BENCH_ROWS):
  PROCTOR_BENCH_METRIC_REPEATS     timed passes per metric and path, median reported (default 5)
  PROCTOR_BENCH_NLTK_PAIRS         pairs nltk scores for BLEU and GLEU (default 20000)
  PROCTOR_BENCH_NLTK_METEOR_PAIRS  pairs nltk scores for METEOR (default 5000)
  PROCTOR_BENCH_PYTHON             python with nltk (default: python3, else /usr/bin/python3)

  completions (fake upstream in its own process; rows default 10000 unless PROCTOR_BENCH_ROWS is set):
  PROCTOR_BENCH_COMPLETIONS_CASES  which cases (default zero,latency)
  PROCTOR_BENCH_MAX_CONCURRENCY    max_concurrency of the zero-latency case (default 64)
  PROCTOR_BENCH_LATENCY_MS         upstream latency of the latency case (default 100)
  PROCTOR_BENCH_LATENCY_CONCURRENCY  its max_concurrency C (default 32)
  PROCTOR_BENCH_LATENCY_ROWS       its rows (default C × 100; 0 skips it)

  scale (several servers on one PostgreSQL; adaptive and cache also on PGlite):
  PROCTOR_BENCH_SCALE_CASES        which cases (default limits,adaptive,failover,cache)
  PROCTOR_BENCH_SCALE_LIMIT_ROWS   rows per server of the shared-limits case (default 900)
  PROCTOR_BENCH_SCALE_ADAPTIVE_ROWS, PROCTOR_BENCH_SCALE_FAILOVER_ROWS, PROCTOR_BENCH_SCALE_CACHE_ROWS
                                   (defaults 10000, 3000, 10000)
  report (web report pages; items written by SQL):
  PROCTOR_BENCH_REPORT_ROWS        items per run (default 1000000)

  python-grader (in-process sandbox pool):
  PROCTOR_BENCH_PYTHON_CALLS       timed calls per concurrency (default min(20000, rows))
  PROCTOR_BENCH_PYTHON_IN_FLIGHT   concurrencies to measure (default 64,2,1)
`;

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number ≥ ${min} (got '${raw}')`);
  return Number(raw);
}

function backendsEnv(): BackendName[] {
  const raw = process.env['PROCTOR_BENCH_BACKENDS'] ?? '';
  if (raw.trim() === '') return [...BACKEND_NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(BACKEND_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`PROCTOR_BENCH_BACKENDS: unknown backend(s) ${unknown.join(', ')}; known: ${BACKEND_NAMES.join(', ')}`);
  return [...new Set(names)] as BackendName[];
}

/** Splits a flags string on whitespace (no quoting: node flags rarely need it). */
const nodeArgsEnv = (): string[] => (process.env['PROCTOR_BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');

function selectBenchmarks(argv: string[]): Benchmark[] {
  const names = argv.filter((a) => !a.startsWith('-'));
  if (names.length === 0) return [...BENCHMARKS];
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  return BENCHMARKS.filter((b) => names.includes(b.name));
}

function printReport(name: string, r: BenchmarkReport): void {
  process.stdout.write(`\n== ${name}: ${r.title}\n\n`);
  process.stdout.write(`${r.rows.length > 0 ? renderTransposed(r.columns, r.rows) : '(no results)'}\n`);
  if (r.notes.length > 0) process.stdout.write(`\n${r.notes.map((n) => `  * ${n}`).join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const benchmarks = selectBenchmarks(argv);
  const settings: BenchSettings = {
    rows: intEnv('PROCTOR_BENCH_ROWS', 100_000, 1),
    pageSamples: intEnv('PROCTOR_BENCH_PAGE_SAMPLES', 20, 1),
    runTimeoutSeconds: intEnv('PROCTOR_BENCH_TIMEOUT_S', 3600, 1),
  };
  const backends = backendsEnv();
  const nodeArgs = nodeArgsEnv();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const benchDir = join(root, '.bench');
  const outDir = join(benchDir, `run-${stamp}`);
  mkdirSync(outDir, { recursive: true });
  // --heap-prof without a directory would write into the project root: send it to outDir.
  // (--cpu-prof gets a directory per server: see proctor-process.ts.)
  if (nodeArgs.some((a) => a.startsWith('--heap-prof')) && !nodeArgs.some((a) => a.startsWith('--heap-prof-dir'))) nodeArgs.push(`--heap-prof-dir=${outDir}`);

  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 1024 ** 3),
    loadavg_start: os.loadavg().map((v) => Math.round(v * 100) / 100),
    loadavg_end: [] as number[],
  };
  // Other work on the machine skews every figure: say so up front.
  const busy = (machine.loadavg_start[0] ?? 0) > Math.max(0.5, machine.cpus * 0.1);
  const passThrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^PROCTOR_(WORKER_CONCURRENCY|BATCH_SIZE)$/.test(k)));
  process.stdout.write(
    `Proctor benchmarks: ${benchmarks.map((b) => b.name).join(', ')} — rows ${settings.rows}, backends ${backends.join(', ')}\n` +
      `machine: ${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GB, node ${machine.node}, load average ${machine.loadavg_start.join(' ')}` +
      `${busy ? ' — the machine is busy: expect noisy numbers' : ''}\n` +
      `server: PROCTOR_WORKER_CONCURRENCY=${passThrough['PROCTOR_WORKER_CONCURRENCY'] ?? '(default)'} PROCTOR_BATCH_SIZE=${passThrough['PROCTOR_BATCH_SIZE'] ?? '(default)'}` +
      `${nodeArgs.length > 0 ? `, node args ${nodeArgs.join(' ')}` : ''}\n` +
      `logs: ${relative(process.cwd(), outDir) || '.'}\n`,
  );

  const started = new Map<BackendName, Promise<Backend | string>>();
  const ctx: BenchContext = {
    root,
    outDir,
    settings,
    backends,
    backend(name) {
      let b = started.get(name);
      if (b === undefined) {
        b = name === 'pglite' ? Promise.resolve(pgliteBackend()) : postgresBackend(process.env['PROCTOR_BENCH_DATABASE_URL']).catch((error: unknown) => `cannot start PostgreSQL: ${error instanceof Error ? error.message : String(error)}`);
        started.set(name, b);
      }
      return b;
    },
    startServer: (database, label) => startProctorProcess({ root, env: database.env, nodeArgs, logPath: join(outDir, `${label}.log`) }),
    progress: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  };

  const results: Record<string, unknown> = {};
  let failed = false;
  try {
    for (const b of benchmarks) {
      try {
        const r = await b.run(ctx);
        printReport(b.name, r);
        results[b.name] = { title: r.title, notes: r.notes, ...(r.data as object) };
      } catch (error) {
        failed = true;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.stdout.write(`\n== ${b.name}: FAILED\n${message}\n`);
        results[b.name] = { error: message };
      }
    }
  } finally {
    await cleanupAll();
  }

  // --cpu-prof: each server child left <label>.cpuprofiles/CPU.<date>.<time>.<pid>.<tid>.<n>.cpuprofile
  // (or the directory the caller chose); summarise the main threads' (tid 0) profiles.
  const profiles: Record<string, ProfileSummary> = {};
  if (nodeArgs.includes('--cpu-prof')) {
    const userDir = nodeArgs.find((a) => a.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
    const dirs = userDir !== undefined ? [resolve(root, userDir)] : readdirSync(outDir).filter((d) => d.endsWith('.cpuprofiles')).sort().map((d) => join(outDir, d));
    for (const dir of dirs) {
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)).sort();
      } catch {
        // no profile written (the server was killed, not stopped)
      }
      for (const file of files) {
        const path = join(dir, file);
        try {
          const summary = summarizeProfile(path, root);
          profiles[relative(root, path)] = summary;
          process.stdout.write(`\n== CPU profile (main thread) ${relative(process.cwd(), path)}\n${renderProfileSummary(summary)}\n`);
        } catch (error) {
          process.stdout.write(`\n== CPU profile ${path}: cannot read (${error instanceof Error ? error.message : String(error)})\n`);
        }
      }
    }
  }

  machine.loadavg_end = os.loadavg().map((v) => Math.round(v * 100) / 100);
  process.stdout.write(`\nload average at the end: ${machine.loadavg_end.join(' ')} (at the start: ${machine.loadavg_start.join(' ')}; ${machine.cpus} CPUs)\n`);
  mkdirSync(benchDir, { recursive: true });
  const resultsPath = join(benchDir, `results-${stamp}.json`);
  const document = { started_at: startedAt.toISOString(), finished_at: new Date().toISOString(), machine, settings, backends, node_args: nodeArgs, server_env: passThrough, benchmarks: results, cpu_profiles: profiles };
  writeFileSync(resultsPath, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`\nresults: ${relative(process.cwd(), resultsPath)}\n`);
  return failed ? 1 : 0;
}

installSignalHandlers();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    await cleanupAll();
    process.exit(2);
  },
);
