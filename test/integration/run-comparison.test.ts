import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mcnemarExactP } from '../../src/stats/mcnemar-exact.ts';
import { pairedDifferenceInterval } from '../../src/stats/paired-difference-interval.ts';
import { wilsonInterval } from '../../src/stats/wilson-interval.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, answerRows, answerSchema, assertError, createEval, createRun, stringCheck, waitForRunEnd } from './api-client.ts';

/**
 * `GET /evals/{id}/compare`: two runs of one eval with a known set of regressions and fixes on one
 * criterion and none on another; counts, statistics, item lists and their paging are exact.
 */
const N = 300;
const basePasses = (i: number) => i % 10 !== 0;
// Head breaks every 7th item and fixes every 20th.
const headPasses = (i: number) => (i % 10 !== 0 && i % 7 !== 0) || i % 20 === 0;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const expectedRegressions = range(N).filter((i) => basePasses(i) && !headPasses(i));
const expectedFixes = range(N).filter((i) => !basePasses(i) && headPasses(i));

const criteria = [
  stringCheck('answer matches', '{{ sample.output_text }}', '{{ item.answer }}', 'eq'),
  stringCheck('answer given', '{{ item.answer }}', 'a', 'like'),
];

for (const { name, open } of testDatabases()) {
  describe(`run comparison (${name})`, () => {
    let server: TestProctor;
    let api: ApiClient;
    let other: ApiClient;
    let evalId: string;
    let baseId: string;
    let headId: string;
    let ids: { answer: string; given: string };

    before(async () => {
      server = await startTestProctor(await open(), { PROCTOR_API_KEYS: 'sk-cmp-a=alpha,sk-cmp-b=beta' });
      api = new ApiClient(server.url, '/v1', { authorization: 'Bearer sk-cmp-a' });
      other = new ApiClient(server.url, '/v1', { authorization: 'Bearer sk-cmp-b' });
      const ev = await createEval(api, { data_source_config: { type: 'custom', item_schema: answerSchema}, testing_criteria: criteria });
      evalId = ev.id;
      ids = { answer: ev.testing_criteria[0].id, given: ev.testing_criteria[1].id };
      const base = await createRun(api, evalId, { rows: answerRows(N, basePasses) });
      const head = await createRun(api, evalId, { rows: answerRows(N, headPasses) });
      baseId = base.id;
      headId = head.id;
      assert.equal((await waitForRunEnd(api, evalId, baseId)).status, 'completed');
      assert.equal((await waitForRunEnd(api, evalId, headId)).status, 'completed');
    });

    after(async () => {
      await server?.close();
    });

    it('pairs the items and counts, per criterion, exactly', async () => {
      const cmp = await api.ok('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}`);
      assert.equal(cmp.object, 'eval.run_comparison');
      assert.equal(cmp.eval_id, evalId);
      assert.equal(cmp.base_run_id, baseId);
      assert.equal(cmp.head_run_id, headId);
      assert.deepEqual(cmp.criteria.map((c: { testing_criteria: string; name: string }) => [c.testing_criteria, c.name]), [
        [ids.answer, 'answer matches'],
        [ids.given, 'answer given'],
      ]);
      const [answer, given] = cmp.criteria;
      const b = expectedRegressions.length;
      const c = expectedFixes.length;
      const a = range(N).filter((i) => basePasses(i) && headPasses(i)).length;
      const d = N - a - b - c;
      assert.equal(answer.paired, N);
      assert.deepEqual([answer.both_pass, answer.regressions, answer.fixes, answer.both_fail], [a, b, c, d]);
      assert.equal(answer.base.passed, a + b);
      assert.equal(answer.head.passed, a + c);
      assert.equal(answer.base.pass_rate, (a + b) / N);
      assert.deepEqual(answer.base.interval, wilsonInterval(a + b, N));
      assert.deepEqual(answer.head.interval, wilsonInterval(a + c, N));
      assert.deepEqual(answer.difference, pairedDifferenceInterval({ bothPass: a, regressions: b, fixes: c, bothFail: d }));
      assert.equal(answer.p_value, mcnemarExactP(b, c));
      assert.equal(answer.significant, true);
      assert.ok(answer.p_value < 0.05);
      // string_check scores 1 or 0: the mean score is the pass rate.
      assert.equal(answer.scores.paired, N);
      assert.ok(Math.abs(answer.scores.base_mean - (a + b) / N) < 1e-12);
      assert.ok(Math.abs(answer.scores.head_mean - (a + c) / N) < 1e-12);
      assert.ok(Math.abs(answer.scores.delta_mean - (c - b) / N) < 1e-12);
      assert.deepEqual([given.both_pass, given.regressions, given.fixes, given.both_fail], [N, 0, 0, 0]);
      assert.equal(given.p_value, 1);
      assert.equal(given.significant, false);
      assert.equal(given.difference.estimate, 0);

      assert.deepEqual(cmp.regressions.data.map((r: { datasource_item_id: number }) => r.datasource_item_id), expectedRegressions);
      assert.deepEqual(cmp.fixes.data.map((r: { datasource_item_id: number }) => r.datasource_item_id), expectedFixes);
      assert.equal(cmp.regressions.has_more, false);
      const first = cmp.regressions.data[0];
      assert.deepEqual(first.testing_criteria, [ids.answer]);
      const baseItem = await api.ok('GET', `/evals/${evalId}/runs/${baseId}/output_items/${first.base_output_item_id}`);
      const headItem = await api.ok('GET', `/evals/${evalId}/runs/${headId}/output_items/${first.head_output_item_id}`);
      assert.equal(baseItem.datasource_item_id, first.datasource_item_id);
      assert.equal(headItem.datasource_item_id, first.datasource_item_id);
      assert.equal(baseItem.status, 'pass');
      assert.equal(headItem.status, 'fail');
    });

    it('pages the item lists', async () => {
      const seen: number[] = [];
      let cursor: number | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const q: string = cursor === null ? '' : `&regressions_after=${cursor}`;
        const cmp = await api.ok('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}&limit=7${q}`);
        assert.ok(cmp.regressions.data.length <= 7);
        seen.push(...cmp.regressions.data.map((r: { datasource_item_id: number }) => r.datasource_item_id));
        if (!cmp.regressions.has_more) break;
        cursor = seen.at(-1)!;
      }
      assert.deepEqual(seen, expectedRegressions);
    });

    it('swapping base and head swaps regressions and fixes', async () => {
      const cmp = await api.ok('GET', `/evals/${evalId}/compare?base=${headId}&head=${baseId}`);
      assert.deepEqual(cmp.regressions.data.map((r: { datasource_item_id: number }) => r.datasource_item_id), expectedFixes);
      assert.equal(cmp.criteria[0].regressions, expectedFixes.length);
    });

    it('is served under the Azure paths too', async () => {
      const azure = new ApiClient(server.url, '/openai', { 'api-key': 'sk-cmp-a', 'aoai-evals': 'preview' });
      const cmp = await azure.ok('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}&api-version=preview`);
      assert.equal(cmp.criteria[0].regressions, expectedRegressions.length);
      const v1 = new ApiClient(server.url, '/openai/v1', { 'api-key': 'sk-cmp-a', 'aoai-evals': 'preview' });
      assert.equal((await v1.ok('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}`)).object, 'eval.run_comparison');
    });

    it('400 names a missing or bad parameter; 404 for unknown and other-project ids', async () => {
      assertError(await api.request('GET', `/evals/${evalId}/compare?head=${headId}`), 400, 'base');
      assertError(await api.request('GET', `/evals/${evalId}/compare?base=${baseId}`), 400, 'head');
      assertError(await api.request('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}&limit=0`), 400, 'limit');
      assertError(await api.request('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}&fixes_after=x`), 400, 'fixes_after');
      assertError(await api.request('GET', `/evals/${evalId}/compare?base=evalrun_nope&head=${headId}`), 404, 'run_id');
      assertError(await api.request('GET', `/evals/eval_nope/compare?base=${baseId}&head=${headId}`), 404, 'eval_id');
      assertError(await other.request('GET', `/evals/${evalId}/compare?base=${baseId}&head=${headId}`), 404, 'eval_id');
      // A run of another eval is not found in this one.
      const ev2 = await createEval(api);
      const run2 = await createRun(api, ev2.id, { rows: answerRows(3, () => true) });
      assertError(await api.request('GET', `/evals/${evalId}/compare?base=${baseId}&head=${run2.id}`), 404, 'run_id');
    });
  });
}
