import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, answerRows, createEval, createRun, getRun, listAll, sleep, stringCheck, toJsonl, uploadFile, waitForRunEnd } from './api-client.ts';
import { kill9, killAllServes, spawnServe, startServe, stopServe, within, type Serve } from './serve-process.ts';

/**
 * The demand: "a run survives a server restart (kill -9 mid-run, start again: it finishes
 * with exact counts and no duplicate output items)". The real `proctor serve` runs as a child
 * process; it is killed with SIGKILL while a run is half graded and started again on the same
 * data. Also: a second `serve` on a PGlite data directory in use must refuse to start.
 */

const ROWS = 30_000;
const BATCH_SIZE = '200';
/** On PostgreSQL a dead process's jobs are failed over once its lease (PROCTOR_PROCESS_TTL_SECONDS) lapses. */
const RECOVERY_TIMEOUT_MS = 150_000;

const passesExact = (i: number) => i % 3 !== 1;
const passesTag = (i: number) => i % 10 < 7;

function makeRows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    item: { answer: `answer-${i}`, tag: passesTag(i) ? 'keep' : 'drop' },
    sample: { output_text: passesExact(i) ? `answer-${i}` : `nope-${i}` },
  }));
}

after(killAllServes);

for (const { name, open } of testDatabases()) {
  describe(`restart recovery (${name})`, () => {
    let dataDir: string | null = null;
    let storage: Record<string, string>;
    let first: Serve | null = null;
    let second: Serve | null = null;

    before(async () => {
      if (name === 'pglite') {
        dataDir = mkdtempSync(join(os.tmpdir(), 'proctor-restart-'));
        storage = { PROCTOR_DATA_DIR: dataDir, PROCTOR_BATCH_SIZE: BATCH_SIZE };
      } else {
        const options = await open();
        assert.equal(options.kind, 'postgres');
        storage = { PROCTOR_DATABASE_URL: options.kind === 'postgres' ? options.url : '', PROCTOR_BATCH_SIZE: BATCH_SIZE };
      }
    });

    after(async () => {
      for (const s of [first, second]) if (s) await kill9(s).catch(() => undefined);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    });

    it(`a ${ROWS}-row run killed with SIGKILL mid-way finishes after a restart with exact counts and no duplicates`, { timeout: RECOVERY_TIMEOUT_MS + 120_000 }, async (t) => {
      first = await startServe(storage);
      let api = new ApiClient(first.url);
      const ev = await createEval(api, {
        data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { answer: { type: 'string' }, tag: { type: 'string' } }, required: ['answer', 'tag'] } },
        testing_criteria: [stringCheck('exact', '{{ sample.output_text }}', '{{ item.answer }}', 'eq'), stringCheck('tag', '{{ item.tag }}', 'keep', 'eq')],
      });
      const file = await uploadFile(api, toJsonl(makeRows(ROWS)));
      const run = await createRun(api, ev.id, { fileId: file.id });

      // Wait until a tenth of the rows have output items (some batches done, others in flight), then kill -9 at once.
      const deadline = Date.now() + 120_000;
      let atKill;
      for (;;) {
        atKill = await getRun(api, ev.id, run.id);
        assert.ok(atKill.status === 'queued' || atKill.status === 'in_progress', `the run reached ${atKill.status} before the kill; raise ROWS`);
        if (atKill.result_counts.total >= ROWS / 10) break;
        assert.ok(Date.now() < deadline, 'the run never started grading');
        await sleep(10);
      }
      await kill9(first);
      assert.equal((await first.exited).signal, 'SIGKILL');
      assert.ok(atKill.result_counts.total < ROWS, `killed at ${atKill.result_counts.total}/${ROWS}`);
      t.diagnostic(`killed with ${atKill.result_counts.total}/${ROWS} rows graded`);
      const restartedAt = Date.now();

      second = await startServe(storage);
      api = new ApiClient(second.url);
      const afterRestart = await getRun(api, ev.id, run.id);
      assert.ok(afterRestart.result_counts.total >= atKill.result_counts.total, 'nothing committed before the kill was lost');

      const done = await waitForRunEnd(api, ev.id, run.id, RECOVERY_TIMEOUT_MS);
      t.diagnostic(`finished ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after the restart began`);
      let passed = 0;
      let exact = 0;
      let tag = 0;
      for (let i = 0; i < ROWS; i++) {
        if (passesExact(i)) exact++;
        if (passesTag(i)) tag++;
        if (passesExact(i) && passesTag(i)) passed++;
      }
      assert.equal(done.status, 'completed', `${JSON.stringify(done.error)}\n${second.output()}`);
      assert.deepEqual(done.result_counts, { total: ROWS, errored: 0, failed: ROWS - passed, passed });
      const [c1, c2] = ev.testing_criteria.map((c: { id: string }) => c.id);
      assert.deepEqual(done.per_testing_criteria_results, [
        { testing_criteria: c1, passed: exact, failed: ROWS - exact },
        { testing_criteria: c2, passed: tag, failed: ROWS - tag },
      ]);

      const { items } = await listAll(api, `/evals/${ev.id}/runs/${run.id}/output_items`, { limit: 100 });
      assert.equal(items.length, ROWS, 'exactly one output item per row');
      const seen = new Set<number>();
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        assert.equal(item.datasource_item_id, i, `item at position ${i}`);
        assert.ok(!seen.has(item.datasource_item_id));
        seen.add(item.datasource_item_id);
        assert.equal(item.status, passesExact(i) && passesTag(i) ? 'pass' : 'fail', `status of row ${i}`);
      }
      assert.equal(seen.size, ROWS);

      // Still a working server: a new run completes.
      const small = await createRun(api, ev.id, { rows: makeRows(10) });
      assert.equal((await waitForRunEnd(api, ev.id, small.id, 60_000)).result_counts.total, 10);
    });

    it('a second `serve` on a data directory in use exits non-zero naming the directory; the first keeps working', { skip: name !== 'pglite' ? 'only PGlite data directories are exclusive' : false, timeout: 120_000 }, async () => {
      assert.ok(dataDir !== null);
      if (second === null || !second.alive()) second = await startServe(storage);
      const api = new ApiClient(second.url);
      const ev = await createEval(api);
      // Busy: a run in progress while the intruder starts.
      const run = await createRun(api, ev.id, { rows: answerRows(5000, (i) => i % 2 === 0) });
      const lockPath = join(dataDir, 'proctor.lock');
      assert.ok(existsSync(lockPath), 'the running server holds a lock file');
      const lockBefore = readFileSync(lockPath, 'utf8');

      const intruder = await spawnServe(storage);
      const result = await within(intruder.exited, 60_000);
      if (result === null) {
        await kill9(intruder);
        assert.fail(`the second serve did not exit within 60 s:\n${intruder.output()}`);
      }
      assert.notEqual(result.code, 0, `second serve exit code ${result.code}`);
      assert.equal(result.signal, null);
      assert.match(intruder.output(), /data directory/i);
      assert.match(intruder.output(), /in use/i);
      assert.ok(intruder.output().includes(dataDir), `the message names ${dataDir}:\n${intruder.output()}`);
      // It never listened.
      await assert.rejects(fetch(`${intruder.url}/health`, { signal: AbortSignal.timeout(2000) }));

      assert.equal(readFileSync(lockPath, 'utf8'), lockBefore, 'the lock still belongs to the first server');
      assert.equal((await fetch(`${second.url}/health`)).status, 200);
      const done = await waitForRunEnd(api, ev.id, run.id, 60_000);
      assert.equal(done.status, 'completed');
      assert.deepEqual(done.result_counts, { total: 5000, errored: 0, failed: 2500, passed: 2500 });
      assert.equal((await listAll(api, `/evals/${ev.id}/runs/${run.id}/output_items`, { limit: 100 })).items.length, 5000);

      // And what it wrote survives a clean restart.
      await stopServe(second);
      assert.ok(!existsSync(lockPath), 'a clean stop releases the lock');
      second = await startServe(storage);
      const reread = await getRun(new ApiClient(second.url), ev.id, run.id);
      assert.deepEqual(reread.result_counts, done.result_counts);
    });
  });
}
