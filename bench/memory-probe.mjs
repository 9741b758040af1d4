// Opt-in memory probe for a benchmarked server:
//   PROCTOR_BENCH_NODE_ARGS="--import ./bench/memory-probe.mjs" npm run bench -- completions
// (plain JavaScript: node flags come before `--import tsx`, so TypeScript cannot load here).
// Every 250 ms it reads process.memoryUsage(); about once a second it appends the largest values
// seen to <server log name>.memory.jsonl, next to the event-loop probe's file:
//   { t, rss, heap_used, heap_total, external, array_buffers }   (bytes)
// RSS that grows while heap_used stays flat is native or wasm memory (PGlite, buffers), or pages
// V8 has not returned; heap_used that grows is JavaScript objects kept alive.

import { appendFileSync } from 'node:fs';

const probe = process.env['PROCTOR_BENCH_PROBE_FILE'];
const file = probe === undefined || probe === '' ? '' : probe.replace(/\.event-loop\.jsonl$/, '') + '.memory.jsonl';

if (file !== '') {
  const keys = ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'];
  let peak = null;
  let lastFlush = Date.now();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak = peak === null ? { ...m } : Object.fromEntries(keys.map((k) => [k, Math.max(peak[k], m[k])]));
    const now = Date.now();
    if (now - lastFlush >= 1000) {
      lastFlush = now;
      const line = { t: now, rss: peak.rss, heap_used: peak.heapUsed, heap_total: peak.heapTotal, external: peak.external, array_buffers: peak.arrayBuffers };
      peak = null;
      try {
        appendFileSync(file, `${JSON.stringify(line)}\n`);
      } catch {
        // the benchmark's directory went away
      }
    }
  }, 250);
  timer.unref();
}
