import { createWriteStream, mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { ApiClient, type ListView, type OutputItemView, type RunView } from './api-client.ts';
import type { Backend, BackendName } from './backends.ts';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { onCleanup } from './cleanup.ts';
import { sleep } from './net-util.ts';
import type { EventLoopSummary, ProctorProcess } from './proctor-process.ts';
import { fmtMb, fmtNumber, fmtP50P95, round, summarize, type LatencySummary } from './stats.ts';

/**
 * A jsonl run of N pre-sampled rows graded by one string_check: the pure cost of the run engine
 * (stream the file, stage rows, batch jobs, grade, write output items and counters), with no model
 * calls. Also the latency of `GET …/output_items?limit=100` on the first page while the run is
 * going, and on the first and on a deep page (after the (N-100)th item) once it has finished —
 * keyset pagination should cost the same at any depth.
 */
const LETTERS = ['A', 'B', 'C', 'D'] as const;
const RUN_POLL_MS = 250;
const PROGRESS_EVERY_MS = 5_000;

/** Row i passes unless i % 10 >= 7 (70 % pass), so the expected count is known exactly. */
const passes = (i: number): boolean => i % 10 < 7;

export function expectedPassed(rows: number): number {
  return Math.floor(rows / 10) * 7 + Math.min(rows % 10, 7);
}

async function writeDataset(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let chunk: string[] = [];
  const flush = async () => {
    const text = chunk.join('');
    chunk = [];
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  for (let i = 0; i < rows; i++) {
    const answer = LETTERS[i % 4] ?? 'A';
    const output = passes(i) ? answer : (LETTERS[(i + 1) % 4] ?? 'B');
    const row = {
      item: { id: i, question: `Question ${i}: which option best completes the sentence "the quick brown fox jumps over the lazy dog ${i % 97}"?`, answer },
      sample: { output_text: output },
    };
    chunk.push(`${JSON.stringify(row)}\n`);
    if (chunk.length >= 1000) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return bytes;
}

interface Measurement {
  backend: BackendName;
  backend_description: string;
  rows: number;
  file_bytes: number;
  server_startup_ms: number;
  upload_ms: number;
  create_eval_ms: number;
  create_run_ms: number;
  /** From the create-run response to `completed` being observed (polled every 250 ms). */
  run_seconds: number;
  rows_per_second: number;
  /** Create-run call plus run. */
  end_to_end_seconds: number;
  first_item_seconds: number | null;
  final_status: string;
  result_counts: RunView['result_counts'];
  expected_passed: number;
  correct: boolean;
  correctness_problems: string[];
  memory: {
    idle_rss_kb: number | null;
    after_upload_rss_kb: number | null;
    peak_rss_run_kb: number | null;
    /** VmHWM: the kernel's peak resident set over the server's whole life. */
    peak_rss_hwm_kb: number | null;
    end_rss_kb: number | null;
    rss_samples: number;
  };
  cpu: {
    /** Server process CPU seconds (user+sys) from the create-run call to completion. */
    server_seconds: number | null;
    /** The PostgreSQL server's processes (private cluster only), same window. */
    database_seconds: number | null;
  };
  database_peak_pss_kb: number | null;
  storage_bytes: number | null;
  latency_ms: {
    first_page_during_run: LatencySummary | null;
    /** Status of the run when the during-run samples ended (`completed` means they were not truly during the run). */
    first_page_during_run_status: string | null;
    first_page_after: LatencySummary | null;
    deep_page_after: LatencySummary | null;
    deep_page_after_item: number | null;
    run_get_during_run: LatencySummary | null;
  };
  /** The server's event-loop delay from the create-run call to completion (bench/event-loop-probe.ts). */
  event_loop_during_run: EventLoopSummary | null;
  /** GETs whose connection failed (and were retried), e.g. ECONNRESET from a stalled server. */
  network_errors: ApiClient['networkErrors'];
  shutdown_ms: number | null;
  server_log: string;
  /** Epoch ms of the create-run call (to place events in time). */
  t_create_ms: number;
}

interface Failure {
  backend: BackendName;
  error: string;
}

export const jsonlRunBenchmark: Benchmark = {
  name: 'jsonl',
  description: 'jsonl run of N rows (PROCTOR_BENCH_ROWS, default 100000) with one string_check: rows/s, peak RSS, output_items page latency',
  async run(ctx) {
    const rows = ctx.settings.rows;
    const tmp = mkdtempSync(join(os.tmpdir(), 'proctor-bench-jsonl-'));
    const removeTmp = onCleanup('jsonl data set', async () => rmSync(tmp, { recursive: true, force: true }), () => rmSync(tmp, { recursive: true, force: true }));
    const notes: string[] = [];
    const results: Measurement[] = [];
    const failures: Failure[] = [];
    try {
      const path = join(tmp, `bench-${rows}.jsonl`);
      const t0 = Date.now();
      const fileBytes = await writeDataset(path, rows);
      ctx.progress(`[jsonl] data set: ${fmtNumber(rows)} rows, ${fmtNumber(fileBytes / 1024 / 1024, 1)} MB, written in ${Date.now() - t0} ms`);
      for (const name of ctx.backends) {
        const backend = await ctx.backend(name);
        if (typeof backend === 'string') {
          notes.push(`${name}: skipped — ${backend}`);
          ctx.progress(`[jsonl/${name}] skipped: ${backend}`);
          continue;
        }
        try {
          results.push(await measure(ctx, backend, path, fileBytes));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push({ backend: name, error: message });
          notes.push(`${name}: FAILED — ${message}`);
          ctx.progress(`[jsonl/${name}] FAILED: ${message}`);
        }
      }
    } finally {
      await removeTmp();
    }
    return report(rows, results, failures, notes);
  },
};

async function measure(ctx: BenchContext, backend: Backend, path: string, fileBytes: number): Promise<Measurement> {
  const rows = ctx.settings.rows;
  const tag = `[jsonl/${backend.name}]`;
  const database = await backend.freshDatabase();
  let server: ProctorProcess | null = null;
  try {
    server = await ctx.startServer(database, `jsonl-${backend.name}`);
    const srv = server;
    ctx.progress(`${tag} server pid ${srv.pid} healthy after ${srv.startupMs} ms (${backend.description})`);
    const api = new ApiClient(srv.url);
    /** Any API step races the server's death, so a crash is reported as such, not as a fetch error. */
    const guard = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await Promise.race([p, srv.crashed]);
      } catch (error) {
        // A refused connection may come before the exit event: give the exit a moment to land.
        if (srv.exit === null) await sleep(500);
        if (srv.exit !== null) await Promise.race([srv.crashed, sleep(0)]);
        throw error;
      }
    };
    const idleRss = srv.sampler.sample()?.rssKb ?? null;

    // 1. Upload the data set (multipart, streamed from disk).
    const form = new FormData();
    form.append('purpose', 'evals');
    form.append('file', await openAsBlob(path, { type: 'application/jsonl' }), `bench-${rows}.jsonl`);
    const upload = await guard(api.call<{ id: string; bytes: number }>('POST', '/files', { form }));
    const afterUploadRss = srv.sampler.sample()?.rssKb ?? null;
    ctx.progress(`${tag} uploaded ${upload.body.id} in ${Math.round(upload.ms)} ms`);

    // 2. An eval with one string_check.
    const evalObject = await guard(
      api.post<{ id: string }>('/evals', {
        name: `bench jsonl ${rows}`,
        data_source_config: {
          type: 'custom',
          item_schema: {
            type: 'object',
            properties: { id: { type: 'integer' }, question: { type: 'string' }, answer: { type: 'string' } },
            required: ['id', 'question', 'answer'],
          },
          include_sample_schema: false,
        },
        testing_criteria: [{ type: 'string_check', name: 'exact answer', input: '{{sample.output_text}}', reference: '{{item.answer}}', operation: 'eq' }],
      }),
    );
    const evalId = evalObject.body.id;

    // 3. The run. Its create call validates every row before it returns.
    const cpuBefore = srv.sampler.cpuSeconds();
    const dbBefore = database.serverProcesses();
    const tCreate = Date.now();
    const created = await guard(api.post<RunView>(`/evals/${evalId}/runs`, { name: `bench-${rows}`, data_source: { type: 'jsonl', source: { type: 'file_id', id: upload.body.id } } }));
    const tCreated = Date.now();
    const runId = created.body.id;
    const runPath = `/evals/${evalId}/runs/${runId}`;
    ctx.progress(`${tag} run ${runId} created in ${Math.round(created.ms)} ms`);

    // 4. Watch the run until it ends (concurrently with the during-run page samples).
    const pollLatencies: number[] = [];
    let firstItemAt: number | null = null;
    let dbPeakPss: number | null = dbBefore?.pssKb ?? null;
    let dbAfterCpu: number | null = null;
    const deadline = tCreated + ctx.settings.runTimeoutSeconds * 1000;
    const watch = (async () => {
      let lastProgress = Date.now();
      let lastDbSample = 0;
      for (;;) {
        const r = await api.get<RunView>(runPath);
        const now = Date.now();
        pollLatencies.push(r.ms);
        if (firstItemAt === null && r.body.result_counts.total > 0) firstItemAt = now;
        if (now - lastDbSample >= 500) {
          lastDbSample = now;
          const tree = database.serverProcesses();
          if (tree !== null) {
            dbPeakPss = Math.max(dbPeakPss ?? 0, tree.pssKb);
            dbAfterCpu = tree.cpuSeconds;
          }
        }
        if (r.body.status !== 'queued' && r.body.status !== 'in_progress') return { run: r.body, at: now };
        if (now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now;
          const done = r.body.result_counts.total;
          const rss = srv.sampler.samples.at(-1)?.rssKb ?? null;
          ctx.progress(`${tag} ${fmtNumber((now - tCreated) / 1000, 1)} s ${r.body.status}: ${fmtNumber(done)}/${fmtNumber(rows)} items, ${fmtNumber(done / ((now - tCreated) / 1000))} rows/s, RSS ${fmtMb(rss)} MB`);
        }
        if (now > deadline) throw new Error(`run ${runId} still ${r.body.status} after ${ctx.settings.runTimeoutSeconds} s (${r.body.result_counts.total}/${rows} items); server log ${srv.logPath}`);
        await sleep(RUN_POLL_MS);
      }
    })();
    watch.catch(() => undefined);

    // 5. First page while the run is going: wait for the first committed items, then sample.
    const itemsPath = `${runPath}/output_items?limit=100`;
    const duringRun: number[] = [];
    let duringStatus: string | null = null;
    const sampleDuring = (async () => {
      let finished = false;
      void watch.then(
        () => (finished = true),
        () => (finished = true),
      );
      for (;;) {
        const page = await api.get<ListView<OutputItemView>>(itemsPath);
        if (page.body.data.length > 0 || finished) break;
        await sleep(50);
      }
      for (let i = 0; i < ctx.settings.pageSamples; i++) duringRun.push((await api.get<ListView<OutputItemView>>(itemsPath)).ms);
      duringStatus = finished ? 'completed' : (await api.get<RunView>(runPath)).body.status;
    })();

    const [{ run: finalRun, at: tDone }] = await guard(Promise.all([watch, sampleDuring]));
    const cpuAfter = srv.sampler.cpuSeconds();
    const runSeconds = (tDone - tCreated) / 1000;
    ctx.progress(`${tag} run ${finalRun.status} after ${fmtNumber(runSeconds, 1)} s: ${JSON.stringify(finalRun.result_counts)}`);
    const problems: string[] = [];
    const expected = expectedPassed(rows);
    if (finalRun.status !== 'completed') problems.push(`run ended ${finalRun.status}: ${JSON.stringify(finalRun.error)}`);
    if (finalRun.result_counts.total !== rows) problems.push(`result_counts.total ${finalRun.result_counts.total} ≠ ${rows}`);
    if (finalRun.result_counts.passed !== expected) problems.push(`result_counts.passed ${finalRun.result_counts.passed} ≠ ${expected}`);
    if (finalRun.result_counts.errored !== 0) problems.push(`result_counts.errored ${finalRun.result_counts.errored} ≠ 0`);

    // 6. After completion: first page vs a deep page, interleaved so neither gets a warmer cache.
    const firstAfter: number[] = [];
    const deepAfter: number[] = [];
    let deepItem: number | null = null;
    if (finalRun.status === 'completed' && rows > 100) {
      const tail = await guard(api.get<ListView<OutputItemView>>(`${runPath}/output_items?limit=100&order=desc`));
      const before = await guard(api.get<ListView<OutputItemView>>(`${runPath}/output_items?limit=1&order=desc&after=${tail.body.last_id ?? ''}`));
      const cursor = before.body.data[0];
      if (cursor === undefined) {
        problems.push('could not find the deep-page cursor (order=desc walk returned nothing)');
      } else {
        deepItem = cursor.datasource_item_id;
        const deepPath = `${runPath}/output_items?limit=100&after=${cursor.id}`;
        const first = await guard(api.get<ListView<OutputItemView>>(itemsPath));
        const deep = await guard(api.get<ListView<OutputItemView>>(deepPath));
        checkPage(first.body, 0, Math.min(100, rows), rows > 100, 'first page', problems);
        checkPage(deep.body, rows - 100, 100, false, `page after item ${deepItem}`, problems);
        for (let i = 0; i < ctx.settings.pageSamples; i++) {
          firstAfter.push((await guard(api.get(itemsPath))).ms);
          deepAfter.push((await guard(api.get(deepPath))).ms);
        }
      }
    }

    const storageBytes = await database.storageBytes().catch(() => null);
    const hwm = srv.sampler.hwmKb();
    const endRss = srv.sampler.samples.at(-1)?.rssKb ?? null;
    const stopped = await srv.stop();
    server = null;
    const eventLoop = srv.eventLoop(tCreate, tDone);
    const m: Measurement = {
      backend: backend.name,
      backend_description: backend.description,
      rows,
      file_bytes: fileBytes,
      server_startup_ms: srv.startupMs,
      upload_ms: round(upload.ms),
      create_eval_ms: round(evalObject.ms),
      create_run_ms: round(created.ms),
      run_seconds: round(runSeconds, 2),
      rows_per_second: Math.round(rows / runSeconds),
      end_to_end_seconds: round((tDone - tCreate) / 1000, 2),
      first_item_seconds: firstItemAt === null ? null : round((firstItemAt - tCreated) / 1000, 2),
      final_status: finalRun.status,
      result_counts: finalRun.result_counts,
      expected_passed: expected,
      correct: problems.length === 0,
      correctness_problems: problems,
      memory: {
        idle_rss_kb: idleRss,
        after_upload_rss_kb: afterUploadRss,
        peak_rss_run_kb: srv.sampler.peakKb(tCreate, tDone),
        peak_rss_hwm_kb: hwm,
        end_rss_kb: endRss,
        rss_samples: srv.sampler.samples.length,
      },
      cpu: {
        server_seconds: cpuBefore === null || cpuAfter === null ? null : round(cpuAfter - cpuBefore, 2),
        database_seconds: dbBefore === null || dbAfterCpu === null ? null : round(dbAfterCpu - dbBefore.cpuSeconds, 2),
      },
      database_peak_pss_kb: dbPeakPss,
      storage_bytes: storageBytes,
      latency_ms: {
        first_page_during_run: summarize(duringRun),
        first_page_during_run_status: duringStatus,
        first_page_after: summarize(firstAfter),
        deep_page_after: summarize(deepAfter),
        deep_page_after_item: deepItem,
        run_get_during_run: summarize(pollLatencies),
      },
      network_errors: api.networkErrors,
      event_loop_during_run: eventLoop,
      shutdown_ms: stopped.ms,
      server_log: srv.logPath,
      t_create_ms: tCreate,
    };
    if (stopped.code !== 0) problems.push(`server exited ${stopped.signal ?? `with code ${stopped.code}`} on SIGTERM after ${stopped.ms} ms`);
    m.correct = problems.length === 0;
    return m;
  } finally {
    if (server !== null) await server.stop().catch(() => undefined);
    await database.dispose().catch((error: unknown) => ctx.progress(`${tag} could not drop the database: ${String(error)}`));
  }
}

function checkPage(page: ListView<OutputItemView>, firstIndex: number, count: number, hasMore: boolean, what: string, problems: string[]): void {
  const ids = page.data.map((it) => it.datasource_item_id);
  const want = Array.from({ length: count }, (_, i) => firstIndex + i);
  if (ids.length !== want.length || ids.some((v, i) => v !== want[i])) {
    problems.push(`${what}: datasource_item_ids ${ids[0]}…${ids.at(-1)} (${ids.length}), expected ${firstIndex}…${firstIndex + count - 1} (${count})`);
  }
  if (page.has_more !== hasMore) problems.push(`${what}: has_more ${page.has_more}, expected ${hasMore}`);
}

function report(rows: number, results: Measurement[], failures: Failure[], notes: string[]): BenchmarkReport {
  const columns = [
    'backend',
    'rows',
    'create-run ms',
    'run seconds',
    'rows/s',
    'peak RSS MB (VmHWM, whole life)',
    'peak RSS MB (create+run, sampled)',
    'first-page p50/p95 ms (during run)',
    'first-page p50/p95 ms (after)',
    'deep-page p50/p95 ms (after)',
    'correct',
    'first item after s',
    'server CPU s (run)',
    'postgres CPU s (run)',
    'postgres peak PSS MB',
    'RSS idle → after upload MB',
    'storage MB',
    'GET run p50/p95/max ms (during run)',
    'connection errors (GET retried)',
    'server event-loop max stall ms (run)',
    'upload ms',
  ];
  const table = results.map((m) => [
    m.backend,
    fmtNumber(m.rows),
    fmtNumber(m.create_run_ms),
    fmtNumber(m.run_seconds, 1),
    fmtNumber(m.rows_per_second),
    fmtMb(m.memory.peak_rss_hwm_kb),
    fmtMb(m.memory.peak_rss_run_kb),
    `${fmtP50P95(m.latency_ms.first_page_during_run)}${m.latency_ms.first_page_during_run_status === 'completed' ? ' (run had ended)' : ''}`,
    fmtP50P95(m.latency_ms.first_page_after),
    fmtP50P95(m.latency_ms.deep_page_after),
    m.correct ? 'yes' : 'NO',
    fmtNumber(m.first_item_seconds, 1),
    fmtNumber(m.cpu.server_seconds, 1),
    fmtNumber(m.cpu.database_seconds, 1),
    fmtMb(m.database_peak_pss_kb),
    `${fmtMb(m.memory.idle_rss_kb)} → ${fmtMb(m.memory.after_upload_rss_kb)}`,
    m.storage_bytes === null ? 'n/a' : fmtNumber(m.storage_bytes / 1024 / 1024, 0),
    `${fmtP50P95(m.latency_ms.run_get_during_run)} / ${fmtNumber(m.latency_ms.run_get_during_run?.max, 1)}`,
    m.network_errors.length === 0 ? '0' : `${m.network_errors.length} (${[...new Set(m.network_errors.map((e) => /\[(\w+)\]/.exec(e.error)?.[1] ?? 'error'))].join(', ')} after ${m.network_errors.map((e) => fmtNumber(e.ms / 1000, 1)).join(', ')} s)`,
    fmtNumber(m.event_loop_during_run?.max_ms),
    fmtNumber(m.upload_ms),
  ]);
  for (const f of failures) table.push([f.backend, fmtNumber(rows), ...columns.slice(2).map((c) => (c === 'correct' ? 'NO (failed)' : '—'))]);
  const allNotes = [
    ...results.map((m) => `${m.backend}: ${m.backend_description}`),
    'peak RSS: VmHWM = kernel high-water mark of the server process over its whole life, start-up included; create+run = largest VmRSS sampled every 100 ms from the create-run call to completion (PGlite: both include the embedded database); run seconds = create-run response → completed (polled every 250 ms); rows/s = rows / run seconds',
    `deep page = GET output_items?limit=100&after=<item ${rows > 200 ? fmtNumber(rows - 101) : 'N-101'}>; p50/p95 of ${results[0]?.latency_ms.first_page_after?.n ?? 'n'} requests each; "during run" = first page once the first items are committed`,
    ...results.filter((m) => !m.correct).map((m) => `${m.backend}: NOT CORRECT — ${m.correctness_problems.join('; ')}`),
    ...results.flatMap((m) => m.network_errors.map((e) => `${m.backend}: connection error on GET ${e.path} after ${e.ms} ms (failed at +${fmtNumber((e.at - m.t_create_ms) / 1000, 1)} s from the create-run call): ${e.error}`)),
    ...results.map((m) => `${m.backend}: server log ${m.server_log}`),
    ...notes,
  ];
  return { title: `jsonl run, ${fmtNumber(rows)} rows, one string_check`, columns, rows: table, notes: allNotes, data: { rows, results, failures } };
}
