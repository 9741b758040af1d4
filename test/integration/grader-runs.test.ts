import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectSchema } from '../compat/spec-schemas.ts';
import { metricVectors } from '../fixtures/metric-vectors.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, assertError, createRun, listAll, waitForRunEnd, type JsonlRow } from './api-client.ts';

/**
 * Every runnable grader type as an eval testing criterion, through whole runs: exact counts, exact
 * per-criterion results, every output item's `results[]`, and python graders that raise, return
 * garbage or never return — those rows error, the run completes. Plus the 400s a criterion earns at
 * eval create and at run create.
 */

const KEY = 'sk-grader-runs-key';
const KEY_REJECTS = 'sk-grader-runs-rejects';

// ---------------------------------------------------------------------------------------------
// The main eval: string_check, text_similarity (bleu), python and multi over 50 rows

const BLEU = 'nltk_word_tokenize+smoothing_method4';

/** A reference vector's candidate/reference pair and the nltk BLEU it scores (metric-vectors.json). */
function bleuPair(candidateStart: string): { candidate: string; reference: string; bleu: number } {
  const v = metricVectors.find((x) => x.metric === 'bleu' && x.variant === BLEU && x.candidate.startsWith(candidateStart));
  assert.ok(v, `metric-vectors.json has a bleu vector for ${JSON.stringify(candidateStart)}`);
  return { candidate: v.candidate, reference: v.reference, bleu: v.expected };
}

/** Six row shapes; `keyword` feeds the string check (ilike) and the python grader. */
const PAIRS = [
  { ...bleuPair('the quick brown fox'), keyword: 'FOX' }, // identical: bleu 1
  { ...bleuPair('The cat sat'), keyword: 'dog' }, // bleu 0.4238
  { ...bleuPair('The quick brown dog'), keyword: 'Brown' }, // bleu 0.1718
  { ...bleuPair('It is a guide to action'), keyword: 'military' }, // bleu 0.3967
  { ...bleuPair('Paris'), keyword: 'PARIS' }, // bleu 0 (case), multi exactly 0.5
  { ...bleuPair(''), keyword: 'x' }, // empty output: bleu 0
];
const WEIGHTS = [0, 0.25, 0.5, 0.75, 1];
const MAIN_ROWS = 50;

const PY_WEIGHTED = [
  'def grade(sample, item):',
  "    w = float(item['weight'])",
  "    if item['keyword'].lower() in sample['output_text'].lower():",
  '        return w',
  '    return w / 2',
  '',
].join('\n');

const keywordCheck = { type: 'string_check', name: 'keyword', input: '{{ sample.output_text }}', reference: '{{ item.keyword }}', operation: 'ilike' };
const bleuSimilarity = { type: 'text_similarity', name: 'bleu', input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: 'bleu' };

const MAIN_CRITERIA = [
  keywordCheck,
  { ...bleuSimilarity, pass_threshold: 0.3 },
  { type: 'python', name: 'weighted', source: PY_WEIGHTED, pass_threshold: 0.5 },
  { type: 'multi', name: 'blend', graders: { a: keywordCheck, b: bleuSimilarity }, calculate_output: '(a + b) / 2', pass_threshold: 0.5 },
];
const TYPES = ['string_check', 'text_similarity', 'python', 'multi'];

interface MainRow extends JsonlRow {
  item: { reference: string; keyword: string; weight: number };
  sample: { output_text: string };
}

function mainRows(): MainRow[] {
  return Array.from({ length: MAIN_ROWS }, (_, i) => {
    const pair = PAIRS[i % PAIRS.length]!;
    return { item: { reference: pair.reference, keyword: pair.keyword, weight: WEIGHTS[i % WEIGHTS.length]! }, sample: { output_text: pair.candidate } };
  });
}

/** What each criterion scores on a row, computed here from the row and the reference vectors. */
function expectedScores(i: number, row: MainRow): Array<{ score: number; passed: boolean }> {
  const pair = PAIRS[i % PAIRS.length]!;
  const contains = row.sample.output_text.toLowerCase().includes(row.item.keyword.toLowerCase());
  const keyword = contains ? 1 : 0;
  const py = contains ? row.item.weight : row.item.weight / 2;
  const blend = (keyword + pair.bleu) / 2;
  return [
    { score: keyword, passed: contains },
    { score: pair.bleu, passed: pair.bleu >= 0.3 },
    { score: py, passed: py >= 0.5 },
    { score: blend, passed: blend >= 0.5 },
  ];
}

