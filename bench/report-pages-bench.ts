import { sql } from 'kysely';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { openDatabase } from '../src/storage/database.ts';
import { fmtNumber, summarize, type LatencySummary } from './stats.ts';

/**
 * `report`: the web report's page server times on runs of PROCTOR_BENCH_REPORT_ROWS items
 * (default 1,000,000). Two runs of one eval (string_check + text_similarity) are written by direct
 * SQL before the server starts (as the runner would have left them: output items, per-criterion
 * grades, score bins, counts), then every page is requested PROCTOR_BENCH_PAGE_SAMPLES times and
 * the server's own time (its `Server-Timing: app` header) is reported, p50 / p95 in ms.
 */
const EVAL_ID = 'eval_bench0000000000000000000000000001';
const BASE_ID = 'evalrun_bench000000000000000000000000001';
const HEAD_ID = 'evalrun_bench000000000000000000000000002';
const CRITERIA = [
  { id: 'exact-00000000-0000-4000-8000-000000000001', name: 'exact', type: 'string_check', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' },
  { id: 'fuzzy-00000000-0000-4000-8000-000000000002', name: 'fuzzy', type: 'text_similarity', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', evaluation_metric: 'fuzzy_match', pass_threshold: 0.8 },
];

function intEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

async function seed(env: Record<string, string>, rows: number, progress: (l: string) => void): Promise<void> {
  const database = await openDatabase(env['PROCTOR_DATABASE_URL'] ? { kind: 'postgres', url: env['PROCTOR_DATABASE_URL'] } : { kind: 'pglite', dataDir: env['PROCTOR_DATA_DIR']! });
  const db = database.db;
  try {
    const now = Math.floor(Date.now() / 1000);
    await sql`insert into proctor.evals (id, project, name, data_source_config, testing_criteria, metadata, created_at, updated_at)
      values (${EVAL_ID}, 'default', 'bench report', ${JSON.stringify({ type: 'custom', schema: { type: 'object' } })}, ${JSON.stringify(CRITERIA)}, '{}', ${now}, ${now})`.execute(db);
    for (const [runId, shift] of [[BASE_ID, 0], [HEAD_ID, 1]] as const) {
      progress(`report: writing ${fmtNumber(rows)} items of ${runId}`);
      await sql`insert into proctor.runs (id, project, eval_id, name, model, status, data_source, metadata, created_at, row_count, batch_count, batches_done, finished_at)
        values (${runId}, 'default', ${EVAL_ID}, ${runId === BASE_ID ? 'base' : 'head'}, '', 'completed', ${JSON.stringify({ type: 'jsonl', source: { type: 'file_id', id: 'file-bench' } })}, '{}', ${now + shift}, ${rows}, 1, 1, ${now + shift})`.execute(db);
      // Row i is right in the base when i % 10 < 7, in the head when (i + 3) % 10 < 7 (so some
      // rows flip both ways); the fuzzy score is a deterministic value in [0, 1]; 0.1 % error out.
      for (let from = 0; from < rows; from += 100_000) {
        const to = Math.min(rows, from + 100_000) - 1;
        await sql`
          insert into proctor.output_items (id, run_id, eval_id, datasource_item_id, status, datasource_item, results, sample, created_at, error_code)
          select 'outputitem_' || md5(${sql.lit(runId)} || i), ${sql.lit(runId)}, ${sql.lit(EVAL_ID)}, i,
            case when ((i + ${sql.lit(shift * 3)}) % 10) < 7 and i % 1000 <> 999 then 'pass' else 'fail' end,
            json_build_object('id', i, 'question', 'What is item ' || i || '?', 'answer', 'B'),
            json_build_array(
              json_build_object('name', ${sql.lit(CRITERIA[0]!.id)}, 'type', 'string_check', 'score', case when ((i + ${sql.lit(shift * 3)}) % 10) < 7 then 1 else 0 end, 'passed', ((i + ${sql.lit(shift * 3)}) % 10) < 7, 'sample', null),
              json_build_object('name', ${sql.lit(CRITERIA[1]!.id)}, 'type', 'text_similarity', 'score', ((i::bigint * 7919) % 1000) / 1000.0, 'passed', ((i::bigint * 7919) % 1000) >= 800, 'sample', null)),
            json_build_object('input', json_build_array(), 'output', json_build_array(json_build_object('role', 'assistant', 'content', case when ((i + ${sql.lit(shift * 3)}) % 10) < 7 then 'B' else 'answer ' || i end)),
              'finish_reason', 'stop', 'model', '', 'usage', json_build_object('total_tokens', 0, 'completion_tokens', 0, 'prompt_tokens', 0, 'cached_tokens', 0),
              'error', case when i % 1000 = 999 then json_build_object('code', 'rate_limit_exceeded', 'message', 'x') end, 'temperature', 1, 'max_completion_tokens', 0, 'top_p', 1, 'seed', 0),
            ${sql.lit(now)}, case when i % 1000 = 999 then 'rate_limit_exceeded' end
          from generate_series(${from}::int, ${to}::int) i`.execute(db);
        await sql`
          insert into proctor.output_item_grades (run_id, position, datasource_item_id, passed, score)
          select ${sql.lit(runId)}, 0, i, ((i + ${sql.lit(shift * 3)}) % 10) < 7, case when ((i + ${sql.lit(shift * 3)}) % 10) < 7 then 1 else 0 end from generate_series(${from}::int, ${to}::int) i
          union all
          select ${sql.lit(runId)}, 1, i, ((i::bigint * 7919) % 1000) >= 800, ((i::bigint * 7919) % 1000) / 1000.0 from generate_series(${from}::int, ${to}::int) i`.execute(db);
      }
      await sql`insert into proctor.run_score_bins (run_id, position, value, count)
        select run_id, position, round(score::numeric, 2)::double precision, count(*) from proctor.output_item_grades where run_id = ${sql.lit(runId)} group by 1, 2, 3`.execute(db);
      await sql`insert into proctor.run_criterion_counts (run_id, criterion_id, position, passed, failed)
        select ${sql.lit(runId)}, case position when 0 then ${sql.lit(CRITERIA[0]!.id)} else ${sql.lit(CRITERIA[1]!.id)} end, position, count(*) filter (where passed), count(*) filter (where not passed)
        from proctor.output_item_grades where run_id = ${sql.lit(runId)} group by position`.execute(db);
      await sql`update proctor.runs r set passed = c.p, errored = c.e, failed = c.n - c.p - c.e
        from (select count(*) filter (where status = 'pass') p, count(*) filter (where error_code is not null) e, count(*) n from proctor.output_items where run_id = ${sql.lit(runId)}) c
        where r.id = ${sql.lit(runId)}`.execute(db);
    }
    await sql`analyze`.execute(db);
  } finally {
    await database.close();
  }
}

async function setRunStatus(env: Record<string, string>, runId: string, status: string): Promise<void> {
  const database = await openDatabase(env['PROCTOR_DATABASE_URL'] ? { kind: 'postgres', url: env['PROCTOR_DATABASE_URL'] } : { kind: 'pglite', dataDir: env['PROCTOR_DATA_DIR']! });
  try {
    await sql`update proctor.runs set status = ${status} where id = ${runId}`.execute(database.db);
  } finally {
    await database.close();
  }
}

export const reportPagesBenchmark: Benchmark = {
  name: 'report',
  description: 'web report page server times at PROCTOR_BENCH_REPORT_ROWS items per run (default 1,000,000)',
  async run(ctx: BenchContext): Promise<BenchmarkReport> {
    const rows = intEnv('PROCTOR_BENCH_REPORT_ROWS', 1_000_000);
    const base = `/evals/${EVAL_ID}/runs/${BASE_ID}`;
    const fuzzy = CRITERIA[1]!.id;
    const pages: Array<[string, string]> = [
      ['evals list /', '/'],
      ['eval page', `/evals/${EVAL_ID}`],
      ['run report', base],
      ['items: failed', `${base}?status=fail`],
      ['items: errored', `${base}?status=errored`],
      ['items: criterion failed', `${base}?crit=${fuzzy}&verdict=failed`],
      ['items: by score asc', `${base}?crit=${fuzzy}&sort=score_asc`],
      ['items: deep page', `${base}?after=${Math.floor(rows * 0.9)}`],
      ['items: search (5k rows)', `${base}?q=answer%20${Math.floor(rows / 2) + 1}`],
      ['item detail', ''],
      ['progress json', `${base}/progress`],
      ['compare', `/evals/${EVAL_ID}/compare?base=${BASE_ID}&head=${HEAD_ID}`],
      ['compare: deep page', `/evals/${EVAL_ID}/compare?base=${BASE_ID}&head=${HEAD_ID}&regressions_after=${Math.floor(rows * 0.9)}&fixes_after=${Math.floor(rows * 0.9)}`],
      // The same two runs with the head marked in progress: compared live, never kept.
      ['compare: head in progress', `/evals/${EVAL_ID}/compare?base=${BASE_ID}&head=${HEAD_ID}`],
    ];
    const results: Record<string, Record<string, { server: LatencySummary | null; wall: LatencySummary | null; status: number }>> = {};
    const notes: string[] = [`${fmtNumber(rows)} items per run, two runs, ${ctx.settings.pageSamples} requests per page (first one untimed); server = Server-Timing app (ms), p50 / p95`];
    for (const name of ctx.backends) {
      const backend = await ctx.backend(name);
      if (typeof backend === 'string') {
        notes.push(`${name}: skipped (${backend})`);
        continue;
      }
      const database = await backend.freshDatabase();
      try {
        const started = Date.now();
        await seed(database.env, rows, (line) => ctx.progress(line));
        notes.push(`${name}: seeding took ${fmtNumber((Date.now() - started) / 1000, 1)} s`);
        const server = await ctx.startServer(database, `report-${name}`);
        try {
          const itemRes = await fetch(`${server.url}/v1/evals/${EVAL_ID}/runs/${BASE_ID}/output_items?limit=1&order=desc`);
          const itemId = ((await itemRes.json()) as { data: Array<{ id: string }> }).data[0]?.id ?? '';
          results[name] = {};
          for (const [label, path0] of pages) {
            const path = label === 'item detail' ? `${base}/items/${itemId}` : path0;
            const server_: number[] = [];
            const wall: number[] = [];
            let status = 0;
            if (label === 'compare: head in progress') {
              // PGlite's data directory is the running server's alone: the case needs PostgreSQL.
              if (!database.env['PROCTOR_DATABASE_URL']) continue;
              await setRunStatus(database.env, HEAD_ID, 'in_progress');
            }
            // A live comparison reads both runs' grades whole: two timed requests.
            const samples = label === 'compare: head in progress' ? Math.min(2, ctx.settings.pageSamples) : ctx.settings.pageSamples;
            for (let i = 0; i <= samples; i++) {
              const t0 = performance.now();
              const res = await fetch(server.url + path);
              await res.arrayBuffer();
              const t1 = performance.now();
              status = res.status;
              const dur = /dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1];
              if (i === 0) {
                // The first request of two finished runs fills the kept comparison (run_comparisons).
                if (label === 'compare' && dur !== undefined) notes.push(`${name}: compare, first request (fills the kept comparison): ${fmtNumber(Number(dur), 1)} ms`);
                continue;
              }
              wall.push(t1 - t0);
              if (dur !== undefined) server_.push(Number(dur));
            }
            results[name][label] = { server: summarize(server_), wall: summarize(wall), status };
            ctx.progress(`report ${name}: ${label} p50 ${summarize(server_)?.p50 ?? 'n/a'} ms`);
          }
        } finally {
          await server.stop();
        }
      } finally {
        await database.dispose();
      }
    }
    const backends = Object.keys(results);
    return {
      title: `report pages at ${fmtNumber(rows)} items`,
      columns: ['page', ...backends.map((b) => `${b} server p50 / p95 ms`)],
      rows: pages.map(([label]) => [label, ...backends.map((b) => {
        const r = results[b]![label];
        if (r === undefined) return 'n/a';
        return r.status !== 200 ? `HTTP ${r.status}` : `${fmtNumber(r.server?.p50 ?? Number.NaN, 1)} / ${fmtNumber(r.server?.p95 ?? Number.NaN, 1)}`;
      })]),
      notes,
      data: { rows, results },
    };
  },
};
