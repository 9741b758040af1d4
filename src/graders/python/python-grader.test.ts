import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPythonGrader, DEFAULT_PYTHON_PASS_THRESHOLD, type PythonGraderConfig } from './python-grader.ts';
import { PythonSandboxPool } from './python-sandbox-pool.ts';

const pool = new PythonSandboxPool({ size: 1, timeoutMs: 5_000 });
after(() => pool.close());

const config = (source: string, pass_threshold?: number): PythonGraderConfig =>
  pass_threshold === undefined ? { type: 'python', name: 'py', source } : { type: 'python', name: 'py', source, pass_threshold };

const echo = 'def grade(sample, item):\n    return item["score"]\n';

describe('python grader', () => {
  it('scores with the returned number and passes at the threshold', async () => {
    const grader = createPythonGrader(config(echo, 0.7), pool);
    assert.equal(grader.type, 'python');
    assert.deepEqual(await grader.grade({ item: { score: 0.7 }, sample: null }), { score: 0.7, passed: true, sample: null, error: null, invalid_variable: false });
    assert.deepEqual(await grader.grade({ item: { score: 0.69 }, sample: null }), { score: 0.69, passed: false, sample: null, error: null, invalid_variable: false });
  });

  it(`passes at ${DEFAULT_PYTHON_PASS_THRESHOLD} without a pass_threshold`, async () => {
    const grader = createPythonGrader(config(echo), pool);
    assert.equal((await grader.grade({ item: { score: 0.5 }, sample: null })).passed, true);
    assert.equal((await grader.grade({ item: { score: 0.49 }, sample: null })).passed, false);
    assert.equal((await grader.grade({ item: { score: 1 }, sample: null })).passed, true);
  });

  it('hands grade() the sample and the item', async () => {
    const grader = createPythonGrader(config('def grade(sample, item):\n    return 1.0 if sample["output_text"].strip() == item["reference"] else 0.0\n', 1), pool);
    const pass = await grader.grade({ item: { reference: 'Paris' }, sample: { output_text: ' Paris\n' } });
    assert.deepEqual([pass.score, pass.passed], [1, true]);
    const fail = await grader.grade({ item: { reference: 'Paris' }, sample: { output_text: 'Lyon' } });
    assert.deepEqual([fail.score, fail.passed], [0, false]);
  });

  it('turns a failing grader into an error outcome, never a throw', async () => {
    const grader = createPythonGrader(config('def grade(sample, item):\n    return item["missing"]\n'), pool);
    const outcome = await grader.grade({ item: {}, sample: null });
    assert.equal(outcome.score, 0);
    assert.equal(outcome.passed, false);
    assert.equal(outcome.error?.code, 'python_grader_runtime_error');
    assert.match(outcome.error?.message ?? '', /KeyError: 'missing'/);
    const nan = await createPythonGrader(config('def grade(sample, item):\n    return float("nan")\n'), pool).grade({ item: {}, sample: null });
    assert.match(nan.error?.message ?? '', /NaN/);
  });
});