// ---------------------------------------------------------------------------------------------
// Helpers

interface Criterion {
  id: string;
  name: string;
  type: string;
}

async function outputItems(api: ApiClient, evalId: string, runId: string): Promise<any[]> {
  const { items } = await listAll(api, `/evals/${evalId}/runs/${runId}/output_items`, { limit: 100, order: 'asc' });
  return items.sort((a, b) => a.datasource_item_id - b.datasource_item_id);
}

/** Creates the eval (201) and returns it with its criteria. */
async function createEval(api: ApiClient, testingCriteria: unknown[], itemProperties: Record<string, unknown>): Promise<{ id: string; criteria: Criterion[]; body: any }> {
  const body = await api.ok(
    'POST',
    '/evals',
    { json: { name: 'grader runs', data_source_config: { type: 'custom', item_schema: { type: 'object', properties: itemProperties } }, testing_criteria: testingCriteria } },
    201,
  );
  return { id: body.id, criteria: body.testing_criteria, body };
}

async function runToEnd(api: ApiClient, evalId: string, rows: readonly JsonlRow[]): Promise<{ run: any; items: any[] }> {
  const created = await createRun(api, evalId, { rows });
  const run = await waitForRunEnd(api, evalId, created.id, 60_000);
  expectSchema(run, 'EvalRun');
  const items = await outputItems(api, evalId, run.id);
  for (const item of items) expectSchema(item, 'EvalRunOutputItem');
  assert.equal(items.length, rows.length);
  return { run, items };
}

/** A result of `results[]` for a criterion that graded normally: exactly the spec's fields. */
function assertResult(result: any, criterion: Criterion, expected: { score: number; passed: boolean }, what: string, tolerance = 0): void {
  assert.deepEqual(Object.keys(result).sort(), ['name', 'passed', 'sample', 'score', 'type'], `${what}: ${JSON.stringify(result)}`);
  assert.equal(result.name, criterion.id, `${what}: name is the criterion id`);
  assert.equal(result.type, criterion.type, `${what}: type`);
  assert.equal(result.sample, null, `${what}: sample`);
  assert.equal(result.passed, expected.passed, `${what}: passed (score ${result.score})`);
  assert.ok(Math.abs(result.score - expected.score) <= tolerance, `${what}: score ${result.score} vs ${expected.score}`);
}

/** A result for a criterion that errored on this row: score 0, not passed, the error beside. */
function assertErroredResult(result: any, criterion: Criterion, code: string, message: RegExp, what: string): void {
  assert.equal(result.name, criterion.id, what);
  assert.equal(result.type, criterion.type, what);
  assert.equal(result.score, 0, `${what}: score`);
  assert.equal(result.passed, false, `${what}: passed`);
  assert.equal(result.sample, null, `${what}: sample`);
  assert.equal(result.error?.code, code, `${what}: ${JSON.stringify(result)}`);
  assert.match(result.error?.message ?? '', message, what);
}

const perCriterion = (criteria: readonly Criterion[], passed: readonly number[], total: number) =>
  criteria.map((c, k) => ({ testing_criteria: c.id, passed: passed[k]!, failed: total - passed[k]! }));

// ---------------------------------------------------------------------------------------------

