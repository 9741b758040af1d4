import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { waitForRun } from '../support/start-test-proctor.ts';
import { freshPostgresUrl, postgresAvailable } from '../support/test-databases.ts';
import { sleep } from './api-client.ts';
import { allItems, clientOf, createGoEval, expectEveryRowOnce, goRun, maxInWindow, runToEnd, startServes, writeConfig } from './scale-out-fixtures.ts';
import { kill9, killAllServes, type Serve } from './serve-process.ts';

/**
 * The scaled deployment for real: several `proctor serve` processes (each also a worker) on one
 * PostgreSQL, one fake upstream that counts what reaches it.
 * - a model's max_concurrency and rpm hold across every process;
 * - a process killed with SIGKILL mid-batch: its batch runs elsewhere, its model slots come back
 *   (its lease expires), counts stay exact;
 * - cancel reaches every process: no upstream call starts for the run after it, in-flight calls abort.
 */

const MODELS = {
  capped: { upstream: 'fake-capped', max_concurrency: 4 },
  // rpm counts per PROCTOR_RATE_WINDOW_SECONDS (2 s here), so the test takes seconds, not minutes.
  paced: { upstream: 'fake-paced', rpm: 8 },
  slow: { upstream: 'fake-slow', max_concurrency: 4 },
  stopper: { upstream: 'fake-stopper', max_concurrency: 4 },
} as const;
const WINDOW_S = 2;

after(killAllServes);

