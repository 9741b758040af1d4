import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startFakeOpenAI, type FakeOpenAI, type FakeRequest } from '../test/support/fake-openai/fake-openai.ts';
import { ApiClient, type RunView } from './api-client.ts';
import type { Backend, FreshDatabase } from './backends.ts';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { sleep } from './net-util.ts';
import type { ProctorProcess } from './proctor-process.ts';

/**
 * Scaling out (docs/scaling.md): what holds across processes on one PostgreSQL and what it costs.
 * - limits: 3 servers, one model with max_concurrency 8 and rpm 600, a fake counting in-flight
 *   requests and requests per sliding minute: the maxima seen.
 * - adaptive: a fake that allows 20 in flight and answers 429 above; a model with no limit vs one
 *   configured at exactly 20: retried % and rows/s.
 * - failover: kill -9 one of two servers mid-batch: seconds until its batch runs again.
 * - cache: the same completions run twice with the cache on: second run rows/s, hits, upstream calls.
 * The fake runs in this process (its 429 rule needs its live in-flight count).
 */
type Case = 'limits' | 'adaptive' | 'failover' | 'cache';
const CASES: readonly Case[] = ['limits', 'adaptive', 'failover', 'cache'];

function casesFromEnv(): Case[] {
  const raw = (process.env['PROCTOR_BENCH_SCALE_CASES'] ?? '').trim();
  if (raw === '') return [...CASES];
  return raw.split(',').map((c) => c.trim()).filter((c): c is Case => (CASES as readonly string[]).includes(c));
}

const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
};

function writeConfig(dir: string, fake: FakeOpenAI, models: Record<string, Record<string, unknown>>): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  const entries = Object.fromEntries(Object.entries(models).map(([name, m]) => [name, { provider: 'fake', ...m }]));
  writeFileSync(path, JSON.stringify({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey } }, models: entries }));
  return path;
}

const rowsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ item: { n: i } }));

async function createEval(api: ApiClient): Promise<string> {
  const ev = await api.post<{ id: string }>('/evals', {
    name: 'bench scale-out',
    data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, include_sample_schema: true },
    testing_criteria: [{ type: 'string_check', name: 'echo', input: '{{ sample.output_text }}', reference: 'reply: go {{ item.n }}', operation: 'eq' }],
  });
  return ev.body.id;
}

async function startRun(api: ApiClient, evalId: string, model: string, rows: number, samplingParams?: Record<string, unknown>): Promise<string> {
  const run = await api.post<RunView>(`/evals/${evalId}/runs`, {
    name: `${model} x ${rows}`,
    data_source: {
      type: 'completions',
      model,
      input_messages: { type: 'template', template: [{ role: 'user', content: 'go {{ item.n }}' }] },
      source: { type: 'file_content', content: rowsOf(rows) },
      ...(samplingParams ? { sampling_params: samplingParams } : {}),
    },
  });
  return run.body.id;
}