for (const { name, open } of testDatabases()) {
  describe(`grader criteria in runs (${name})`, () => {
    let server: TestProctor;
    let api: ApiClient;
    let rejects: ApiClient;

    before(async () => {
      server = await startTestProctor(await open(), {
        PROCTOR_API_KEYS: `${KEY}=graders,${KEY_REJECTS}=graders-rejects`,
        PROCTOR_PYTHON_TIMEOUT_MS: '1000',
        PROCTOR_BATCH_SIZE: '16',
      });
      api = new ApiClient(server.url, '/v1', { authorization: `Bearer ${KEY}` });
      rejects = new ApiClient(server.url, '/v1', { authorization: `Bearer ${KEY_REJECTS}` });
    });

    after(async () => {
      await server?.close();
    });

    it('one criterion of each runnable type: exact counts, per-criterion results and results[] of every item', async () => {
      const ev = await createEval(api, MAIN_CRITERIA, { reference: { type: 'string' }, keyword: { type: 'string' }, weight: { type: 'number' } });
      assert.deepEqual(ev.criteria.map((c) => c.type), TYPES);
      for (const [k, c] of ev.criteria.entries()) {
        assert.match(c.id, new RegExp(`^${MAIN_CRITERIA[k]!.name}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
        assert.deepEqual(ev.body.testing_criteria[k], { ...MAIN_CRITERIA[k], id: c.id }, `criterion ${k} is stored as sent (pass_threshold kept)`);
      }
      // the spec's Eval has no multi branch: check the other criteria against their own schemas
      expectSchema(ev.body.testing_criteria[0], 'EvalGraderStringCheck');
      expectSchema(ev.body.testing_criteria[1], 'EvalGraderTextSimilarity');
      expectSchema(ev.body.testing_criteria[2], 'EvalGraderPython');

      const rows = mainRows();
      const { run, items } = await runToEnd(api, ev.id, rows);

      const expected = rows.map((row, i) => expectedScores(i, row));
      const passedRows = expected.filter((e) => e.every((r) => r.passed)).length;
      const perCriterionPassed = [0, 1, 2, 3].map((k) => expected.filter((e) => e[k]!.passed).length);
      // sanity of the fixture itself: every criterion both passes and fails somewhere
      for (const p of perCriterionPassed) assert.ok(p > 0 && p < MAIN_ROWS, `fixture: ${perCriterionPassed.join(', ')}`);
      assert.ok(passedRows > 0 && passedRows < MAIN_ROWS);

      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      assert.deepEqual(run.result_counts, { total: MAIN_ROWS, errored: 0, failed: MAIN_ROWS - passedRows, passed: passedRows });
      assert.deepEqual(run.per_testing_criteria_results, perCriterion(ev.criteria, perCriterionPassed, MAIN_ROWS));

      for (const [i, item] of items.entries()) {
        const what = `row ${i}`;
        assert.equal(item.datasource_item_id, i);
        assert.deepEqual(item.datasource_item, rows[i]!.item);
        assert.equal(item.results.length, 4, what);
        for (const [k, result] of item.results.entries()) assertResult(result, ev.criteria[k]!, expected[i]![k]!, `${what} criterion ${k}`, k === 0 || k === 2 ? 0 : 1e-9);
        assert.equal(item.status, expected[i]!.every((r) => r.passed) ? 'pass' : 'fail', what);
        assert.equal(item.sample.error, null, what);
        assert.deepEqual(item.sample.output, [{ role: 'assistant', content: rows[i]!.sample.output_text }], what);
      }
      // the multi threshold is inclusive: row 4 (Paris vs paris) scores exactly 0.5 and passes it
      assert.equal(items[4].results[3].score, 0.5);
      assert.equal(items[4].results[3].passed, true);
    });

    it('a python criterion that raises on some rows: those rows are errored with the message, the run completes', async () => {
      const ROWS = 20;
      const source = "def grade(sample, item):\n    if item['boom']:\n        raise ValueError('boom on row %d' % item['i'])\n    return 1.0\n";
      const ev = await createEval(
        api,
        [
          { type: 'string_check', name: 'exact', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' },
          { type: 'python', name: 'raiser', source, pass_threshold: 0.5 },
        ],
        { i: { type: 'integer' }, answer: { type: 'string' }, boom: { type: 'boolean' } },
      );
      expectSchema(ev.body, 'Eval');
      const boom = (i: number) => i % 4 === 1; // 1, 5, 9, 13, 17
      const rows = Array.from({ length: ROWS }, (_, i) => ({ item: { i, answer: `a${i}`, boom: boom(i) }, sample: { output_text: i % 2 === 0 ? `a${i}` : `b${i}` } }));
      const { run, items } = await runToEnd(api, ev.id, rows);

      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      // even rows pass both (none of them raises); odd rows that raise are errored; the rest fail
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 5, failed: 5, passed: 10 });
      assert.deepEqual(run.per_testing_criteria_results, perCriterion(ev.criteria, [10, 15], ROWS));

      for (const [i, item] of items.entries()) {
        const what = `row ${i}`;
        assertResult(item.results[0], ev.criteria[0]!, { score: i % 2 === 0 ? 1 : 0, passed: i % 2 === 0 }, what);
        if (boom(i)) {
          assert.equal(item.status, 'fail', what);
          assertErroredResult(item.results[1], ev.criteria[1]!, 'python_grader_runtime_error', new RegExp(`ValueError: boom on row ${i}$`), what);
          assert.equal(item.sample.error?.code, 'python_grader_runtime_error', what);
          assert.match(item.sample.error?.message ?? '', new RegExp(`line 3, in grade[\\s\\S]*ValueError: boom on row ${i}`), what);
        } else {
          assertResult(item.results[1], ev.criteria[1]!, { score: 1, passed: true }, what);
          assert.equal(item.status, i % 2 === 0 ? 'pass' : 'fail', what);
          assert.equal(item.sample.error, null, what);
        }
      }
    });

    it('a python criterion that returns NaN, inf, a string or None, exits or never returns: those rows are errored, the run completes', async () => {
      const source = [
        'def grade(sample, item):',
        "    mode = item['mode']",
        "    if mode == 'nan':",
        "        return float('nan')",
        "    if mode == 'inf':",
        "        return float('-inf')",
        "    if mode == 'str':",
        "        return sample['output_text']",
        "    if mode == 'none':",
        '        return None',
        "    if mode == 'exit':",
        '        raise SystemExit(3)',
        "    if mode == 'loop':",
        '        while True:',
        '            pass',
        '    return 0.75',
        '',
      ].join('\n');
      const modes: Array<[mode: string, code: string | null, message: RegExp | null]> = [
        ['ok', null, null],
        ['nan', 'python_grader_runtime_error', /NaN/],
        ['inf', 'python_grader_runtime_error', /-inf.*finite/],
        ['str', 'python_grader_runtime_error', /must return a number.*str/],
        ['none', 'python_grader_runtime_error', /must return a number.*None/],
        ['exit', 'python_grader_runtime_error', /SystemExit: 3/],
        ['loop', 'timeout', /time limit of 1 s/],
      ];
      const ev = await createEval(api, [{ type: 'python', name: 'unruly', source, pass_threshold: 0.5 }], { mode: { type: 'string' } });
      expectSchema(ev.body, 'Eval');
      const ROWS = modes.length * 2;
      const rows = Array.from({ length: ROWS }, (_, i) => ({ item: { mode: modes[i % modes.length]![0] }, sample: { output_text: '0.9' } }));
      const started = Date.now();
      const { run, items } = await runToEnd(api, ev.id, rows);
      assert.ok(Date.now() - started < 40_000, `two 1 s timeouts took ${Date.now() - started} ms`);

      assert.equal(run.status, 'completed');
      assert.equal(run.error, null);
      assert.deepEqual(run.result_counts, { total: ROWS, errored: ROWS - 2, failed: 0, passed: 2 });
      assert.deepEqual(run.per_testing_criteria_results, perCriterion(ev.criteria, [2], ROWS));
      for (const [i, item] of items.entries()) {
        const [mode, code, message] = modes[i % modes.length]!;
        const what = `row ${i} (${mode})`;
        if (code === null || message === null) {
          assertResult(item.results[0], ev.criteria[0]!, { score: 0.75, passed: true }, what);
          assert.equal(item.status, 'pass', what);
          assert.equal(item.sample.error, null, what);
          continue;
        }
        assert.equal(item.status, 'fail', what);
        assertErroredResult(item.results[0], ev.criteria[0]!, code, message, what);
        assert.deepEqual(item.sample.error, item.results[0].error, what);
      }
    });

    it('a multi criterion whose formula divides by zero on some rows: those rows are errored, score 0, never NaN', async () => {
      const ev = await createEval(
        api,
        [{ type: 'multi', name: 'ratio', graders: { hit: { type: 'string_check', name: 'hit', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' } }, calculate_output: '1 / hit', pass_threshold: 0.5 }],
        { answer: { type: 'string' } },
      );
      const ROWS = 10;
      const rows = Array.from({ length: ROWS }, (_, i) => ({ item: { answer: `a${i}` }, sample: { output_text: i % 2 === 0 ? `a${i}` : 'nope' } }));
      const { run, items } = await runToEnd(api, ev.id, rows);
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.result_counts, { total: ROWS, errored: 5, failed: 0, passed: 5 });
      assert.deepEqual(run.per_testing_criteria_results, perCriterion(ev.criteria, [5], ROWS));
      for (const [i, item] of items.entries()) {
        if (i % 2 === 0) {
          assertResult(item.results[0], ev.criteria[0]!, { score: 1, passed: true }, `row ${i}`);
        } else {
          assertErroredResult(item.results[0], ev.criteria[0]!, item.results[0].error?.code, /division by zero/, `row ${i}`);
          assert.match(item.sample.error?.message ?? '', /division by zero/);
        }
      }
    });

    it('a batch of python rows does not make Node warn about abort listeners piling up on one signal', async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
      process.on('warning', onWarning);
      try {
        const ev = await createEval(api, [{ type: 'python', name: 'half', source: 'def grade(sample, item):\n    return 0.5\n', pass_threshold: 0.5 }], {});
        const rows = Array.from({ length: 32 }, () => ({ item: {}, sample: { output_text: 'x' } }));
        const { run } = await runToEnd(api, ev.id, rows);
        assert.deepEqual(run.result_counts, { total: 32, errored: 0, failed: 0, passed: 32 });
        await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
    });

    describe('criteria rejected at eval create (400, nothing stored)', () => {
      const dsc = { type: 'custom', item_schema: { type: 'object', properties: { answer: { type: 'string' } } } };
      const exact = { type: 'string_check', name: 'exact', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' };
      const cases: Array<[what: string, criteria: unknown[], param: string, message: RegExp]> = [
        ['python with a syntax error', [{ type: 'python', name: 'p', source: 'def grade(sample, item)\n    return 1\n', pass_threshold: 0.5 }], 'testing_criteria[0].source', /SyntaxError/],
        ['python with a syntax error, second criterion', [exact, { type: 'python', name: 'p', source: 'def grade(sample, item):\n  return (1\n' }], 'testing_criteria[1].source', /SyntaxError|never closed/],
        ['python source over 256 kB', [{ type: 'python', name: 'p', source: `def grade(sample, item):\n    return 1.0\n#${'x'.repeat(262_144)}` }], 'testing_criteria[0].source', /256 kB/],
        ['multi with an unknown variable', [{ type: 'multi', name: 'm', graders: { exact }, calculate_output: 'exact + missing' }], 'testing_criteria[0].calculate_output', /unknown variable 'missing'/],
        ['multi whose formula does not parse', [{ type: 'multi', name: 'm', graders: { exact }, calculate_output: '(exact +' }], 'testing_criteria[0].calculate_output', /calculate_output/],
        ['multi with a python sub-grader that does not compile', [{ type: 'multi', name: 'm', graders: { p: { type: 'python', name: 'p', source: 'def grade(:' } }, calculate_output: 'p' }], 'testing_criteria[0].graders.p.source', /SyntaxError/],
        ['text_similarity without pass_threshold', [{ type: 'text_similarity', name: 't', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', evaluation_metric: 'bleu' }], 'testing_criteria[0].pass_threshold', /pass_threshold/],
        // No provider is configured and no key is set: a model grader could only error every row.
        ['score_model whose judge provider has no key', [exact, { type: 'score_model', name: 'judge', model: 'gpt-4o-mini', input: [{ role: 'user', content: 'Score {{ sample.output_text }}' }], pass_threshold: 0.5 }], 'testing_criteria[1].model', /gpt-4o-mini.*no API key: set OPENAI_API_KEY/],
        ['label_model inside multi, no key', [{ type: 'multi', name: 'm', graders: { l: { type: 'label_model', name: 'l', model: 'gpt-4o-mini', input: [{ role: 'user', content: 'x' }], labels: ['a', 'b'], passing_labels: ['a'] } }, calculate_output: 'l' }], 'testing_criteria[0].graders.l.model', /no API key/],
        ['cosine text_similarity, embedding provider without a key', [exact, { type: 'text_similarity', name: 'cos', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', evaluation_metric: 'cosine', pass_threshold: 0.8 }], 'testing_criteria[1].evaluation_metric', /embedding model.*no API key/],
      ];
      for (const [what, criteria, param, message] of cases) {
        it(`${what} → 400 naming ${param}`, async () => {
          const res = await rejects.post('/evals', { name: what, data_source_config: dsc, testing_criteria: criteria });
          assertError(res, 400, param, { message });
        });
      }

      it('none of them left an eval behind', async () => {
        const { items } = await listAll(rejects, '/evals', { limit: 100 });
        assert.deepEqual(items, []);
      });
    });
  });
}
