import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI, { BadRequestError } from 'openai';
import type { GraderRunParams, GraderRunResponse, GraderValidateResponse } from 'openai/resources/fine-tuning/alpha/graders';
import { metricVectors } from '../fixtures/metric-vectors.ts';
import { testDatabases } from '../support/test-databases.ts';
import { KEY_A, openaiClient, raw, rejectsWith, useProctor } from './compat-fixtures.ts';
import { expectSchema } from './spec-schemas.ts';

/**
 * The graders endpoints (`POST /v1/fine_tuning/alpha/graders/run` and `/validate`) through the
 * official SDK, for every grader type: rewards, the full `metadata` (every error flag of the spec),
 * `sub_rewards`, the 400s a bad grader earns, and the spec shape of every 200 body.
 */

type AnyGrader = Record<string, unknown>;

const run = (client: OpenAI, grader: AnyGrader, model_sample: string, item?: Record<string, unknown>): Promise<GraderRunResponse> =>
  client.fineTuning.alpha.graders.run({ grader: grader as unknown as GraderRunParams['grader'], model_sample, ...(item !== undefined ? { item } : {}) });

const validate = (client: OpenAI, grader: AnyGrader): Promise<GraderValidateResponse> =>
  client.fineTuning.alpha.graders.validate({ grader: grader as unknown as GraderRunParams['grader'] });

/** Every error flag of `RunGraderResponse.metadata.errors`, as a grader that went well reports them. */
const NO_ERRORS = {
  formula_parse_error: false,
  sample_parse_error: false,
  truncated_observation_error: false,
  unresponsive_reward_error: false,
  invalid_variable_error: false,
  other_error: false,
  python_grader_server_error: false,
  python_grader_server_error_type: null,
  python_grader_runtime_error: false,
  python_grader_runtime_error_details: null,
  model_grader_server_error: false,
  model_grader_refusal_error: false,
  model_grader_parse_error: false,
  model_grader_server_error_details: null,
};

interface Expected {
  name: string;
  type: string;
  reward: number;
  /** `metadata.scores`; default `{ [name]: reward }` (single graders), `sub_rewards` for multi. */
  scores?: Record<string, number>;
  sub_rewards?: Record<string, number>;
  /** Flags that differ from NO_ERRORS; string details are matched with a RegExp. */
  errors?: Partial<Record<keyof typeof NO_ERRORS, boolean | RegExp>>;
  tolerance?: number;
}

const close = (actual: unknown, expected: number, tolerance: number, what: string): void => {
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)} is not a number`);
  assert.ok(Math.abs((actual as number) - expected) <= tolerance, `${what}: ${String(actual)} vs ${expected}`);
};

const closeMap = (actual: Record<string, unknown>, expected: Record<string, number>, tolerance: number, what: string): void => {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what} keys`);
  for (const [k, v] of Object.entries(expected)) close(actual[k], v, tolerance, `${what}.${k}`);
};

/** A 200 of `/graders/run`: spec shape, then every field. */
function expectRun(res: GraderRunResponse, e: Expected): void {
  expectSchema(res, 'RunGraderResponse');
  const tolerance = e.tolerance ?? 0;
  assert.deepEqual(Object.keys(res).sort(), ['metadata', 'model_grader_token_usage_per_model', 'reward', 'sub_rewards']);
  close(res.reward, e.reward, tolerance, 'reward');
  assert.ok(Number.isFinite(res.reward), 'reward is finite');
  const m = res.metadata;
  assert.equal(m.name, e.name);
  assert.equal(m.type, e.type);
  assert.equal(typeof m.execution_time, 'number');
  assert.ok(m.execution_time >= 0 && m.execution_time < 60, `execution_time ${m.execution_time}`);
  assert.equal(m.token_usage, null);
  assert.equal(m.sampled_model_name, null);
  assert.deepEqual(res.model_grader_token_usage_per_model, {});
  const subRewards = e.sub_rewards ?? {};
  closeMap(res.sub_rewards, subRewards, tolerance, 'sub_rewards');
  closeMap(m.scores, e.scores ?? (e.type === 'multi' ? subRewards : { [e.name]: e.reward }), tolerance, 'metadata.scores');

  const errors = m.errors as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(errors).sort(), Object.keys(NO_ERRORS).sort(), 'every error flag of the spec, and no other');
  for (const [flag, none] of Object.entries(NO_ERRORS)) {
    const want = e.errors?.[flag as keyof typeof NO_ERRORS];
    if (want instanceof RegExp) assert.match(String(errors[flag]), want, `errors.${flag}`);
    else assert.equal(errors[flag], want ?? none, `errors.${flag}: ${JSON.stringify(errors)}`);
  }
}

