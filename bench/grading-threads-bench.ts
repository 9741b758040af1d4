import { createWriteStream, mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { fuzzyMatch } from '../src/graders/metrics/fuzzy-match.ts';
import { localMetrics } from '../src/graders/metrics/local-metrics.ts';
import { ApiClient, type RunView } from './api-client.ts';
import type { Backend } from './backends.ts';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { onCleanup } from './cleanup.ts';
import { sleep } from './net-util.ts';
import type { ProctorProcess } from './proctor-process.ts';
import { generateSentencePairs } from './sentence-pairs.ts';
import { fmtNumber, percentile, round } from './stats.ts';

/**
 * The grading threads (PROCTOR_GRADING_THREADS): text_similarity off the event loop and on every
 * core. Three parts:
 *  1. in-process: one 16,000-character fuzzy_match (natural text, and the two-symbol worst case
 *     of partial_ratio's window search), median of 3;
 *  2. a server child with the threads on, then off: `/health` latency (sampled every 10 ms) while
 *     two clients send 16k fuzzy_match `graders/run` requests back to back;
 *  3. a METEOR-graded jsonl run of PROCTOR_BENCH_ROWS rows per backend, threads on and off:
 *     rows/s, the server's CPU seconds (more than the wall time means several cores), `/health`
 *     latency during the run, and the same pass count both ways (the scores are identical).
 */

const HEALTH_EVERY_MS = 10;
const FUZZY_REQUESTS_PER_CLIENT = 6;

interface HealthSummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function summarizeHealth(values: number[]): HealthSummary | null {
  if (values.length === 0) return null;
  return { n: values.length, p50: round(percentile(values, 50), 2), p99: round(percentile(values, 99), 2), max: round(Math.max(...values), 2) };
}

const fmtHealth = (s: HealthSummary | null): string => (s === null ? 'n/a' : `${fmtNumber(s.p50, 1)} / ${fmtNumber(s.p99, 1)} / ${fmtNumber(s.max, 0)}`);

/** Samples `/health` until `stop` resolves. */
async function sampleHealth(url: string, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true)).catch(() => undefined);
  const out: number[] = [];
  while (!done) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/health`);
      await res.text();
    } catch {
      // A server whose event loop stalls past its keep-alive timeout resets the idle socket the
      // request went out on: the wait until then still counts, and the next request retries.
    }
    out.push(performance.now() - t0);
    await sleep(HEALTH_EVERY_MS);
  }
  return out;
}

function text16k(): { natural: [string, string]; worst: [string, string] } {
  const pairs = generateSentencePairs(2_000);
  const join = (pick: (i: number) => string, length: number, from: number) => {
    let s = '';
    for (let i = from; s.length < length; i++) s += `${pick(i % pairs.length)} `;
    return s.slice(0, length);
  };
  return {
    natural: [join((i) => pairs[i]?.candidate ?? '', 16_000, 0), join((i) => pairs[i]?.reference ?? '', 5_000, 300)],
    worst: ['a '.repeat(8_000), 'ab '.repeat(2_700)],
  };
}

function timeInProcess(candidate: string, reference: string): number {
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    fuzzyMatch(candidate, reference);
    times.push(performance.now() - t0);
  }
  return round(percentile(times, 50), 1);
}

interface HealthCase {
  threads: string;
  grading_ms_p50: number;
  requests: number;
  /** graders/run requests whose connection the server reset (its event loop stalled past the keep-alive timeout). */
  connection_resets: number;
  health: HealthSummary | null;
}

async function healthWhileFuzzy(ctx: BenchContext, backend: Backend, threads: string, input: [string, string]): Promise<HealthCase> {
  const database = await backend.freshDatabase();
  let server: ProctorProcess | null = null;
  try {
    server = await ctx.startServer({ ...database, env: { ...database.env, PROCTOR_GRADING_THREADS: threads } }, `grading-health-threads-${threads}`);
    const api = new ApiClient(server.url);
    const grader = { type: 'text_similarity', name: 'f', input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: 'fuzzy_match' };
    const body = { grader, model_sample: input[0], item: { reference: input[1] } };
    await api.post('/fine_tuning/alpha/graders/run', { ...body, model_sample: 'warm up', item: { reference: 'warm up' } });
    const gradingMs: number[] = [];
    let resets = 0;
    const clients = Array.from({ length: 2 }, async () => {
      for (let k = 0; k < FUZZY_REQUESTS_PER_CLIENT; k++) {
        const t0 = performance.now();
        try {
          await api.post('/fine_tuning/alpha/graders/run', body);
          gradingMs.push(performance.now() - t0);
        } catch (error) {
          // a stalled event loop resets keep-alive sockets: count it, send the next one
          if (++resets > 2 * FUZZY_REQUESTS_PER_CLIENT) throw error;
        }
      }
    });
    const all = Promise.all(clients);
    const health = await sampleHealth(server.url, all);
    await all;
    return { threads, grading_ms_p50: round(percentile(gradingMs, 50), 0), requests: gradingMs.length, connection_resets: resets, health: summarizeHealth(health) };
  } finally {
    if (server !== null) await server.stop().catch(() => undefined);
    await database.dispose().catch(() => undefined);
  }
}

interface RunCase {
  backend: string;
  threads: string;
  rows: number;
  run_seconds: number;
  rows_per_second: number;
  server_cpu_seconds: number | null;
  passed: number;
  errored: number;
  expected_passed: number;
  health: HealthSummary | null;
  event_loop_max_ms: number | null;
}

async function writeMeteorDataset(path: string, rows: number): Promise<number> {
  const pairs = generateSentencePairs(rows);
  const out = createWriteStream(path);
  let passed = 0;
  let chunk: string[] = [];
  for (const [i, pair] of pairs.entries()) {
    if (localMetrics.meteor(pair.candidate, pair.reference) >= 0.5) passed++;
    chunk.push(`${JSON.stringify({ item: { id: i, reference: pair.reference }, sample: { output_text: pair.candidate } })}\n`);
    if (chunk.length >= 1000) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk = [];
    }
  }
  out.write(chunk.join(''));
  out.end();
  await once(out, 'finish');
  return passed;
}

async function meteorRun(ctx: BenchContext, backend: Backend, threads: string, path: string, expectedPassed: number): Promise<RunCase> {
  const rows = ctx.settings.rows;
  const tag = `[grading-threads/${backend.name}/threads=${threads}]`;
  const database = await backend.freshDatabase();
  let server: ProctorProcess | null = null;
  try {
    server = await ctx.startServer({ ...database, env: { ...database.env, PROCTOR_GRADING_THREADS: threads } }, `grading-meteor-${backend.name}-threads-${threads}`);
    const srv = server;
    const api = new ApiClient(srv.url);
    const form = new FormData();
    form.append('purpose', 'evals');
    form.append('file', await openAsBlob(path, { type: 'application/jsonl' }), 'meteor.jsonl');
    const upload = await api.call<{ id: string }>('POST', '/files', { form });
    const evaluation = await api.post<{ id: string }>('/evals', {
      name: 'bench meteor',
      data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { id: { type: 'integer' }, reference: { type: 'string' } }, required: ['id', 'reference'] }, include_sample_schema: false },
      testing_criteria: [{ type: 'text_similarity', name: 'meteor', input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: 'meteor', pass_threshold: 0.5 }],
    });
    const cpuBefore = srv.sampler.cpuSeconds();
    const tCreate = Date.now();
    const created = await api.post<RunView>(`/evals/${evaluation.body.id}/runs`, { name: 'meteor', data_source: { type: 'jsonl', source: { type: 'file_id', id: upload.body.id } } });
    const tCreated = Date.now();
    const runPath = `/evals/${evaluation.body.id}/runs/${created.body.id}`;
    const deadline = tCreated + ctx.settings.runTimeoutSeconds * 1000;
    const watch = (async () => {
      let lastProgress = Date.now();
      for (;;) {
        const r = await api.get<RunView>(runPath);
        const now = Date.now();
        if (r.body.status !== 'queued' && r.body.status !== 'in_progress') return { run: r.body, at: now };
        if (now - lastProgress >= 5_000) {
          lastProgress = now;
          ctx.progress(`${tag} ${fmtNumber((now - tCreated) / 1000, 1)} s: ${fmtNumber(r.body.result_counts.total)}/${fmtNumber(rows)} items`);
        }
        if (now > deadline) throw new Error(`run still ${r.body.status} after ${ctx.settings.runTimeoutSeconds} s`);
        await sleep(250);
      }
    })();
    const health = await sampleHealth(srv.url, watch);
    const { run, at } = await watch;
    const cpuAfter = srv.sampler.cpuSeconds();
    await srv.stop();
    server = null;
    const runSeconds = (at - tCreated) / 1000;
    ctx.progress(`${tag} ${run.status} in ${fmtNumber(runSeconds, 1)} s: ${JSON.stringify(run.result_counts)}`);
    return {
      backend: backend.name,
      threads,
      rows,
      run_seconds: round(runSeconds, 2),
      rows_per_second: Math.round(rows / runSeconds),
      server_cpu_seconds: cpuBefore === null || cpuAfter === null ? null : round(cpuAfter - cpuBefore, 1),
      passed: run.result_counts.passed,
      errored: run.result_counts.errored,
      expected_passed: expectedPassed,
      health: summarizeHealth(health),
      event_loop_max_ms: srv.eventLoop(tCreate, at)?.max_ms ?? null,
    };
  } finally {
    if (server !== null) await server.stop().catch(() => undefined);
    await database.dispose().catch(() => undefined);
  }
}

export const gradingThreadsBenchmark: Benchmark = {
  name: 'grading-threads',
  description: 'text_similarity on the grading threads: 16k fuzzy_match time, /health latency while grading, METEOR jsonl run rows/s with the threads on and off',
  async run(ctx): Promise<BenchmarkReport> {
    const notes: string[] = [];
    const columns = ['case', 'threads', 'time / rows/s', '/health p50 / p99 / max ms', 'server CPU s', 'passed (expected), errored'];
    const table: string[][] = [];
    const inputs = text16k();

    const natural = timeInProcess(...inputs.natural);
    const worst = timeInProcess(...inputs.worst);
    table.push(['16k fuzzy_match, natural text (16,000 vs 5,000 chars), in-process', '-', `${fmtNumber(natural, 1)} ms`, '-', '-', '-']);
    table.push(["16k fuzzy_match, worst case ('a '×8000 vs 'ab '×2700), in-process", '-', `${fmtNumber(worst, 1)} ms`, '-', '-', '-']);
    ctx.progress(`[grading-threads] 16k fuzzy_match in-process: natural ${natural} ms, worst case ${worst} ms`);

    const healthCases: HealthCase[] = [];
    const runCases: RunCase[] = [];
    const first = ctx.backends[0];
    const firstBackend = first === undefined ? 'no backend selected' : await ctx.backend(first);
    if (typeof firstBackend === 'string') notes.push(`/health while grading: skipped — ${firstBackend}`);
    else {
      for (const env of [String(os.availableParallelism()), '0']) {
        const c = await healthWhileFuzzy(ctx, firstBackend, env, inputs.worst);
        healthCases.push(c);
        table.push([`/health while 2 clients send 16k fuzzy_match graders/run (${c.requests} answered, ${c.connection_resets} reset)`, env, `${fmtNumber(c.grading_ms_p50)} ms per grading (p50)`, fmtHealth(c.health), '-', '-']);
        ctx.progress(`[grading-threads] /health with threads=${env}: ${fmtHealth(c.health)} ms`);
      }
    }

    const tmp = mkdtempSync(join(os.tmpdir(), 'proctor-bench-meteor-'));
    const removeTmp = onCleanup('meteor data set', async () => rmSync(tmp, { recursive: true, force: true }), () => rmSync(tmp, { recursive: true, force: true }));
    try {
      const path = join(tmp, 'meteor.jsonl');
      const expected = await writeMeteorDataset(path, ctx.settings.rows);
      for (const name of ctx.backends) {
        const backend = await ctx.backend(name);
        if (typeof backend === 'string') {
          notes.push(`${name}: skipped — ${backend}`);
          continue;
        }
        for (const threads of [String(os.availableParallelism()), '0']) {
          try {
            const c = await meteorRun(ctx, backend, threads, path, expected);
            runCases.push(c);
            table.push([
              `METEOR jsonl run, ${fmtNumber(c.rows)} rows, ${c.backend}`,
              threads,
              `${fmtNumber(c.rows_per_second)} rows/s (${fmtNumber(c.run_seconds, 1)} s)`,
              fmtHealth(c.health),
              fmtNumber(c.server_cpu_seconds, 1),
              `${fmtNumber(c.passed)} (${fmtNumber(c.expected_passed)}), ${fmtNumber(c.errored)}`,
            ]);
          } catch (error) {
            notes.push(`${name} threads=${threads}: FAILED — ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
    } finally {
      await removeTmp();
    }
    notes.push(
      `machine: ${os.availableParallelism()} cores available; threads "0" = PROCTOR_GRADING_THREADS=0 (grading on the event loop)`,
      '/health: sampled every 10 ms, one request at a time, from this process; server CPU s > run seconds means several cores were busy',
    );
    return { title: 'grading threads (text_similarity off the event loop)', columns, rows: table, notes, data: { natural_16k_ms: natural, worst_16k_ms: worst, health: healthCases, runs: runCases } };
  },
};
