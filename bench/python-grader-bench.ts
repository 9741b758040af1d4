import { availableParallelism } from 'node:os';
import { createPythonGrader } from '../src/graders/python/python-grader.ts';
import { PythonSandboxPool } from '../src/graders/python/python-sandbox-pool.ts';
import { drive, intEnv } from './bench-env.ts';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { onCleanup } from './cleanup.ts';
import { generateSentencePairs } from './sentence-pairs.ts';
import { fmtNumber, round, summarize, type LatencySummary } from './stats.ts';

/**
 * Python grader throughput, in-process: a `PythonSandboxPool` with its default size and the
 * trivial `grade(sample, item)` that returns 1.0, called through `createPythonGrader(...).grade`
 * (the path a run takes) on rows of realistic size (a sentence in the sample, its reference in
 * the item). Cold start is the first call of a new pool in a process that has not started Pyodide
 * before (worker boot, the memory snapshot later workers start from, compiling the grader). Then
 * a warm-up until every worker is up, then the timed calls at several concurrencies: 64 in flight
 * (a batch's rows fanned out), 2 (what the server issues today: PROCTOR_WORKER_CONCURRENCY batch
 * jobs, each grading its rows one after another) and 1. Target (the issue): ≥ 5k rows/s once warm.
 */

const SOURCE = 'def grade(sample, item):\n    return 1.0\n';
const TARGET_ROWS_PER_S = 5_000;
const WARMUP_CALLS = 2_000;
/** PythonSandboxPoolOptions.size's documented default (the pool does not expose its size). */
const DEFAULT_POOL_SIZE = Math.min(2, availableParallelism());

interface ConcurrencyMeasurement {
  in_flight: number;
  calls: number;
  seconds: number;
  rows_per_s: number;
  latency_ms: LatencySummary | null;
  errors: number;
  wrong_scores: number;
  met: boolean;
}