/**
 * A 200 of `/graders/validate` against `ValidateGraderResponse`. Two gaps of the official subset:
 * `GraderMulti.graders` is typed as a single grader (spec/SOURCE.md) while Proctor answers with the
 * map, so each member is checked in the spec's single-grader form; and the response's `oneOf` has
 * no label_model branch, so a label_model grader is checked against `GraderLabelModel` itself.
 */
function expectValidate(res: GraderValidateResponse, sent: AnyGrader): void {
  const grader = res.grader as unknown as AnyGrader;
  assert.deepEqual(Object.keys(res), ['grader']);
  if (grader['type'] === 'multi' && typeof (grader['graders'] as AnyGrader)['type'] !== 'string') {
    for (const sub of Object.values(grader['graders'] as Record<string, AnyGrader>)) {
      expectSchema({ grader: { ...grader, graders: sub } }, 'ValidateGraderResponse');
    }
  } else if (grader['type'] === 'label_model') {
    expectSchema(grader, 'GraderLabelModel');
  } else {
    expectSchema(res, 'ValidateGraderResponse');
  }
  if (sent['type'] !== 'label_model' && sent['type'] !== 'score_model') assert.deepEqual(grader, sent, 'validate echoes the grader');
}

/** The 400 of a bad grader: a BadRequestError naming the parameter. */
async function expect400(promise: Promise<unknown>, param: string, message?: RegExp): Promise<BadRequestError> {
  const error = await rejectsWith(promise, BadRequestError);
  assert.equal(error.status, 400);
  assert.equal(error.param, param, `param of: ${error.message}`);
  assert.equal(error.type, 'invalid_request_error');
  if (message) assert.match(error.message, message);
  return error;
}

const stringCheck = (name: string, operation: 'eq' | 'ne' | 'like' | 'ilike', reference = '{{ item.reference }}', input = '{{ sample.output_text }}'): AnyGrader =>
  ({ type: 'string_check', name, input, reference, operation });

const similarity = (name: string, metric: string, extra: AnyGrader = {}): AnyGrader =>
  ({ type: 'text_similarity', name, input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: metric, ...extra });

const python = (name: string, source: string, extra: AnyGrader = {}): AnyGrader => ({ type: 'python', name, source, ...extra });

const labelModel: AnyGrader = {
  type: 'label_model',
  name: 'judge labels',
  model: 'gpt-4o-mini',
  input: [{ role: 'user', content: 'Is {{ sample.output_text }} right?' }],
  labels: ['right', 'wrong'],
  passing_labels: ['right'],
};

const scoreModel: AnyGrader = {
  type: 'score_model',
  name: 'judge score',
  model: 'gpt-4o-mini',
  input: [{ type: 'message', role: 'user', content: { type: 'input_text', text: 'Score {{ sample.output_text }} against {{ item.reference }}' } }],
  range: [0, 1],
};

