import { createWriteStream, mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { countWords } from '../test/support/fake-openai/fake-openai.ts';
import { ApiClient, type ListView, type OutputItemView, type RunView } from './api-client.ts';
import type { Backend, BackendName, FreshDatabase } from './backends.ts';
import { intEnv } from './bench-env.ts';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { onCleanup } from './cleanup.ts';
import { startFakeUpstreamProcess, type FakeUpstreamProcess, type FakeUpstreamStats } from './fake-upstream-process.ts';
import { sleep } from './net-util.ts';
import type { EventLoopSummary, ProctorProcess } from './proctor-process.ts';
import { fmtMb, fmtNumber, fmtP50P95, round, summarize, type LatencySummary } from './stats.ts';

/**
 * A completions run: every row is rendered through `input_messages`
 * (`[{role: 'user', content: '{{item.question}}'}]`), sent as one chat completion to a fake
 * OpenAI-compatible upstream running in its own process (test/support/fake-openai), and graded by
 * one string_check on `{{sample.output_text}}`. Two cases per backend:
 *
 * - zero latency, `max_concurrency` 64: the server's own cost per sampled row (rows/s, peak RSS);
 * - a fixed upstream latency L (100 ms) with `max_concurrency` C (32): does the server keep C calls
 *   in flight, i.e. reach C / L rows/s?
 *
 * Correctness: every row counted, the known number passed, none errored, and the run's
 * `per_model_usage` equal to what the fake reported (and to the tokens computed here).
 */
const LETTERS = ['A', 'B', 'C', 'D'] as const;
const RUN_POLL_MS = 100;
const PROGRESS_EVERY_MS = 5_000;
/** The run's model name; the config maps it to UPSTREAM_MODEL on the fake provider. */
const MODEL = 'bench-model';
const UPSTREAM_MODEL = 'bench-upstream';
const FAKE_PROVIDER = 'fake';

/** Targets from the issue. */
const TARGET_ROWS_PER_S = 2_000;
const TARGET_RSS_MB: Record<BackendName, number> = { pglite: 400, postgres: 200 };
const TARGET_LATENCY_EFFICIENCY = 0.95;

const passes = (i: number): boolean => i % 10 < 7;

export function expectedPassed(rows: number): number {
  return Math.floor(rows / 10) * 7 + Math.min(rows % 10, 7);
}

/** Row i's prompt. It names option `answer` when the row should pass, another option when not. */
function question(i: number): string {
  const answer = LETTERS[i % 4] ?? 'A';
  const named = passes(i) ? answer : (LETTERS[(i + 1) % 4] ?? 'B');
  return `Question ${i}: which option best completes the sentence "the quick brown fox jumps over the lazy dog ${i % 97}"? I pick option ${named}.`;
}

/** The fake's default reply echoes the last user message. */
const replyOf = (q: string): string => `reply: ${q}`;

interface Dataset {
  path: string;
  rows: number;
  bytes: number;
  /** Tokens the fake reports for the whole data set: per message words + 3; the reply's words. */
  promptTokens: number;
  completionTokens: number;
}

async function writeDataset(path: string, rows: number): Promise<Dataset> {
  const out = createWriteStream(path);
  let bytes = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let chunk: string[] = [];
  const flush = async () => {
    const text = chunk.join('');
    chunk = [];
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  for (let i = 0; i < rows; i++) {
    const q = question(i);
    promptTokens += countWords(q) + 3;
    completionTokens += countWords(replyOf(q));
    chunk.push(`${JSON.stringify({ item: { id: i, question: q, answer: `option ${LETTERS[i % 4] ?? 'A'}` } })}\n`);
    if (chunk.length >= 1000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { path, rows, bytes, promptTokens, completionTokens };
}

interface Scenario {
  key: 'zero' | 'latency';
  latencyMs: number;
  maxConcurrency: number;
  rows: number;
}

interface Usage {
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

interface RunWithUsage extends RunView {
  per_model_usage: (Usage & { model_name: string })[] | null;
}

interface OutputItemWithSample extends OutputItemView {
  sample: { output: { role: string; content: string }[]; usage: Usage; error: unknown };
  results: { passed: boolean }[];
}

interface Measurement {
  backend: BackendName;
  backend_description: string;
  scenario: Scenario['key'];
  rows: number;
  upstream_latency_ms: number;
  max_concurrency: number;
  file_bytes: number;
  server_startup_ms: number;
  upload_ms: number;
  create_run_ms: number;
  /** Create-run response → `completed` observed (polled every 100 ms). */
  run_seconds: number;
  rows_per_second: number;
  /** First → last upstream call arrival at the fake: the sampling phase alone. */
  upstream_window_seconds: number | null;
  upstream_calls_per_second: number | null;
  /**
   * Calls per second over each whole second of the sampling window (first → last call): how even
   * the feed is. Latency case: seconds below 95 % of C / latency.
   */
  calls_per_second_over_time: { min: number; median: number; max: number; seconds: number; below_target: number | null; series: number[] } | null;
  /** Latency case: C / latency. */
  ideal_rows_per_second: number | null;
  efficiency: number | null;
  upstream_efficiency: number | null;
  first_item_seconds: number | null;
  /** Create-run response → the first call reaching the fake (plan job, staging, batch pick-up). */
  first_call_seconds: number | null;
  /** The last call reaching the fake → `completed` observed (last batches' commits, completion). */
  tail_seconds: number | null;
  final_status: string;
  result_counts: RunView['result_counts'];
  expected_passed: number;
  correct: boolean;
  correctness_problems: string[];
  usage: { run: Usage | null; fake: Usage | null; computed: Usage; equal: boolean };
  fake: { requests: number; by_outcome: Record<string, number>; max_in_flight: number; max_in_flight_model: number | null };
  memory: {
    idle_rss_kb: number | null;
    after_upload_rss_kb: number | null;
    peak_rss_run_kb: number | null;
    peak_rss_hwm_kb: number | null;
    /** Peak sampled RSS in each quarter of the rows (by committed result_counts.total). */
    peak_rss_by_quarter_kb: (number | null)[];
    end_rss_kb: number | null;
    rss_samples: number;
    /** From bench/memory-probe.mjs when it was preloaded (PROCTOR_BENCH_NODE_ARGS): kB over create+run. */
    probe: MemoryProbeSummary | null;
  };
  cpu: {
    server_seconds: number | null;
    database_seconds: number | null;
    fake_seconds: number | null;
    client_seconds: number;
  };
  database_peak_pss_kb: number | null;
  storage_bytes: number | null;
  run_get_ms: LatencySummary | null;
  event_loop_during_run: EventLoopSummary | null;
  network_errors: ApiClient['networkErrors'];
  shutdown_ms: number | null;
  server_log: string;
  t_create_ms: number;
}

interface MemoryProbeSummary {
  peak_heap_used_kb: number;
  peak_heap_total_kb: number;
  peak_external_kb: number;
  peak_array_buffers_kb: number;
  /** Peak heapUsed in each quarter of the rows. */
  heap_used_by_quarter_kb: (number | null)[];
}

/** The lines bench/memory-probe.mjs wrote for this server, over [from, to]; null when it was not loaded. */
function readMemoryProbe(logPath: string, from: number, quarterEnds: readonly number[]): MemoryProbeSummary | null {
  let text: string;
  try {
    text = readFileSync(`${logPath.replace(/\.log$/, '')}.memory.jsonl`, 'utf8');
  } catch {
    return null;
  }
  const to = quarterEnds.at(-1) ?? Number.POSITIVE_INFINITY;
  type Line = { t: number; heap_used: number; heap_total: number; external: number; array_buffers: number };
  const all = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
  // A line covers the second before its t.
  const within = (l: Line, a: number, b: number) => l.t >= a && l.t - 1000 <= b;
  const lines = all.filter((l) => within(l, from, to));
  if (lines.length === 0) return null;
  const kb = (v: number) => Math.round(v / 1024);
  const peak = (k: keyof Line, ls: Line[]) => (ls.length === 0 ? null : kb(Math.max(...ls.map((l) => l[k]))));
  return {
    peak_heap_used_kb: peak('heap_used', lines) ?? 0,
    peak_heap_total_kb: peak('heap_total', lines) ?? 0,
    peak_external_kb: peak('external', lines) ?? 0,
    peak_array_buffers_kb: peak('array_buffers', lines) ?? 0,
    heap_used_by_quarter_kb: quarterEnds.map((end, q) => peak('heap_used', all.filter((l) => within(l, q === 0 ? from : (quarterEnds[q - 1] ?? from), end)))),
  };
}

interface Failure {
  backend: BackendName;
  scenario: Scenario['key'];
  rows: number;
  error: string;
}

function scenariosFromEnv(ctx: BenchContext): Scenario[] {
  // PROCTOR_BENCH_ROWS applies when set; this benchmark's own default is 10,000 (the issue's size).
  const rowsSet = (process.env['PROCTOR_BENCH_ROWS'] ?? '') !== '';
  const rows = rowsSet ? ctx.settings.rows : 10_000;
  const zeroConcurrency = intEnv('PROCTOR_BENCH_MAX_CONCURRENCY', 64, 1);
  const latencyMs = intEnv('PROCTOR_BENCH_LATENCY_MS', 100, 1);
  const latencyC = intEnv('PROCTOR_BENCH_LATENCY_CONCURRENCY', 32, 1);
  const latencyRows = intEnv('PROCTOR_BENCH_LATENCY_ROWS', latencyC * 100, 0);
  const raw = process.env['PROCTOR_BENCH_COMPLETIONS_CASES'] ?? '';
  const cases = raw.trim() === '' ? ['zero', 'latency'] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = cases.filter((c) => c !== 'zero' && c !== 'latency');
  if (unknown.length > 0) throw new Error(`PROCTOR_BENCH_COMPLETIONS_CASES: unknown case(s) ${unknown.join(', ')}; known: zero, latency`);
  const out: Scenario[] = [];
  if (cases.includes('zero')) out.push({ key: 'zero', latencyMs: 0, maxConcurrency: zeroConcurrency, rows });
  if (cases.includes('latency') && latencyRows > 0) out.push({ key: 'latency', latencyMs, maxConcurrency: latencyC, rows: latencyRows });
  return out;
}

export const completionsRunBenchmark: Benchmark = {
  name: 'completions',
  description: 'completions run (one chat call to a fake upstream in its own process + one string_check per row): rows/s, peak RSS, usage check; 100 ms latency vs C/0.1 s',
  async run(ctx) {
    const scenarios = scenariosFromEnv(ctx);
    const tmp = mkdtempSync(join(os.tmpdir(), 'proctor-bench-completions-'));
    const removeTmp = onCleanup('completions data set', async () => rmSync(tmp, { recursive: true, force: true }), () => rmSync(tmp, { recursive: true, force: true }));
    const notes: string[] = [];
    const results: Measurement[] = [];
    const failures: Failure[] = [];
    let fake: FakeUpstreamProcess | null = null;
    try {
      const datasets = new Map<number, Dataset>();
      for (const rows of new Set(scenarios.map((s) => s.rows))) {
        const t0 = Date.now();
        const d = await writeDataset(join(tmp, `bench-${rows}.jsonl`), rows);
        datasets.set(rows, d);
        ctx.progress(`[completions] data set: ${fmtNumber(rows)} rows, ${fmtNumber(d.bytes / 1024 / 1024, 1)} MB, written in ${Date.now() - t0} ms`);
      }
      fake = await startFakeUpstreamProcess({ root: ctx.root, logPath: join(ctx.outDir, 'completions-fake-upstream.log') });
      ctx.progress(`[completions] fake upstream pid ${fake.pid} at ${fake.url}`);
      for (const name of ctx.backends) {
        const backend = await ctx.backend(name);
        if (typeof backend === 'string') {
          notes.push(`${name}: skipped — ${backend}`);
          ctx.progress(`[completions/${name}] skipped: ${backend}`);
          continue;
        }
        for (const scenario of scenarios) {
          const dataset = datasets.get(scenario.rows);
          if (dataset === undefined) continue;
          try {
            results.push(await measure(ctx, backend, scenario, dataset, fake, tmp));
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            failures.push({ backend: name, scenario: scenario.key, rows: scenario.rows, error: message });
            notes.push(`${name} ${scenario.key}: FAILED — ${message}`);
            ctx.progress(`[completions/${name}/${scenario.key}] FAILED: ${message}`);
          }
        }
      }
    } finally {
      await fake?.stop();
      await removeTmp();
    }
    return report(scenarios, results, failures, notes);
  },
};

function writeConfig(dir: string, scenario: Scenario, fake: FakeUpstreamProcess): string {
  const config = {
    providers: { [FAKE_PROVIDER]: { type: 'openai', base_url: fake.url, api_key: fake.apiKey ?? 'sk-bench-any' } },
    models: { [MODEL]: { provider: FAKE_PROVIDER, model: UPSTREAM_MODEL, max_concurrency: scenario.maxConcurrency } },
  };
  const path = join(dir, `proctor-config-${scenario.key}-${scenario.maxConcurrency}.json`);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

const sameUsage = (a: Usage | null, b: Usage | null): boolean =>
  a !== null &&
  b !== null &&
  a.invocation_count === b.invocation_count &&
  a.prompt_tokens === b.prompt_tokens &&
  a.completion_tokens === b.completion_tokens &&
  a.total_tokens === b.total_tokens &&
  a.cached_tokens === b.cached_tokens;

const usageOnly = (u: Usage | undefined | null): Usage | null =>
  u === undefined || u === null ? null : { invocation_count: u.invocation_count, prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens, cached_tokens: u.cached_tokens };

async function measure(ctx: BenchContext, backend: Backend, scenario: Scenario, dataset: Dataset, fake: FakeUpstreamProcess, tmp: string): Promise<Measurement> {
  const rows = dataset.rows;
  const tag = `[completions/${backend.name}/${scenario.key}]`;
  const fresh = await backend.freshDatabase();
  // PROCTOR_CONFIG rides with the database env (the server child drops the caller's own PROCTOR_CONFIG).
  // PROCTOR_BENCH_SERVER_LOG_LEVEL (e.g. info, debug) overrides the server's `warn`, for diagnosis.
  const logLevel = process.env['PROCTOR_BENCH_SERVER_LOG_LEVEL'] ?? '';
  const database: FreshDatabase = { ...fresh, env: { ...fresh.env, PROCTOR_CONFIG: writeConfig(tmp, scenario, fake), ...(logLevel === '' ? {} : { PROCTOR_LOG_LEVEL: logLevel }) } };
  let server: ProctorProcess | null = null;
  try {
    await fake.configure(scenario.latencyMs);
    server = await ctx.startServer(database, `completions-${scenario.key}-${backend.name}`);
    const srv = server;
    ctx.progress(`${tag} server pid ${srv.pid} healthy after ${srv.startupMs} ms (${backend.description}); upstream latency ${scenario.latencyMs} ms, max_concurrency ${scenario.maxConcurrency}`);
    const api = new ApiClient(srv.url);
    const guard = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await Promise.race([p, srv.crashed]);
      } catch (error) {
        if (srv.exit === null) await sleep(500);
        if (srv.exit !== null) await Promise.race([srv.crashed, sleep(0)]);
        throw error;
      }
    };
    const idleRss = srv.sampler.sample()?.rssKb ?? null;

    const form = new FormData();
    form.append('purpose', 'evals');
    form.append('file', await openAsBlob(dataset.path, { type: 'application/jsonl' }), `bench-${rows}.jsonl`);
    const upload = await guard(api.call<{ id: string }>('POST', '/files', { form }));
    const afterUploadRss = srv.sampler.sample()?.rssKb ?? null;
    ctx.progress(`${tag} uploaded ${upload.body.id} in ${Math.round(upload.ms)} ms`);

    const evalObject = await guard(
      api.post<{ id: string }>('/evals', {
        name: `bench completions ${rows}`,
        data_source_config: {
          type: 'custom',
          item_schema: {
            type: 'object',
            properties: { id: { type: 'integer' }, question: { type: 'string' }, answer: { type: 'string' } },
            required: ['id', 'question', 'answer'],
          },
          include_sample_schema: true,
        },
        testing_criteria: [{ type: 'string_check', name: 'names the answer', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'like' }],
      }),
    );
    const evalId = evalObject.body.id;

    // Nothing has called the fake yet (uploads and evals do not), but start its counters here.
    await fake.configure(scenario.latencyMs);
    const cpuBefore = srv.sampler.cpuSeconds();
    const dbBefore = database.serverProcesses();
    const fakeCpuBefore = fake.cpuSeconds();
    const clientCpuBefore = process.cpuUsage();
    const tCreate = Date.now();
    const created = await guard(
      api.post<RunView>(`/evals/${evalId}/runs`, {
        name: `bench-completions-${scenario.key}-${rows}`,
        data_source: {
          type: 'completions',
          model: MODEL,
          input_messages: { type: 'template', template: [{ role: 'user', content: '{{item.question}}' }] },
          source: { type: 'file_id', id: upload.body.id },
        },
      }),
    );
    const tCreated = Date.now();
    const runId = created.body.id;
    const runPath = `/evals/${evalId}/runs/${runId}`;
    ctx.progress(`${tag} run ${runId} created in ${Math.round(created.ms)} ms`);

    const pollLatencies: number[] = [];
    const progress: { t: number; total: number }[] = [];
    let firstItemAt: number | null = null;
    let dbPeakPss: number | null = dbBefore?.pssKb ?? null;
    let dbAfterCpu: number | null = null;
    const deadline = tCreated + ctx.settings.runTimeoutSeconds * 1000;
    let lastProgress = Date.now();
    let lastDbSample = 0;
    let finalRun: RunWithUsage;
    let tDone: number;
    for (;;) {
      const r = await guard(api.get<RunWithUsage>(runPath));
      const now = Date.now();
      pollLatencies.push(r.ms);
      progress.push({ t: now, total: r.body.result_counts.total });
      if (firstItemAt === null && r.body.result_counts.total > 0) firstItemAt = now;
      if (now - lastDbSample >= 500) {
        lastDbSample = now;
        const tree = database.serverProcesses();
        if (tree !== null) {
          dbPeakPss = Math.max(dbPeakPss ?? 0, tree.pssKb);
          dbAfterCpu = tree.cpuSeconds;
        }
      }
      if (r.body.status !== 'queued' && r.body.status !== 'in_progress') {
        finalRun = r.body;
        tDone = now;
        break;
      }
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        const done = r.body.result_counts.total;
        const rss = srv.sampler.samples.at(-1)?.rssKb ?? null;
        ctx.progress(`${tag} ${fmtNumber((now - tCreated) / 1000, 1)} s ${r.body.status}: ${fmtNumber(done)}/${fmtNumber(rows)} items, ${fmtNumber(done / ((now - tCreated) / 1000))} rows/s, RSS ${fmtMb(rss)} MB`);
      }
      if (now > deadline) throw new Error(`run ${runId} still ${r.body.status} after ${ctx.settings.runTimeoutSeconds} s (${r.body.result_counts.total}/${rows} items); server log ${srv.logPath}`);
      await sleep(RUN_POLL_MS);
    }
    const cpuAfter = srv.sampler.cpuSeconds();
    const fakeCpuAfter = fake.cpuSeconds();
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const tree = database.serverProcesses();
    if (tree !== null) {
      dbPeakPss = Math.max(dbPeakPss ?? 0, tree.pssKb);
      dbAfterCpu = tree.cpuSeconds;
    }
    const runSeconds = (tDone - tCreated) / 1000;
    ctx.progress(`${tag} run ${finalRun.status} after ${fmtNumber(runSeconds, 1)} s (${fmtNumber(rows / runSeconds)} rows/s): ${JSON.stringify(finalRun.result_counts)}`);

    // Correctness: counts, usage three ways, and the first page of items.
    const problems: string[] = [];
    const expected = expectedPassed(rows);
    if (finalRun.status !== 'completed') problems.push(`run ended ${finalRun.status}: ${JSON.stringify(finalRun.error)}`);
    if (finalRun.result_counts.total !== rows) problems.push(`result_counts.total ${finalRun.result_counts.total} ≠ ${rows}`);
    if (finalRun.result_counts.passed !== expected) problems.push(`result_counts.passed ${finalRun.result_counts.passed} ≠ ${expected}`);
    if (finalRun.result_counts.errored !== 0) problems.push(`result_counts.errored ${finalRun.result_counts.errored} ≠ 0`);
    const stats: FakeUpstreamStats = await fake.stats();
    const runUsageEntries = finalRun.per_model_usage ?? [];
    const runUsage = usageOnly(runUsageEntries.find((u) => u.model_name === MODEL));
    if (runUsageEntries.length !== 1) problems.push(`per_model_usage has ${runUsageEntries.length} entries (${runUsageEntries.map((u) => u.model_name).join(', ')}), expected one for ${MODEL}`);
    const fakeUsage = usageOnly(stats.usageByModel[UPSTREAM_MODEL]);
    const computed: Usage = {
      invocation_count: rows,
      prompt_tokens: dataset.promptTokens,
      completion_tokens: dataset.completionTokens,
      total_tokens: dataset.promptTokens + dataset.completionTokens,
      cached_tokens: 0,
    };
    const usageEqual = sameUsage(runUsage, fakeUsage);
    if (!usageEqual) problems.push(`per_model_usage ${JSON.stringify(runUsage)} ≠ the fake's reported usage ${JSON.stringify(fakeUsage)}`);
    if (!sameUsage(fakeUsage, computed)) problems.push(`the fake's usage ${JSON.stringify(fakeUsage)} ≠ the computed ${JSON.stringify(computed)}`);
    const outcomes = Object.entries(stats.byOutcome).filter(([k]) => k !== 'ok');
    if (outcomes.length > 0 || (stats.byOutcome['ok'] ?? 0) !== rows) problems.push(`fake outcomes ${JSON.stringify(stats.byOutcome)}, expected ${rows} ok`);
    const modelInFlight = stats.maxInFlightByModel[UPSTREAM_MODEL] ?? null;
    if (modelInFlight !== null && modelInFlight > scenario.maxConcurrency) problems.push(`the fake saw ${modelInFlight} calls in flight, above max_concurrency ${scenario.maxConcurrency}`);
    if (finalRun.status === 'completed') {
      const page = await guard(api.get<ListView<OutputItemWithSample>>(`${runPath}/output_items?limit=100`));
      const want = Math.min(100, rows);
      const ids = page.body.data.map((it) => it.datasource_item_id);
      if (ids.length !== want || ids.some((v, i) => v !== i)) problems.push(`first page: datasource_item_ids ${ids[0]}…${ids.at(-1)} (${ids.length}), expected 0…${want - 1}`);
      for (const it of page.body.data) {
        const i = it.datasource_item_id;
        const text = it.sample.output[0]?.content;
        if (text !== replyOf(question(i))) {
          problems.push(`item ${i}: sample.output[0].content ${JSON.stringify(text)} is not the fake's reply`);
          break;
        }
        if (it.status !== (passes(i) ? 'pass' : 'fail')) {
          problems.push(`item ${i}: status ${it.status}, expected ${passes(i) ? 'pass' : 'fail'}`);
          break;
        }
      }
    }

    // RSS per quarter of the rows: flat quarters = memory does not grow with rows done.
    const quarterEnds = [0.25, 0.5, 0.75, 1].map((f) => progress.find((p) => p.total >= f * rows)?.t ?? tDone);
    const lastSampleBefore = (t: number): number | null => srv.sampler.samples.filter((x) => x.t <= t).at(-1)?.rssKb ?? null;
    const quarters = quarterEnds.map((end, q) => srv.sampler.peakKb(q === 0 ? tCreate : (quarterEnds[q - 1] ?? tCreate), end) ?? lastSampleBefore(end));

    const storageBytes = await database.storageBytes().catch(() => null);
    const hwm = srv.sampler.hwmKb();
    const endRss = srv.sampler.samples.at(-1)?.rssKb ?? null;
    const stopped = await srv.stop();
    server = null;
    if (stopped.code !== 0) problems.push(`server exited ${stopped.signal ?? `with code ${stopped.code}`} on SIGTERM after ${stopped.ms} ms`);
    const window = stats.firstRequestAt !== null && stats.lastRequestAt !== null ? (stats.lastRequestAt - stats.firstRequestAt) / 1000 : null;
    const rowsPerSecond = rows / runSeconds;
    const ideal = scenario.latencyMs > 0 ? scenario.maxConcurrency / (scenario.latencyMs / 1000) : null;
    const upstreamRate = window !== null && window > 0 ? (rows - 1) / window : null;
    const perSecond: number[] = [];
    // Whole seconds only (the last, partial one would read low).
    for (let b = 0; b + 10 <= stats.arrivalsPer100ms.length; b += 10) perSecond.push(stats.arrivalsPer100ms.slice(b, b + 10).reduce((a, c) => a + c, 0));
    const sortedSeconds = [...perSecond].sort((a, b) => a - b);
    return {
      backend: backend.name,
      backend_description: backend.description,
      scenario: scenario.key,
      rows,
      upstream_latency_ms: scenario.latencyMs,
      max_concurrency: scenario.maxConcurrency,
      file_bytes: dataset.bytes,
      server_startup_ms: srv.startupMs,
      upload_ms: round(upload.ms),
      create_run_ms: round(created.ms),
      run_seconds: round(runSeconds, 2),
      rows_per_second: Math.round(rowsPerSecond),
      upstream_window_seconds: window === null ? null : round(window, 2),
      upstream_calls_per_second: upstreamRate === null ? null : Math.round(upstreamRate),
      calls_per_second_over_time:
        sortedSeconds.length === 0
          ? null
          : {
              min: sortedSeconds[0] ?? 0,
              median: sortedSeconds[Math.floor((sortedSeconds.length - 1) / 2)] ?? 0,
              max: sortedSeconds.at(-1) ?? 0,
              seconds: sortedSeconds.length,
              below_target: ideal === null ? null : perSecond.filter((n) => n < TARGET_LATENCY_EFFICIENCY * ideal).length,
              series: perSecond,
            },
      ideal_rows_per_second: ideal,
      efficiency: ideal === null ? null : round(rowsPerSecond / ideal, 3),
      upstream_efficiency: ideal === null || upstreamRate === null ? null : round(upstreamRate / ideal, 3),
      first_item_seconds: firstItemAt === null ? null : round((firstItemAt - tCreated) / 1000, 2),
      first_call_seconds: stats.firstRequestAt === null ? null : round((stats.firstRequestAt - tCreated) / 1000, 2),
      tail_seconds: stats.lastRequestAt === null ? null : round((tDone - stats.lastRequestAt) / 1000, 2),
      final_status: finalRun.status,
      result_counts: finalRun.result_counts,
      expected_passed: expected,
      correct: problems.length === 0,
      correctness_problems: problems,
      usage: { run: runUsage, fake: fakeUsage, computed, equal: usageEqual },
      fake: { requests: stats.requests, by_outcome: stats.byOutcome, max_in_flight: stats.maxInFlight, max_in_flight_model: modelInFlight },
      memory: {
        idle_rss_kb: idleRss,
        after_upload_rss_kb: afterUploadRss,
        peak_rss_run_kb: srv.sampler.peakKb(tCreate, tDone),
        peak_rss_hwm_kb: hwm,
        peak_rss_by_quarter_kb: quarters,
        end_rss_kb: endRss,
        rss_samples: srv.sampler.samples.length,
        probe: readMemoryProbe(srv.logPath, tCreate, quarterEnds),
      },
      cpu: {
        server_seconds: cpuBefore === null || cpuAfter === null ? null : round(cpuAfter - cpuBefore, 2),
        database_seconds: dbBefore === null || dbAfterCpu === null ? null : round(dbAfterCpu - dbBefore.cpuSeconds, 2),
        fake_seconds: fakeCpuBefore === null || fakeCpuAfter === null ? null : round(fakeCpuAfter - fakeCpuBefore, 2),
        client_seconds: round((clientCpu.user + clientCpu.system) / 1e6, 2),
      },
      database_peak_pss_kb: dbPeakPss,
      storage_bytes: storageBytes,
      run_get_ms: summarize(pollLatencies),
      event_loop_during_run: srv.eventLoop(tCreate, tDone),
      network_errors: api.networkErrors,
      shutdown_ms: stopped.ms,
      server_log: srv.logPath,
      t_create_ms: tCreate,
    };
  } finally {
    if (server !== null) await server.stop().catch(() => undefined);
    await database.dispose().catch((error: unknown) => ctx.progress(`${tag} could not drop the database: ${String(error)}`));
  }
}

const label = (backend: string, s: { scenario: Scenario['key']; upstream_latency_ms: number; max_concurrency: number; rows: number }): string =>
  `${backend} ${s.upstream_latency_ms} ms C=${s.max_concurrency} ${s.rows >= 1000 ? `${fmtNumber(s.rows / 1000)}k` : s.rows}`;

/** µs of CPU per row, or n/a. */
const perRow = (seconds: number | null, rows: number): string => (seconds === null ? 'n/a' : fmtNumber((seconds * 1e6) / rows));

function report(scenarios: Scenario[], results: Measurement[], failures: Failure[], notes: string[]): BenchmarkReport {
  const columns = [
    'backend · upstream latency · max_concurrency · rows',
    'rows/s (create → completed)',
    `target met (≥ ${fmtNumber(TARGET_ROWS_PER_S)} rows/s; latency: ≥ ${TARGET_LATENCY_EFFICIENCY * 100} % of C/L)`,
    'run seconds',
    'upstream calls/s (first → last call)',
    'calls/s per whole second: min / median / max',
    'seconds below 95 % of C/L (of whole seconds)',
    'ideal C/L rows/s',
    '% of C/L (run / upstream window)',
    'fake max in flight (calls it held at once)',
    'peak RSS MB (VmHWM, whole life)',
    'peak RSS MB (create+run, sampled)',
    `RSS target (≤ ${TARGET_RSS_MB.pglite} PGlite incl. db, ≤ ${TARGET_RSS_MB.postgres} Node on PostgreSQL)`,
    'peak RSS MB per quarter of rows',
    'RSS idle → after upload MB',
    'V8 heapUsed MB per quarter / peak heapTotal / peak external (memory probe)',
    'postgres peak PSS MB',
    'correct',
    'per_model_usage = fake usage',
    'tokens (prompt / completion)',
    'first upstream call / first item after s',
    'last upstream call → completed s',
    'create-run ms',
    'server CPU s (run)',
    'CPU µs/row: server / postgres / fake',
    'bench client CPU s',
    'GET run p50/p95 ms (during run)',
    'server event-loop max stall ms (run)',
    'storage MB',
  ];
  const table = results.map((m) => {
    const rssTarget = TARGET_RSS_MB[m.backend];
    const peak = m.memory.peak_rss_hwm_kb;
    const rowsTarget = m.scenario === 'zero' ? (m.rows_per_second >= TARGET_ROWS_PER_S ? 'yes' : 'NO') : m.efficiency === null ? 'n/a' : m.efficiency >= TARGET_LATENCY_EFFICIENCY ? 'yes' : 'NO';
    return [
      label(m.backend, m),
      fmtNumber(m.rows_per_second),
      rowsTarget,
      fmtNumber(m.run_seconds, 2),
      fmtNumber(m.upstream_calls_per_second),
      m.calls_per_second_over_time === null ? 'n/a' : `${fmtNumber(m.calls_per_second_over_time.min)} / ${fmtNumber(m.calls_per_second_over_time.median)} / ${fmtNumber(m.calls_per_second_over_time.max)}`,
      m.calls_per_second_over_time?.below_target === null || m.calls_per_second_over_time === null ? 'n/a' : `${m.calls_per_second_over_time.below_target} of ${m.calls_per_second_over_time.seconds}`,
      fmtNumber(m.ideal_rows_per_second),
      m.efficiency === null ? 'n/a' : `${fmtNumber(m.efficiency * 100, 1)} / ${fmtNumber((m.upstream_efficiency ?? Number.NaN) * 100, 1)}`,
      `${fmtNumber(m.fake.max_in_flight_model)} (limit ${m.max_concurrency})`,
      fmtMb(peak),
      fmtMb(m.memory.peak_rss_run_kb),
      peak === null ? 'n/a' : peak / 1024 <= rssTarget ? `yes (≤ ${rssTarget})` : `NO (> ${rssTarget})`,
      m.memory.peak_rss_by_quarter_kb.map(fmtMb).join(' / '),
      `${fmtMb(m.memory.idle_rss_kb)} → ${fmtMb(m.memory.after_upload_rss_kb)}`,
      m.memory.probe === null ? 'n/a (not loaded)' : `${m.memory.probe.heap_used_by_quarter_kb.map(fmtMb).join(' / ')}; ${fmtMb(m.memory.probe.peak_heap_total_kb)}; ${fmtMb(m.memory.probe.peak_external_kb)}`,
      fmtMb(m.database_peak_pss_kb),
      m.correct ? 'yes' : 'NO',
      m.usage.equal ? 'yes' : 'NO',
      m.usage.run === null ? 'n/a' : `${fmtNumber(m.usage.run.prompt_tokens)} / ${fmtNumber(m.usage.run.completion_tokens)}`,
      `${fmtNumber(m.first_call_seconds, 2)} / ${fmtNumber(m.first_item_seconds, 2)}`,
      fmtNumber(m.tail_seconds, 2),
      fmtNumber(m.create_run_ms),
      fmtNumber(m.cpu.server_seconds, 1),
      `${perRow(m.cpu.server_seconds, m.rows)} / ${perRow(m.cpu.database_seconds, m.rows)} / ${perRow(m.cpu.fake_seconds, m.rows)}`,
      fmtNumber(m.cpu.client_seconds, 2),
      fmtP50P95(m.run_get_ms),
      fmtNumber(m.event_loop_during_run?.max_ms),
      m.storage_bytes === null ? 'n/a' : fmtNumber(m.storage_bytes / 1024 / 1024, 0),
    ];
  });
  for (const f of failures) table.push([`${f.backend} ${f.scenario} ${fmtNumber(f.rows)}`, ...columns.slice(1).map((c) => (c === 'correct' ? 'NO (failed)' : '—'))]);
  const cores = os.cpus().length;
  const ceilings = results
    .filter((m) => m.scenario === 'zero' && m.cpu.server_seconds !== null)
    .map((m) => {
      const total = (m.cpu.server_seconds ?? 0) + (m.cpu.database_seconds ?? 0) + (m.cpu.fake_seconds ?? 0);
      return (
        `${m.backend}: server + database + fake used ${fmtNumber(total, 1)} CPU s for ${fmtNumber(m.rows)} rows (${fmtNumber((total * 1e6) / m.rows)} µs/row): on ${cores} cores a ceiling near ${fmtNumber((cores * m.rows) / total)} rows/s. ` +
        `The server process alone used ${perRow(m.cpu.server_seconds, m.rows)} µs/row; most of it is its one main thread (the rest GC and libuv threads), so one core caps it near ${fmtNumber(m.rows / (m.cpu.server_seconds ?? 1))} rows/s`
      );
    });
  const allNotes = [
    ...[...new Map(results.map((m) => [m.backend, m.backend_description])).entries()].map(([b, d]) => `${b}: ${d}`),
    `each row: one POST /v1/chat/completions (model ${MODEL} → ${FAKE_PROVIDER}/${UPSTREAM_MODEL}, messages [{role: user, content: {{item.question}}}]) to the fake upstream in its own process, then one string_check ({{sample.output_text}} like {{item.answer}}, 70 % pass); a fresh server and database per case`,
    `cases: ${scenarios.map((s) => `${s.key} = ${s.latencyMs} ms upstream latency, max_concurrency ${s.maxConcurrency}, ${fmtNumber(s.rows)} rows`).join('; ')}`,
    'rows/s = rows / (create-run response → completed, polled every 100 ms); upstream calls/s = calls / (first → last call arrival at the fake), the sampling phase without plan and final commit; % of C/L = rows/s ÷ (max_concurrency / latency)',
    'peak RSS: VmHWM = kernel high-water mark of the server process over its whole life (PGlite: the database included); per quarter = largest VmRSS sampled (every 100 ms) while each quarter of the rows was committed: flat quarters mean memory does not grow with the rows. PostgreSQL: the Node process alone; the cluster is shown as its summed PSS',
    'correct = status completed, result_counts.total = rows, passed = the known count, errored 0, the fake answered every call once with 200, the first page holds items 0…99 with the fake\'s reply and the expected status; per_model_usage = fake usage compares all five counters with what the fake reported (which also equals the tokens computed here)',
    ...ceilings,
    ...results.filter((m) => !m.correct).map((m) => `${label(m.backend, m)}: NOT CORRECT — ${m.correctness_problems.join('; ')}`),
    ...results.flatMap((m) => m.network_errors.map((e) => `${label(m.backend, m)}: connection error on GET ${e.path} after ${e.ms} ms: ${e.error}`)),
    ...results.map((m) => `${label(m.backend, m)}: server log ${m.server_log}`),
    ...notes,
  ];
  const rowsShown = [...new Set(scenarios.map((s) => fmtNumber(s.rows)))].join(' / ');
  return { title: `completions run against a fake upstream, ${rowsShown} rows, one chat call + one string_check per row`, columns, rows: table, notes: allNotes, data: { scenarios, results, failures } };
}
