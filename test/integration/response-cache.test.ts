import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { allItems, createGoEval, expectEveryRowOnce, goRun, runToEnd, writeConfig } from './scale-out-fixtures.ts';

/**
 * The response cache (opt-in per model, per run by metadata `proctor.cache`) and adaptive
 * concurrency against a provider that answers 429 above what it allows, on both backends.
 */
const MODELS = {
  cached: { upstream: 'fake-cached', cache: 'read_write' },
  uncached: { upstream: 'fake-uncached' },
  // No max_concurrency: the default 64, which the provider below does not allow.
  adaptive: { upstream: 'fake-adaptive' },
} as const;

for (const db of testDatabases()) {
  describe(`response cache and adaptive concurrency (${db.name})`, () => {
    let fake: FakeOpenAI;
    let dir: string;
    let proctor: TestProctor;
    let client: OpenAI;
    let evalId: string;

    before(async () => {
      fake = await startFakeOpenAI({ recordRequests: 5000 });
      dir = mkdtempSync(join(os.tmpdir(), 'proctor-cache-'));
      proctor = await startTestProctor(await db.open(), { PROCTOR_CONFIG: writeConfig(dir, fake, MODELS), PROCTOR_SAMPLING_BATCH_SIZE: '25' });
      client = new OpenAI({ baseURL: `${proctor.url}/v1`, apiKey: 'sk-any-key-1234', maxRetries: 0 });
      evalId = await createGoEval(client);
    });
    after(async () => {
      await proctor?.close();
      await fake?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const calls = (upstream: string) => fake.stats.byModel[upstream] ?? 0;
    const ROWS = 30;
    const T0 = { temperature: 0, seed: 7, max_completion_tokens: 50 };

    it('a repeated run at temperature 0 makes no upstream call and its answers are identical; hits are counted', async () => {
      fake.resetStats();
      const first = await runToEnd(client, evalId, goRun('cached', ROWS, { sampling_params: T0 }));
      assert.equal(first.result_counts.passed, ROWS);
      assert.equal(calls(MODELS.cached.upstream), ROWS);
      const second = await runToEnd(client, evalId, goRun('cached', ROWS, { sampling_params: T0 }));
      assert.deepEqual(second.result_counts, first.result_counts);
      assert.equal(calls(MODELS.cached.upstream), ROWS, 'the second run was answered by the cache alone');
      const [a, b] = [await allItems(client, evalId, first.id), await allItems(client, evalId, second.id)];
      expectEveryRowOnce(b, ROWS);
      for (let i = 0; i < ROWS; i++) assert.equal(JSON.stringify(b[i]!.sample), JSON.stringify(a[i]!.sample), `row ${i}: the cached answer is the first one, bit for bit`);
      assert.deepEqual(second.per_model_usage, first.per_model_usage);
      const metrics = await (await fetch(`${proctor.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`proctor_response_cache_hits_total\\{model="fake/${MODELS.cached.upstream}"\\} ${ROWS}\\b`));
      const row = await proctor.database.db.selectFrom('runs').select('cache_hits').where('id', '=', second.id).executeTakeFirstOrThrow();
      assert.equal(row.cache_hits, ROWS);
    });

    it('any changed parameter misses: seed, max tokens, messages', async () => {
      fake.resetStats();
      await runToEnd(client, evalId, goRun('cached', ROWS, { sampling_params: { ...T0, seed: 8 } }));
      assert.equal(calls(MODELS.cached.upstream), ROWS);
      await runToEnd(client, evalId, goRun('cached', ROWS, { sampling_params: { ...T0, max_completion_tokens: 51 } }));
      assert.equal(calls(MODELS.cached.upstream), 2 * ROWS);
      // More rows: the first 30 are cached, the rest are new messages.
      await runToEnd(client, evalId, goRun('cached', ROWS + 5, { sampling_params: T0 }));
      assert.equal(calls(MODELS.cached.upstream), 2 * ROWS + 5);
    });

    it('temperature > 0 (or unset) is never cached; run metadata turns the cache off, read-only, or on for a model without it', async () => {
      fake.resetStats();
      for (let i = 0; i < 2; i++) await runToEnd(client, evalId, goRun('cached', 5, { sampling_params: { temperature: 0.7, seed: 1 } }));
      for (let i = 0; i < 2; i++) await runToEnd(client, evalId, goRun('cached', 5, { sampling_params: { seed: 1 } }));
      assert.equal(calls(MODELS.cached.upstream), 20, 'nothing sampled with temperature > 0 came from the cache');

      fake.resetStats();
      await runToEnd(client, evalId, goRun('cached', ROWS, { sampling_params: T0, metadata: { 'proctor.cache': 'off' } }));
      assert.equal(calls(MODELS.cached.upstream), ROWS, 'proctor.cache: off bypasses the cache');

      fake.resetStats();
      const fresh = { ...T0, seed: 99 };
      await runToEnd(client, evalId, goRun('uncached', 10, { sampling_params: fresh, metadata: { 'proctor.cache': 'read_only' } }));
      await runToEnd(client, evalId, goRun('uncached', 10, { sampling_params: fresh, metadata: { 'proctor.cache': 'read_only' } }));
      assert.equal(calls(MODELS.uncached.upstream), 20, 'read_only stores nothing');
      await runToEnd(client, evalId, goRun('uncached', 10, { sampling_params: fresh, metadata: { 'proctor.cache': 'read_write' } }));
      await runToEnd(client, evalId, goRun('uncached', 10, { sampling_params: fresh, metadata: { 'proctor.cache': 'read_only' } }));
      assert.equal(calls(MODELS.uncached.upstream), 30, 'read_write stored them; read_only then reads them');
      await runToEnd(client, evalId, goRun('uncached', 10, { sampling_params: fresh }));
      assert.equal(calls(MODELS.uncached.upstream), 40, 'a model without cache config does not read the cache by itself');
    });

    it('adaptive concurrency: a provider allowing 6 in flight, no limit configured: every row passes and few calls are refused', async (t) => {
      fake.resetStats();
      const ALLOWED = 6;
      fake.setBehavior({ latencyMs: 15, retryAfterMs: 10, outcome: () => ((fake.stats.inFlightByModel[MODELS.adaptive.upstream] ?? 0) > ALLOWED ? '429' : undefined) });
      const ROWS_A = 600;
      const run = await runToEnd(client, evalId, goRun('adaptive', ROWS_A), 180_000);
      fake.setBehavior({});
      const refused = fake.stats.byOutcome['429'] ?? 0;
      const metrics = await (await fetch(`${proctor.url}/metrics`)).text();
      const effective = /proctor_model_concurrency_effective\{model="fake\/fake-adaptive"\} (\d+)/.exec(metrics)?.[1];
      t.diagnostic(`${refused} refused of ${ROWS_A + refused} attempts; effective concurrency at the end ${effective}`);
      assert.deepEqual(run.result_counts, { total: ROWS_A, errored: 0, failed: 0, passed: ROWS_A }, 'no row lost to 429s');
      // Without back-off, 64 in flight against 6 allowed: most attempts refused, rows exhausting their retries.
      assert.ok(refused < ROWS_A * 0.25, `${refused} attempts refused for ${ROWS_A} rows`);
      assert.ok(effective !== undefined && Number(effective) <= ALLOWED + 1, `effective concurrency ${effective}`);
    });
  });
}