// The reference-library variants Proctor follows (architecture §6).
const followed: Record<string, string> = {
  bleu: 'nltk_word_tokenize+smoothing_method4',
  gleu: 'nltk_word_tokenize',
  meteor: 'nltk_word_tokenize',
  fuzzy_match: 'fuzz.WRatio(default_process)/100',
  rouge_1: 'fmeasure', rouge_2: 'fmeasure', rouge_3: 'fmeasure', rouge_4: 'fmeasure', rouge_5: 'fmeasure', rouge_l: 'fmeasure',
};
const LOCAL_METRICS = Object.keys(followed);

const vectorOf = (metric: string, candidate: string) => {
  const v = metricVectors.find((x) => x.metric === metric && x.variant === followed[metric] && x.candidate === candidate);
  assert.ok(v, `metric-vectors.json has ${metric} for ${JSON.stringify(candidate)}`);
  return v;
};

const PY_MATCH = [
  'def grade(sample, item):',
  '    # reads the sample and the item; 1.0 on a match, else the partial credit the item names',
  "    if sample['output_text'].strip() == item['reference']:",
  '        return 1.0',
  "    return float(item['partial'])",
  '',
].join('\n');

const PY_JSON = "def grade(sample, item):\n    return sample['output_json']['score'] * item['weight']\n";

const PY_ZERO_DIVISION = "def grade(sample, item):\n    total = len(item['missing_list'])\n    return 1 / total\n";

/** Python source of exactly `bytes` UTF-8 bytes: a grader returning 1.0 plus `filler` comment text. */
function pythonOfSize(bytes: number, filler: string): string {
  const head = 'def grade(sample, item):\n    return 1.0\n# ';
  const repeats = Math.floor((bytes - Buffer.byteLength(head)) / Buffer.byteLength(filler));
  let source = head + filler.repeat(repeats);
  source += '#'.repeat(bytes - Buffer.byteLength(source));
  assert.equal(Buffer.byteLength(source), bytes);
  return source;
}