async function run(ctx: BenchContext): Promise<BenchmarkReport> {
  const calls = intEnv('PROCTOR_BENCH_PYTHON_CALLS', Math.min(20_000, ctx.settings.rows), 1);
  const levels = (process.env['PROCTOR_BENCH_PYTHON_IN_FLIGHT'] ?? '64,2,1').split(',').map((s) => {
    if (!/^\d+$/.test(s.trim()) || Number(s) < 1) throw new Error(`PROCTOR_BENCH_PYTHON_IN_FLIGHT: '${s}' is not a whole number ≥ 1`);
    return Number(s);
  });
  const notes: string[] = [];
  const pairs = generateSentencePairs(Math.max(calls, WARMUP_CALLS));
  const rows = pairs.map((p, i) => ({ item: { id: i, reference: p.reference }, sample: { output_text: p.candidate } }));
  const row = (i: number) => rows[i % rows.length] as (typeof rows)[number];

  const t0 = performance.now();
  const pool = new PythonSandboxPool();
  const close = onCleanup('python sandbox pool', () => pool.close());
  try {
    const grader = createPythonGrader({ type: 'python', name: 'bench', source: SOURCE, pass_threshold: 0.5 }, pool);
    const first = await grader.grade(row(0));
    const coldMs = performance.now() - t0;
    if (first.error !== null) throw new Error(`the first call failed: ${first.error.code}: ${first.error.message}`);
    ctx.progress(`[python-grader] cold start: first call after ${Math.round(coldMs)} ms`);

    // Warm-up: enough calls at full concurrency for every worker to start and the JITs to settle.
    const tw = performance.now();
    let warmCalls = 0;
    while (warmCalls < WARMUP_CALLS || pool.stats().ready < DEFAULT_POOL_SIZE) {
      await drive(256, 64, async (i) => {
        await grader.grade(row(i));
      });
      warmCalls += 256;
      if (performance.now() - tw > 120_000) throw new Error(`workers not ready after 120 s of warm-up (${JSON.stringify(pool.stats())})`);
    }
    const warmupMs = performance.now() - tw;
    const boot = pool.stats();
    ctx.progress(`[python-grader] warm: ${boot.ready} worker(s) ready, boot ms ${boot.bootMs.map((b) => Math.round(b)).join(' / ')}, ${warmCalls} warm-up calls in ${Math.round(warmupMs)} ms`);

    const results: ConcurrencyMeasurement[] = [];
    for (const inFlight of levels) {
      const latency = new Float64Array(calls);
      let errors = 0;
      let wrong = 0;
      const start = performance.now();
      await drive(calls, inFlight, async (i) => {
        const t = performance.now();
        const out = await grader.grade(row(i));
        latency[i] = performance.now() - t;
        if (out.error !== null) errors++;
        else if (out.score !== 1) wrong++;
      });
      const seconds = (performance.now() - start) / 1000;
      const rate = calls / seconds;
      results.push({ in_flight: inFlight, calls, seconds, rows_per_s: round(rate), latency_ms: summarize([...latency]), errors, wrong_scores: wrong, met: rate >= TARGET_ROWS_PER_S && errors === 0 });
      ctx.progress(`[python-grader] ${inFlight} in flight: ${fmtNumber(rate)} rows/s over ${fmtNumber(calls)} calls (${errors} errors)`);
    }
    const final = pool.stats();

    notes.push(
      `pool: new PythonSandboxPool() — default size ${DEFAULT_POOL_SIZE} (min(2, cores); the server's PROCTOR_PYTHON_WORKERS defaults to 2 as well), maxBatch 64; grader: ${JSON.stringify(SOURCE)} through createPythonGrader(...).grade`,
      `cold start: ${fmtNumber(coldMs)} ms from new PythonSandboxPool() to the first result (first worker boot incl. the memory snapshot, compiling the grader); worker boot ms: ${boot.bootMs.map((b) => fmtNumber(b)).join(', ')} (the later ones start from the snapshot)`,
      `warm-up: ${fmtNumber(warmCalls)} calls at 64 in flight (${fmtNumber(warmupMs)} ms) until all ${DEFAULT_POOL_SIZE} workers were ready; then ${fmtNumber(calls)} timed calls per concurrency, rows of ~${fmtNumber(JSON.stringify(row(0)).length)} bytes of JSON`,
      `"in flight": calls pending at once, each lane issuing its next call as soon as the last one returns. In a run each batch job grades up to 64 rows at once and PROCTOR_WORKER_CONCURRENCY (default 4) batches run side by side, so the 64-in-flight column is the one a run sees`,
      `pool after the run: ${final.workers} workers, ${final.replaced} replaced, WebAssembly heap ${final.heapBytes.map((b) => fmtNumber(b / 1048576)).join(' / ')} MB`,
    );
    const bad = results.filter((r) => r.errors > 0 || r.wrong_scores > 0);
    for (const r of bad) notes.push(`WARNING: ${r.in_flight} in flight: ${r.errors} errors, ${r.wrong_scores} scores other than 1.0`);

    return {
      title: `python grader rows/s — trivial grade(), pool of ${DEFAULT_POOL_SIZE}, cold start ${fmtNumber(coldMs)} ms, ${fmtNumber(calls)} warm calls per concurrency`,
      columns: ['', 'rows/s', 'call p50 / p95 ms', 'call max ms', 'errors', 'target', 'met'],
      rows: [
        ...results.map((r) => [
          `${r.in_flight} in flight`,
          fmtNumber(r.rows_per_s),
          r.latency_ms === null ? 'n/a' : `${fmtNumber(r.latency_ms.p50, 2)} / ${fmtNumber(r.latency_ms.p95, 2)}`,
          r.latency_ms === null ? 'n/a' : fmtNumber(r.latency_ms.max, 1),
          String(r.errors + r.wrong_scores),
          `≥ ${fmtNumber(TARGET_ROWS_PER_S)}/s`,
          r.met ? 'yes' : 'NO',
        ]),
      ],
      notes,
      data: { pool_size: DEFAULT_POOL_SIZE, source: SOURCE, cold_start_ms: coldMs, worker_boot_ms: boot.bootMs, warmup_calls: warmCalls, warmup_ms: warmupMs, concurrency: results, pool_stats_after: final },
    };
  } finally {
    await close();
  }
}


export const pythonGraderBenchmark: Benchmark = {
  name: 'python-grader',
  description: 'python grader rows/s (trivial grade) through the sandbox pool: cold start, then 64 / 2 / 1 calls in flight',
  run,
};