describe('scale-out on PostgreSQL (several processes)', { skip: postgresAvailable ? false : 'needs PostgreSQL (PROCTOR_TEST_DATABASE_URL; npm test starts one)' }, () => {
  let fake: FakeOpenAI;
  let dir: string;
  let env: Record<string, string>;
  let serves: Serve[] = [];

  before(async () => {
    fake = await startFakeOpenAI({ recordRequests: 20_000 });
    dir = mkdtempSync(join(os.tmpdir(), 'proctor-scale-out-'));
    env = {
      PROCTOR_DATABASE_URL: await freshPostgresUrl(process.env['PROCTOR_TEST_DATABASE_URL'] ?? ''),
      PROCTOR_CONFIG: writeConfig(dir, fake, MODELS),
      PROCTOR_SAMPLING_BATCH_SIZE: '10',
      PROCTOR_PROCESS_TTL_SECONDS: '2',
      PROCTOR_RATE_WINDOW_SECONDS: String(WINDOW_S),
      PROCTOR_LOG_LEVEL: 'debug',
    };
    serves = await startServes(3, env);
  });

  after(async () => {
    await killAllServes();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('max_concurrency holds across 3 processes: never more in flight upstream, and all of it used', { timeout: 120_000 }, async (t) => {
    fake.setBehavior({ latencyMs: 100 });
    const client = clientOf(serves[0]!);
    const evalId = await createGoEval(client);
    // Three runs at once, one created through each process: batches land everywhere.
    const runs = await Promise.all(serves.map((s) => runToEnd(clientOf(s), evalId, goRun('capped', 60))));
    for (const run of runs) assert.deepEqual(run.result_counts, { total: 60, errored: 0, failed: 0, passed: 60 });
    const max = fake.stats.maxInFlightByModel[MODELS.capped.upstream];
    t.diagnostic(`max in flight ${max} (max_concurrency 4, 3 processes)`);
    assert.ok(max !== undefined && max <= 4, `${max} calls in flight at once; max_concurrency is 4`);
    assert.equal(max, 4, 'the processes together used the whole limit');
  });

  it('rpm holds across 3 processes in every sliding window', { timeout: 120_000 }, async (t) => {
    fake.setBehavior({ latencyMs: 5 });
    const client = clientOf(serves[0]!);
    const evalId = await createGoEval(client);
    const runs = await Promise.all(serves.map((s) => runToEnd(clientOf(s), evalId, goRun('paced', 8))));
    for (const run of runs) assert.equal(run.result_counts.passed, 8);
    const times = fake.stats.recorded.filter((r) => r.model === MODELS.paced.upstream).map((r) => r.at);
    assert.equal(times.length, 24);
    const max = maxInWindow(times, WINDOW_S * 1000);
    t.diagnostic(`at most ${max} requests in any ${WINDOW_S} s window (limit 8)`);
    assert.ok(max <= 8, `${max} requests within ${WINDOW_S} s; rpm is 8 per window`);
  });

  it('a process killed with SIGKILL mid-batch: its batch runs elsewhere, its slots come back, counts exact', { timeout: 120_000 }, async (t) => {
    fake.setBehavior({ latencyMs: 300 });
    const client = clientOf(serves[0]!);
    const evalId = await createGoEval(client);
    const ROWS = 120;
    const created = await client.evals.runs.create(evalId, goRun('slow', ROWS));
    // Find a process that holds slots of the model and is running a batch, other than serves[0].
    const db = new pg.Client({ connectionString: env['PROCTOR_DATABASE_URL'] });
    await db.connect();
    let victim: Serve | undefined;
    try {
      const deadline = Date.now() + 30_000;
      while (victim === undefined) {
        assert.ok(Date.now() < deadline, 'no second process took a batch');
        const { rows } = await db.query<{ holder: string }>("select distinct holder from proctor.job_claims where queue = 'proctor-run-batch'");
        const pids = new Set(rows.map((r) => Number(r.holder.split(':')[1])));
        victim = serves.slice(1).find((s) => pids.has(s.child.pid!));
        if (victim === undefined) await sleep(20);
      }
      await sleep(200); // its calls are in flight
      const killedAt = Date.now();
      await kill9(victim);
      // Its claims are failed over once its 2 s lease lapses: then some other process runs them.
      let failedOverAt: number | null = null;
      for (let i = 0; i < 300 && failedOverAt === null; i++) {
        const { rows } = await db.query<{ n: number }>('select count(*)::int as n from proctor.job_claims where holder like $1', [`%:${victim.child.pid}:%`]);
        if (rows[0]!.n === 0) failedOverAt = Date.now();
        else await sleep(50);
      }
      t.diagnostic(`the killed process's batches were handed over ${failedOverAt === null ? 'never' : `${((failedOverAt - killedAt) / 1000).toFixed(1)} s`} after the kill`);
    } finally {
      await db.end();
    }
    serves = serves.filter((s) => s !== victim);
    const run = await waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evalId }), 90_000);
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.result_counts, { total: ROWS, errored: 0, failed: 0, passed: ROWS });
    expectEveryRowOnce(await allItems(client, evalId, run.id), ROWS);
    const max = fake.stats.maxInFlightByModel[MODELS.slow.upstream]!;
    assert.ok(max <= 4, `${max} in flight; max_concurrency is 4 (a killed process's in-flight calls end with its sockets)`);
  });

  it('cancel reaches every process: no upstream call starts after it, in-flight calls are aborted', { timeout: 120_000 }, async (t) => {
    fake.setBehavior({ latencyMs: 300 });
    const client = clientOf(serves[0]!);
    const evalId = await createGoEval(client);
    const created = await client.evals.runs.create(evalId, goRun('stopper', 2000));
    const deadline = Date.now() + 30_000;
    while ((fake.stats.byModel[MODELS.stopper.upstream] ?? 0) < 20) {
      assert.ok(Date.now() < deadline, 'the run never reached the upstream');
      await sleep(20);
    }
    await client.evals.runs.cancel(created.id, { eval_id: evalId });
    const canceledAt = Date.now();
    while (fake.stats.inFlightByModel[MODELS.stopper.upstream]! > 0 && Date.now() - canceledAt < 5000) await sleep(10);
    const settled = Date.now();
    await sleep(1000);
    // The NOTIFY reaches the other processes within milliseconds of the commit; 50 ms is its allowance.
    const after = fake.stats.recorded.filter((r) => r.model === MODELS.stopper.upstream && r.at > canceledAt + 50).length;
    t.diagnostic(`in-flight calls gone ${settled - canceledAt} ms after the cancel answered; ${after} calls started after it`);
    assert.equal(fake.stats.inFlightByModel[MODELS.stopper.upstream], 0, 'in-flight calls were aborted');
    if (after > 0) {
      // What each process logged about the stop (PROCTOR_LOG_LEVEL debug), to tell a lost NOTIFY from a slow one.
      for (const s of serves) t.diagnostic(`process ${s.child.pid}: ${s.output().split('\n').filter((l) => l.includes('run stopped')).join(' | ')}`);
    }
    assert.equal(after, 0, 'no upstream call started after the cancel answered');
    assert.ok(fake.stats.maxInFlightByModel[MODELS.stopper.upstream]! <= 4, 'never above max_concurrency, cancel included');
    const run = await client.evals.runs.retrieve(created.id, { eval_id: evalId });
    assert.equal(run.status, 'canceled');
  });
});