for (const db of testDatabases()) {
  describe(`openai SDK: graders API (${db.name})`, () => {
    const server = useProctor(db, { PROCTOR_PYTHON_TIMEOUT_MS: '1000' });

    describe('string_check', () => {
      const cases: Array<[op: 'eq' | 'ne' | 'like' | 'ilike', sample: string, reference: string, reward: number]> = [
        ['eq', 'Paris', 'Paris', 1],
        ['eq', 'paris', 'Paris', 0],
        ['eq', 'Paris ', 'Paris', 0],
        ['ne', 'Lyon', 'Paris', 1],
        ['ne', 'Paris', 'Paris', 0],
        ['like', 'The capital is Paris.', 'Paris', 1],
        ['like', 'The capital is PARIS.', 'Paris', 0],
        ['like', 'Paris', 'P%s', 0], // no wildcards: % is literal
        ['like', '100% sure', '0% s', 1],
        ['ilike', 'The capital is PARIS.', 'paris', 1],
        ['ilike', 'Lyon', 'paris', 0],
        ['ilike', 'ÉTÉ À PARIS', 'été à', 1],
      ];
      for (const [op, sample, reference, reward] of cases) {
        it(`${op}: ${JSON.stringify(sample)} vs ${JSON.stringify(reference)} → ${reward}`, async () => {
          const client = openaiClient(server.url);
          const grader = stringCheck(`check ${op}`, op);
          expectRun(await run(client, grader, sample, { reference }), { name: `check ${op}`, type: 'string_check', reward });
        });
      }

      it('validates every operation and echoes the grader', async () => {
        const client = openaiClient(server.url);
        for (const op of ['eq', 'ne', 'like', 'ilike'] as const) {
          const grader = stringCheck(`check ${op}`, op);
          expectValidate(await validate(client, grader), grader);
        }
      });

      it('reads output_json when the sample is JSON, renders non-strings as JSON, and flags a missing variable', async () => {
        const client = openaiClient(server.url);
        const json = stringCheck('json', 'eq', '{{ item.city }}', '{{ sample.output_json.answer.city }}');
        expectRun(await run(client, json, '{"answer": {"city": "Paris"}}', { city: 'Paris' }), { name: 'json', type: 'string_check', reward: 1 });
        const number = stringCheck('number', 'eq', '{{ item.n }}');
        expectRun(await run(client, number, '42', { n: 42 }), { name: 'number', type: 'string_check', reward: 1 });
        const missing = stringCheck('missing', 'eq', '{{ item.nope }}');
        expectRun(await run(client, missing, 'x', { reference: 'x' }), { name: 'missing', type: 'string_check', reward: 0, errors: { invalid_variable_error: true } });
        // no item at all: the path is missing, rendered empty, so '' eq '' holds
        expectRun(await run(client, missing, ''), { name: 'missing', type: 'string_check', reward: 1, errors: { invalid_variable_error: true } });
      });
    });

    describe('text_similarity', () => {
      for (const metric of LOCAL_METRICS) {
        it(`${metric}: every reference vector (${followed[metric]}) to 1e-9, and validate`, async () => {
          const client = openaiClient(server.url);
          const vectors = metricVectors.filter((v) => v.metric === metric && v.variant === followed[metric]);
          assert.equal(vectors.length, 12);
          const grader = similarity(`sim ${metric}`, metric);
          for (const v of vectors) {
            const res = await run(client, grader, v.candidate, { reference: v.reference });
            expectRun(res, { name: `sim ${metric}`, type: 'text_similarity', reward: v.expected, tolerance: 1e-9 });
          }
          expectValidate(await validate(client, grader), grader);
          const withThreshold = similarity(`sim ${metric}`, metric, { pass_threshold: 0.4 });
          assert.deepEqual((await validate(client, withThreshold)).grader, withThreshold);
        });
      }

      it('cosine validates (running it, against a fake embeddings upstream: test/integration/model-graders.test.ts)', async () => {
        const client = openaiClient(server.url);
        const grader = similarity('sim cosine', 'cosine');
        expectValidate(await validate(client, grader), grader);
      });
    });

    describe('python', () => {
      it('returns the float grade(sample, item) computes from sample.output_text and item', async () => {
        const client = openaiClient(server.url);
        const grader = python('py match', PY_MATCH);
        expectRun(await run(client, grader, ' Paris\n', { reference: 'Paris', partial: 0.25 }), { name: 'py match', type: 'python', reward: 1 });
        expectRun(await run(client, grader, 'Lyon', { reference: 'Paris', partial: 0.25 }), { name: 'py match', type: 'python', reward: 0.25 });
        expectRun(await run(client, grader, 'Lyon', { reference: 'Paris', partial: 3 }), { name: 'py match', type: 'python', reward: 3 });
        const json = python('py json', PY_JSON);
        expectRun(await run(client, json, '{"score": 0.5}', { weight: 1.5 }), { name: 'py json', type: 'python', reward: 0.75 });
        expectValidate(await validate(client, grader), grader);
        const withThreshold = python('py match', PY_MATCH, { pass_threshold: 0.5, image_tag: '2025-05-08' });
        expectValidate(await validate(client, withThreshold), withThreshold);
      });

      it('a runtime error: reward 0, python_grader_runtime_error with the traceback in the details', async () => {
        const client = openaiClient(server.url);
        const res = await run(client, python('py boom', PY_ZERO_DIVISION), 'x', { missing_list: [] });
        expectRun(res, {
          name: 'py boom',
          type: 'python',
          reward: 0,
          errors: { python_grader_runtime_error: true, python_grader_runtime_error_details: /line 3, in grade[\s\S]*ZeroDivisionError: division by zero/ },
        });
        const keyError = await run(client, python('py key', PY_ZERO_DIVISION), 'x', {});
        expectRun(keyError, { name: 'py key', type: 'python', reward: 0, errors: { python_grader_runtime_error: true, python_grader_runtime_error_details: /KeyError: 'missing_list'/ } });
      });

      it('NaN, a string, None or a bool instead of a number: reward 0 and a runtime error saying so', async () => {
        const client = openaiClient(server.url);
        const cases: Array<[string, RegExp]> = [
          ["float('nan')", /NaN/],
          ["float('inf')", /inf.*finite/],
          ["'0.9'", /must return a number.*str/],
          ['None', /must return a number.*None/],
          ['True', /must return a number.*bool/],
        ];
        for (const [value, details] of cases) {
          const res = await run(client, python('py bad', `def grade(sample, item):\n    return ${value}\n`), 'x');
          expectRun(res, { name: 'py bad', type: 'python', reward: 0, errors: { python_grader_runtime_error: true, python_grader_runtime_error_details: details } });
        }
      });

      it('a grader that never returns: reward 0 and unresponsive_reward_error after the time limit', async () => {
        const client = openaiClient(server.url);
        const started = Date.now();
        const res = await run(client, python('py loop', 'def grade(sample, item):\n    while True:\n        pass\n'), 'x');
        expectRun(res, { name: 'py loop', type: 'python', reward: 0, errors: { unresponsive_reward_error: true } });
        assert.ok(res.metadata.execution_time >= 0.9, `execution_time ${res.metadata.execution_time}`);
        assert.ok(Date.now() - started < 15_000, 'answered soon after the 1 s limit');
        // the pool recovered: the next call is graded normally
        expectRun(await run(client, python('py ok', 'def grade(sample, item):\n    return 0.5\n'), 'x'), { name: 'py ok', type: 'python', reward: 0.5 });
      });

      it('a syntax error is a 400 (BadRequestError) from validate and from run, naming grader.source', async () => {
        const client = openaiClient(server.url);
        const grader = python('py syntax', 'def grade(sample, item)\n    return 1.0\n');
        const error = await expect400(validate(client, grader), 'grader.source', /SyntaxError/);
        assert.match(error.message, /line 1/);
        await expect400(run(client, grader, 'x'), 'grader.source', /SyntaxError/);
        await expect400(validate(client, python('py indent', 'def grade(sample, item):\nreturn 1.0\n')), 'grader.source', /IndentationError/);
      });

      it('source up to 256 kB is accepted; one byte more is a 400', async () => {
        const client = openaiClient(server.url);
        const limit = python('py big', pythonOfSize(262_144, '#'));
        expectValidate(await validate(client, limit), limit);
        expectRun(await run(client, limit, 'x'), { name: 'py big', type: 'python', reward: 1 });
        const over = python('py big', pythonOfSize(262_145, '#'));
        await expect400(validate(client, over), 'grader.source', /256 kB/);
        await expect400(run(client, over, 'x'), 'grader.source', /256 kB/);
      });

      it('the 256 kB limit counts UTF-8 bytes, not characters', async () => {
        const client = openaiClient(server.url);
        // 270,000 bytes but only ~90,000 characters: over the limit all the same
        const over = python('py euro', pythonOfSize(270_000, '€'));
        assert.ok(over['source'] !== undefined && (over['source'] as string).length < 262_144);
        await expect400(validate(client, over), 'grader.source', /256 kB/);
      });
    });

    describe('multi', () => {
      const cat = 'The cat sat on the mat.';
      const catRef = 'The cat is sitting on the mat.';

      it('combines a map of graders with calculate_output; sub_rewards and scores per key', async () => {
        const client = openaiClient(server.url);
        const fuzzy = vectorOf('fuzzy_match', cat).expected; // 0.83125
        const grader: AnyGrader = {
          type: 'multi',
          name: 'combined',
          graders: {
            exact: stringCheck('exact', 'eq'),
            sim: similarity('sim', 'fuzzy_match'),
            py: python('py', PY_MATCH),
          },
          calculate_output: 'max(exact, sim) * 2 - py + sqrt(4) ^ 2 / 8',
        };
        const res = await run(client, grader, cat, { reference: catRef, partial: 0.25 });
        const sub = { exact: 0, sim: fuzzy, py: 0.25 };
        expectRun(res, { name: 'combined', type: 'multi', reward: fuzzy * 2 - 0.25 + 0.5, sub_rewards: sub, tolerance: 1e-9 });
        const exact = await run(client, grader, catRef, { reference: catRef, partial: 0.25 });
        expectRun(exact, { name: 'combined', type: 'multi', reward: 2 - 1 + 0.5, sub_rewards: { exact: 1, sim: 1, py: 1 }, tolerance: 1e-12 });
        expectValidate(await validate(client, grader), grader);
        const withThreshold = { ...grader, pass_threshold: 0.5 };
        expectValidate(await validate(client, withThreshold), withThreshold);
      });

      it('operator precedence and the functions of architecture §6', async () => {
        const client = openaiClient(server.url);
        const graders = { a: python('a', "def grade(s, i):\n    return i['a']\n"), b: python('b', "def grade(s, i):\n    return i['b']\n") };
        const cases: Array<[string, number]> = [
          ['a + b * 2', 3 + 4 * 2],
          ['(a + b) * 2', 14],
          ['a - b - 1', -2],
          ['2 ^ 3 ^ 2', 2 ** 9],
          ['-a ^ 2', -9],
          ['min(a, b) + max(a, b)', 7],
          ['abs(a - b) + floor(b / a) + ceil(b / a)', 1 + 1 + 2],
          ['exp(0) + log(exp(2)) + sqrt(b)', 1 + 2 + 2],
        ];
        for (const [formula, expected] of cases) {
          const res = await run(client, { type: 'multi', name: 'math', graders, calculate_output: formula }, 'x', { a: 3, b: 4 });
          expectRun(res, { name: 'math', type: 'multi', reward: expected, sub_rewards: { a: 3, b: 4 }, tolerance: 1e-9 });
        }
      });

      it('division by zero and log of 0 are an error flag and reward 0, never NaN or Infinity', async () => {
        const client = openaiClient(server.url);
        const graders = { hit: stringCheck('hit', 'eq') };
        for (const formula of ['1 / hit', 'hit / hit', 'log(hit)', 'hit ^ -1']) {
          const res = await run(client, { type: 'multi', name: 'ratio', graders, calculate_output: formula }, 'a', { reference: 'b' });
          expectSchema(res, 'RunGraderResponse');
          assert.equal(res.reward, 0, `${formula}: reward ${res.reward}`);
          assert.deepEqual(res.sub_rewards, { hit: 0 });
          const raised = Object.entries(res.metadata.errors).filter(([, v]) => v === true).map(([k]) => k);
          assert.ok(raised.length > 0, `${formula}: no error flag in ${JSON.stringify(res.metadata.errors)}`);
          assert.ok(!raised.includes('formula_parse_error'), `${formula} parsed fine: ${raised.join(', ')}`);
        }
      });

      it('a sub-grader error errors the multi grader: its flag and details, reward 0', async () => {
        const client = openaiClient(server.url);
        const grader: AnyGrader = { type: 'multi', name: 'with py', graders: { boom: python('boom', PY_ZERO_DIVISION), hit: stringCheck('hit', 'eq') }, calculate_output: 'boom + hit' };
        const res = await run(client, grader, 'a', { reference: 'a', missing_list: [] });
        expectSchema(res, 'RunGraderResponse');
        assert.equal(res.reward, 0);
        assert.equal(res.metadata.type, 'multi');
        assert.equal(res.metadata.errors.python_grader_runtime_error, true);
        assert.match(String(res.metadata.errors.python_grader_runtime_error_details), /ZeroDivisionError/);
        assert.equal(res.sub_rewards['boom'], 0);
      });

      it('when one sub-grader errors, sub_rewards still holds every key (the others were graded)', async () => {
        const client = openaiClient(server.url);
        const grader: AnyGrader = { type: 'multi', name: 'with py', graders: { boom: python('boom', PY_ZERO_DIVISION), hit: stringCheck('hit', 'eq') }, calculate_output: 'boom + hit' };
        const res = await run(client, grader, 'a', { reference: 'a', missing_list: [] });
        expectRun(res, {
          name: 'with py',
          type: 'multi',
          reward: 0,
          sub_rewards: { boom: 0, hit: 1 },
          errors: { python_grader_runtime_error: true, python_grader_runtime_error_details: /ZeroDivisionError/ },
        });
      });

      it('an unknown variable is a 400 naming grader.calculate_output, at validate and at run', async () => {
        const client = openaiClient(server.url);
        const grader = { type: 'multi', name: 'typo', graders: { exact: stringCheck('exact', 'eq') }, calculate_output: 'exact + exactt' };
        await expect400(validate(client, grader), 'grader.calculate_output', /unknown variable 'exactt'/);
        await expect400(run(client, grader, 'x', { reference: 'x' }), 'grader.calculate_output', /unknown variable 'exactt'/);
        // only the map's keys are variables, not the sub-graders' names
        const byName = { type: 'multi', name: 'names', graders: { k: stringCheck('exact', 'eq') }, calculate_output: 'exact' };
        await expect400(validate(client, byName), 'grader.calculate_output', /unknown variable 'exact'/);
      });

      it('a formula that does not parse is a 400 naming grader.calculate_output', async () => {
        const client = openaiClient(server.url);
        for (const formula of ['exact +', '(exact', 'exact exact', '2 ** exact', 'nosuch(exact)', 'exact; 1']) {
          const grader = { type: 'multi', name: 'bad', graders: { exact: stringCheck('exact', 'eq') }, calculate_output: formula };
          await expect400(validate(client, grader), 'grader.calculate_output', /calculate_output/);
          await expect400(run(client, grader, 'x', { reference: 'x' }), 'grader.calculate_output');
        }
      });

      it("accepts the spec's single-grader form of graders, keyed by the grader's name", async () => {
        const client = openaiClient(server.url);
        const grader = { type: 'multi', name: 'single', graders: stringCheck('exact', 'eq'), calculate_output: 'exact * 0.5' };
        expectRun(await run(client, grader, 'x', { reference: 'x' }), { name: 'single', type: 'multi', reward: 0.5, sub_rewards: { exact: 1 } });
        const validated = await validate(client, grader);
        expectValidate(validated, { ...grader, graders: { exact: stringCheck('exact', 'eq') } });
        // and that single grader's own errors are found at its path
        const badPython = { type: 'multi', name: 'single py', graders: python('p', 'def grade(:'), calculate_output: 'p' };
        await expect400(validate(client, badPython), 'grader.graders.p.source', /SyntaxError/);
      });

      it('a python sub-grader that does not compile is a 400 at its path', async () => {
        const client = openaiClient(server.url);
        const grader = { type: 'multi', name: 'm', graders: { ok: stringCheck('ok', 'eq'), py: python('py', 'def grade(sample, item):\n    return (\n') }, calculate_output: 'ok + py' };
        await expect400(validate(client, grader), 'grader.graders.py.source', /SyntaxError/);
        await expect400(run(client, grader, 'x'), 'grader.graders.py.source');
      });

    });

    describe('model graders (running them: test/integration/model-graders.test.ts)', () => {
      it('score_model, label_model and a multi holding them validate', async () => {
        const client = openaiClient(server.url);
        expectValidate(await validate(client, scoreModel), scoreModel);
        expectValidate(await validate(client, labelModel), labelModel);
        // In the EvalItem form validate echoes (the short form is normalised to it; see expectValidate).
        const label = { ...labelModel, input: [{ type: 'message', role: 'user', content: { type: 'input_text', text: 'Is {{ sample.output_text }} right?' } }] };
        const inMulti = { type: 'multi', name: 'm', graders: { judge: label, score: scoreModel, cos: similarity('cos', 'cosine') }, calculate_output: 'judge + score + cos' };
        expectValidate(await validate(client, inMulti), inMulti);
      });
    });

    describe('bad bodies', () => {
      const auth = { authorization: `Bearer ${KEY_A}` };
      const post = (path: string, body: unknown) => raw(server.url, `/v1/fine_tuning/alpha/graders/${path}`, { method: 'POST', headers: auth, body });
      const ok = stringCheck('ok', 'eq');

      const cases: Array<[what: string, path: 'run' | 'validate', body: unknown, param: string]> = [
        ['missing grader', 'run', { model_sample: 'x' }, 'grader'],
        ['missing grader', 'validate', {}, 'grader'],
        ['grader not an object', 'run', { grader: 'string_check', model_sample: 'x' }, 'grader'],
        ['unknown grader type', 'run', { grader: { type: 'regex', name: 'r' }, model_sample: 'x' }, 'grader.type'],
        ['unknown grader type', 'validate', { grader: { type: 'regex', name: 'r' } }, 'grader.type'],
        ['missing model_sample', 'run', { grader: ok }, 'model_sample'],
        ['model_sample not a string', 'run', { grader: ok, model_sample: 42 }, 'model_sample'],
        ['model_sample an object', 'run', { grader: ok, model_sample: { output_text: 'x' } }, 'model_sample'],
        ['item not an object', 'run', { grader: ok, model_sample: 'x', item: 'x' }, 'item'],
        ['unknown operation', 'run', { grader: { ...ok, operation: 'regex' }, model_sample: 'x' }, 'grader.operation'],
        ['string_check without reference', 'validate', { grader: { type: 'string_check', name: 'n', input: 'x', operation: 'eq' } }, 'grader.reference'],
        ['unknown metric', 'validate', { grader: similarity('s', 'jaccard') }, 'grader.evaluation_metric'],
        ['python without source', 'validate', { grader: { type: 'python', name: 'p' } }, 'grader.source'],
        ['multi without calculate_output', 'validate', { grader: { type: 'multi', name: 'm', graders: { ok } } }, 'grader.calculate_output'],
        ['multi with an empty map', 'validate', { grader: { type: 'multi', name: 'm', graders: {}, calculate_output: '1' } }, 'grader.graders'],
        ['multi inside multi', 'validate', { grader: { type: 'multi', name: 'm', graders: { inner: { type: 'multi', name: 'i', graders: { ok }, calculate_output: 'ok' } }, calculate_output: 'inner' } }, 'grader.graders.inner.type'],
        ['label not in labels', 'validate', { grader: { ...labelModel, passing_labels: ['maybe'] } }, 'grader.passing_labels'],
      ];
      for (const [what, path, body, param] of cases) {
        it(`${path}: ${what} → 400 with param ${param}`, async () => {
          const res = await post(path, body);
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.deepEqual(Object.keys(res.body), ['error']);
          assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'param', 'type']);
          assert.equal(res.body.error.type, 'invalid_request_error');
          assert.equal(res.body.error.param, param, JSON.stringify(res.body));
          assert.ok(typeof res.body.error.message === 'string' && res.body.error.message.length > 0);
        });
      }

      it('a body that is not JSON, or not an object, is a 400', async () => {
        const notJson = await fetch(`${server.url}/v1/fine_tuning/alpha/graders/run`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"grader":' });
        assert.equal(notJson.status, 400);
        const array = await post('validate', [ok]);
        assert.equal(array.status, 400);
        assert.equal(array.body.error.type, 'invalid_request_error');
      });

      it('without an API key: 401', async () => {
        const res = await raw(server.url, '/v1/fine_tuning/alpha/graders/validate', { method: 'POST', body: { grader: ok } });
        assert.equal(res.status, 401);
      });
    });
  });
}
