// Preloaded into the benchmarked server (compiled to .bench/event-loop-probe.mjs by proctor-process.ts):
// measures how long the server's event loop is kept from turning — while it is, no HTTP request
// is read and no timer fires (a long chain of already-resolved promises starves it just as well
// as synchronous work does). A 20 ms interval timer notes how late each of its ticks is; about
// once a second of loop time it appends a JSON line to PROCTOR_BENCH_PROBE_FILE:
//   { t, max_ms, p99_ms, ticks }  — the longest gap between ticks beyond the interval, since the last line.
// A stall of N ms shows up as a line with max_ms ≈ N. Costs next to nothing.
//
// (perf_hooks.monitorEventLoopDelay is not used: it under-reports stalls made of microtasks.)

import { appendFileSync } from 'node:fs';

const file = process.env['PROCTOR_BENCH_PROBE_FILE'];
const INTERVAL_MS = 20;

if (file !== undefined && file !== '') {
  let last = performance.now();
  let windowStart = Date.now();
  let gaps: number[] = [];
  const flush = () => {
    if (gaps.length === 0) return;
    const sorted = [...gaps].sort((a, b) => a - b);
    const line = {
      t: Date.now(),
      max_ms: Math.round(sorted[sorted.length - 1] ?? 0),
      p99_ms: Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0),
      ticks: sorted.length,
    };
    gaps = [];
    windowStart = line.t;
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {
      // the benchmark's directory went away: nothing to report to
    }
  };
  setInterval(() => {
    const now = performance.now();
    gaps.push(Math.max(0, now - last - INTERVAL_MS));
    last = now;
    if (Date.now() - windowStart >= 1000) flush();
  }, INTERVAL_MS).unref();
  process.on('exit', flush);
}