async function waitRun(api: ApiClient, evalId: string, runId: string, timeoutS: number): Promise<RunView> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const run = (await api.get<RunView>(`/evals/${evalId}/runs/${runId}`)).body;
    if (run.status !== 'queued' && run.status !== 'in_progress') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutS} s`);
    await sleep(250);
  }
}

/** Starts a run and times it from its creation to `completed`. */
async function timedRun(api: ApiClient, evalId: string, model: string, rows: number, timeoutS: number, samplingParams?: Record<string, unknown>) {
  const t0 = performance.now();
  const id = await startRun(api, evalId, model, rows, samplingParams);
  const run = await waitRun(api, evalId, id, timeoutS);
  const seconds = (performance.now() - t0) / 1000;
  return { run, seconds, rowsPerSecond: rows / seconds };
}

function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

const metric = async (url: string, name: string, model: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer sk-bench' } })).text();
  const m = new RegExp(`^${name}\\{model="${model.replace('/', '\\/')}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

interface Env {
  ctx: BenchContext;
  fake: FakeOpenAI;
  tmp: string;
}

async function servers(e: Env, backend: Backend, label: string, count: number, models: Record<string, Record<string, unknown>>, extra: Record<string, string> = {}) {
  const fresh = await backend.freshDatabase();
  const database: FreshDatabase = { ...fresh, env: { ...fresh.env, PROCTOR_CONFIG: writeConfig(e.tmp, e.fake, models), ...extra } };
  const list: ProctorProcess[] = [await e.ctx.startServer(database, `${label}-0`)];
  for (let i = 1; i < count; i++) list.push(await e.ctx.startServer(database, `${label}-${i}`));
  return { fresh, list, stop: async () => {
    for (const s of list) if (s.exit === null) await s.stop();
    await fresh.dispose();
  } };
}

async function limitsCase(e: Env, backend: Backend): Promise<Record<string, number | string>> {
  const rows = intEnv('PROCTOR_BENCH_SCALE_LIMIT_ROWS', 900);
  e.fake.reset();
  e.fake.setBehavior({ latencyMs: 50 });
  const s = await servers(e, backend, 'scale-limits', 3, { limited: { model: 'fake-limited', max_concurrency: 8, rpm: 600 } }, { PROCTOR_SAMPLING_BATCH_SIZE: '20' });
  try {
    const apis = s.list.map((p) => new ApiClient(p.url));
    const evalId = await createEval(apis[0]!);
    e.ctx.progress(`[scale/limits] 3 servers, ${rows} rows per server, max_concurrency 8, rpm 600`);
    const t0 = performance.now();
    const runs = await Promise.all(apis.map((api) => startRun(api, evalId, 'limited', rows)));
    const done = await Promise.all(runs.map((id, i) => waitRun(apis[i]!, evalId, id, e.ctx.settings.runTimeoutSeconds)));
    const seconds = (performance.now() - t0) / 1000;
    const times = e.fake.stats.recorded.filter((r) => r.model === 'fake-limited').map((r) => r.at);
    return {
      backend: backend.name,
      calls: times.length,
      'max in flight (limit 8)': e.fake.stats.maxInFlightByModel['fake-limited'] ?? 0,
      'max requests in any 60 s (limit 600)': maxInWindow(times, 60_000),
      'run seconds': seconds.toFixed(1),
      passed: done.reduce((n, r) => n + r.result_counts.passed, 0),
    };
  } finally {
    await s.stop();
  }
}

async function adaptiveCase(e: Env, backend: Backend): Promise<Record<string, number | string>> {
  const rows = intEnv('PROCTOR_BENCH_SCALE_ADAPTIVE_ROWS', 10_000);
  const refused = new WeakSet<FakeRequest>();
  // Refusals come back at once (as a real gateway's do); answers after 50 ms.
  const behavior = {
    latencyMs: (req: FakeRequest) => (refused.has(req) ? 1 : 50),
    retryAfterMs: 50,
    outcome: (req: FakeRequest) => {
      if ((e.fake.stats.inFlightByModel[req.model] ?? 0) <= 20) return undefined;
      refused.add(req);
      return '429' as const;
    },
  };
  const s = await servers(e, backend, `scale-adaptive-${backend.name}`, 1, { unlimited: { model: 'fake-unlimited' }, fixed20: { model: 'fake-fixed20', max_concurrency: 20 } });
  try {
    const api = new ApiClient(s.list[0]!.url);
    const evalId = await createEval(api);
    const out: Record<string, number | string> = { backend: backend.name };
    for (const model of ['fixed20', 'unlimited']) {
      e.fake.reset();
      e.fake.setBehavior(behavior);
      e.ctx.progress(`[scale/adaptive/${backend.name}] ${model}: ${rows} rows, the provider allows 20 in flight`);
      const r = await timedRun(api, evalId, model, rows, e.ctx.settings.runTimeoutSeconds);
      const ok = e.fake.stats.byOutcome['ok'] ?? 0;
      const throttled = e.fake.stats.byOutcome['429'] ?? 0;
      out[`${model} rows/s`] = r.rowsPerSecond.toFixed(0);
      out[`${model} retried %`] = ((100 * throttled) / Math.max(1, ok + throttled)).toFixed(2);
      out[`${model} passed`] = r.run.result_counts.passed;
      out[`${model} effective concurrency at end`] = await metric(s.list[0]!.url, 'proctor_model_concurrency_effective', `fake/fake-${model}`);
    }
    out['unlimited / fixed20 rows/s %'] = ((100 * Number(out['unlimited rows/s'])) / Number(out['fixed20 rows/s'])).toFixed(1);
    return out;
  } finally {
    await s.stop();
  }
}

async function failoverCase(e: Env, backend: Backend): Promise<Record<string, number | string>> {
  const rows = intEnv('PROCTOR_BENCH_SCALE_FAILOVER_ROWS', 3000);
  e.fake.reset();
  e.fake.setBehavior({ latencyMs: 200 });
  const s = await servers(e, backend, 'scale-failover', 2, { slow: { model: 'fake-slow', max_concurrency: 32 } }, { PROCTOR_SAMPLING_BATCH_SIZE: '50' });
  const db = new pg.Client({ connectionString: s.fresh.env['PROCTOR_DATABASE_URL'] });
  await db.connect();
  try {
    const [a, b] = s.list as [ProctorProcess, ProctorProcess];
    const api = new ApiClient(a.url);
    const evalId = await createEval(api);
    const runId = await startRun(api, evalId, 'slow', rows);
    // Wait until the second server runs a batch, then kill it.
    let jobs: string[] = [];
    for (let i = 0; i < 600 && jobs.length === 0; i++) {
      const { rows: claims } = await db.query<{ job_id: string }>("select job_id from proctor.job_claims where queue = 'proctor-run-batch' and holder like $1", [`%:${b.pid}:%`]);
      jobs = claims.map((c) => c.job_id);
      if (jobs.length === 0) await sleep(50);
    }
    if (jobs.length === 0) throw new Error('the second server never took a batch');
    await sleep(500);
    const killedAt = performance.now();
    process.kill(b.pid, 'SIGKILL');
    e.ctx.progress(`[scale/failover] killed pid ${b.pid} while it ran ${jobs.length} batch(es)`);
    let again: number | null = null;
    while (again === null && performance.now() - killedAt < 120_000) {
      const { rows: claims } = await db.query<{ n: number }>('select count(*)::int as n from proctor.job_claims where job_id = any($1) and holder like $2', [jobs, `%:${a.pid}:%`]);
      const { rows: states } = await db.query<{ n: number }>("select count(*)::int as n from pgboss.job where id = any($1::uuid[]) and state = 'completed'", [jobs]);
      if (claims[0]!.n > 0 || states[0]!.n > 0) again = performance.now();
      else await sleep(25);
    }
    const run = await waitRun(api, evalId, runId, e.ctx.settings.runTimeoutSeconds);
    return {
      backend: backend.name,
      'batches held by the killed server': jobs.length,
      'seconds until its batch ran again': again === null ? 'never' : ((again - killedAt) / 1000).toFixed(2),
      'run status': run.status,
      'counts exact': String(run.result_counts.total === rows && run.result_counts.passed === rows),
    };
  } finally {
    await db.end();
    await s.stop();
  }
}

async function cacheCase(e: Env, backend: Backend): Promise<Record<string, number | string>> {
  const rows = intEnv('PROCTOR_BENCH_SCALE_CACHE_ROWS', 10_000);
  e.fake.reset();
  e.fake.setBehavior({ latencyMs: 0 });
  const s = await servers(e, backend, `scale-cache-${backend.name}`, 1, { cached: { model: 'fake-cached', max_concurrency: 64, cache: 'read_write' } });
  try {
    const url = s.list[0]!.url;
    const api = new ApiClient(url);
    const evalId = await createEval(api);
    const params = { temperature: 0, seed: 1 };
    e.ctx.progress(`[scale/cache/${backend.name}] ${rows} rows, twice`);
    const first = await timedRun(api, evalId, 'cached', rows, e.ctx.settings.runTimeoutSeconds, params);
    const callsFirst = e.fake.stats.byModel['fake-cached'] ?? 0;
    const hitsBefore = await metric(url, 'proctor_response_cache_hits_total', 'fake/fake-cached');
    const second = await timedRun(api, evalId, 'cached', rows, e.ctx.settings.runTimeoutSeconds, params);
    const hits = (await metric(url, 'proctor_response_cache_hits_total', 'fake/fake-cached')) - hitsBefore;
    return {
      backend: backend.name,
      'first run rows/s': first.rowsPerSecond.toFixed(0),
      'second run rows/s': second.rowsPerSecond.toFixed(0),
      'second run hits %': ((100 * hits) / rows).toFixed(1),
      'second run upstream calls': (e.fake.stats.byModel['fake-cached'] ?? 0) - callsFirst,
      passed: `${first.run.result_counts.passed} / ${second.run.result_counts.passed}`,
    };
  } finally {
    await s.stop();
  }
}

export const scaleOutBenchmark: Benchmark = {
  name: 'scale',
  description: 'scale-out: shared limits over 3 servers, adaptive concurrency, failover after kill -9, response cache',
  async run(ctx): Promise<BenchmarkReport> {
    const cases = casesFromEnv();
    const fake = await startFakeOpenAI({ recordRequests: 200_000, maxRequestTimes: 200_000 });
    const tmp = mkdtempSync(join(os.tmpdir(), 'proctor-bench-scale-'));
    const e: Env = { ctx, fake, tmp };
    const results: Record<string, Array<Record<string, number | string>>> = {};
    const notes: string[] = [];
    try {
      for (const c of cases) {
        const names = c === 'adaptive' || c === 'cache' ? ctx.backends : (['postgres'] as const);
        for (const name of names) {
          const backend = await ctx.backend(name);
          if (typeof backend === 'string') {
            notes.push(`${c}/${name}: skipped (${backend})`);
            continue;
          }
          try {
            const r = c === 'limits' ? await limitsCase(e, backend) : c === 'adaptive' ? await adaptiveCase(e, backend) : c === 'failover' ? await failoverCase(e, backend) : await cacheCase(e, backend);
            (results[c] ??= []).push(r);
          } catch (error) {
            notes.push(`${c}/${name}: FAILED ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
    } finally {
      await fake.close();
      rmSync(tmp, { recursive: true, force: true });
    }
    // One line per measure: `case/backend: measure`.
    const labels: string[] = [''];
    const values: string[] = ['value'];
    for (const [c, list] of Object.entries(results)) {
      for (const r of list) {
        for (const [k, v] of Object.entries(r)) {
          if (k === 'backend') continue;
          labels.push(`${c}/${r['backend']}: ${k}`);
          values.push(String(v));
        }
      }
    }
    return { title: 'scale-out', columns: labels, rows: labels.length > 1 ? [values] : [], notes, data: results };
  },
};
