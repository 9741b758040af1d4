import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { GraderRunParams } from 'openai/resources/fine-tuning/alpha/graders';
import { startTestProctor, waitForRun, type TestProctor } from '../support/start-test-proctor.ts';

/**
 * text_similarity's metrics are computed on the grading threads (PROCTOR_GRADING_THREADS), not on
 * the event loop: the API answers while a long input is graded, a score past
 * PROCTOR_GRADING_TIMEOUT_MS errors its row (not the run, not the server). No timing assertions:
 * only the order in which requests finish.
 */

const KEY = 'sk-grading-threads-key';
/** 16,000 characters against 8,100 over two symbols: the worst case of partial_ratio's window search. */
const LONG_SAMPLE = 'a '.repeat(8_000);
const LONG_REFERENCE = 'ab '.repeat(2_700);
/** Far past any time limit below (minutes of work). */
const HOPELESS_SAMPLE = 'a '.repeat(200_000);
const HOPELESS_REFERENCE = 'ab '.repeat(60_000);

const fuzzy = (reference: string): GraderRunParams['grader'] =>
  ({ type: 'text_similarity', name: 'fuzzy', input: '{{ sample.output_text }}', reference, evaluation_metric: 'fuzzy_match' }) as unknown as GraderRunParams['grader'];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `/health` requests one after another until `busy` settles; how many came back before it did. */
async function healthChecksDuring(url: string, busy: Promise<unknown>): Promise<number> {
  let settled = false;
  void busy.finally(() => (settled = true)).catch(() => undefined);
  let answered = 0;
  await pause(50); // the grading request is in the server by now
  while (!settled) {
    const response = await fetch(`${url}/health`);
    assert.equal(response.status, 200);
    await response.text();
    if (!settled) answered++;
    await pause(20);
  }
  return answered;
}

describe('grading threads: the API answers while a long input is graded', () => {
  let proctor: TestProctor;
  let client: OpenAI;
  before(async () => {
    proctor = await startTestProctor({ kind: 'pglite', dataDir: null }, { PROCTOR_API_KEYS: KEY, PROCTOR_GRADING_THREADS: '2' });
    client = new OpenAI({ baseURL: `${proctor.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 120_000 });
  });
  after(() => proctor?.close());

  it('/health answers while a 16,000-character fuzzy_match is graded', async () => {
    const grading = client.fineTuning.alpha.graders.run({ grader: fuzzy(LONG_REFERENCE), model_sample: LONG_SAMPLE });
    const answered = await healthChecksDuring(proctor.url, grading);
    const result = await grading;
    assert.ok(result.reward > 0 && result.reward <= 1, JSON.stringify(result.metadata.errors));
    assert.equal(result.metadata.errors.unresponsive_reward_error, false);
    assert.ok(answered >= 1, 'a /health request sent while grading came back before the grading did');
  });
});

describe('grading threads: the time limit', () => {
  let proctor: TestProctor;
  let client: OpenAI;
  before(async () => {
    proctor = await startTestProctor({ kind: 'pglite', dataDir: null }, { PROCTOR_API_KEYS: KEY, PROCTOR_GRADING_THREADS: '2', PROCTOR_GRADING_TIMEOUT_MS: '1000' });
    client = new OpenAI({ baseURL: `${proctor.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 120_000 });
  });
  after(() => proctor?.close());

  it('a score past PROCTOR_GRADING_TIMEOUT_MS is an unresponsive_reward_error, and the API answers meanwhile', async () => {
    const grading = client.fineTuning.alpha.graders.run({ grader: fuzzy('{{ item.reference }}'), model_sample: HOPELESS_SAMPLE, item: { reference: HOPELESS_REFERENCE } });
    const answered = await healthChecksDuring(proctor.url, grading);
    const result = await grading;
    assert.equal(result.reward, 0);
    assert.equal(result.metadata.errors.unresponsive_reward_error, true);
    assert.ok(answered >= 1, 'a /health request sent while grading came back before the grading did');
    // the thread was replaced: the next score comes back as usual
    const next = await client.fineTuning.alpha.graders.run({ grader: fuzzy('hello world'), model_sample: 'hello world' });
    assert.equal(next.reward, 1);
  });

  it('in a run, only the row past the time limit errors; the others are graded', async () => {
    const evaluation = await client.evals.create({
      name: 'grading threads',
      data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { reference: { type: 'string' } } }, include_sample_schema: false },
      testing_criteria: [{ type: 'text_similarity', name: 'fuzzy', input: '{{ sample.output_text }}', reference: '{{ item.reference }}', evaluation_metric: 'fuzzy_match', pass_threshold: 0.9 } as never],
    });
    const rows = [
      { item: { reference: 'the cat sat on the mat' }, sample: { output_text: 'the cat sat on the mat' } },
      { item: { reference: HOPELESS_REFERENCE }, sample: { output_text: HOPELESS_SAMPLE } },
      { item: { reference: 'hello world' }, sample: { output_text: 'goodbye' } },
    ];
    const created = await client.evals.runs.create(evaluation.id, { data_source: { type: 'jsonl', source: { type: 'file_content', content: rows } } as never });
    const run = await waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evaluation.id }), 120_000);
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.result_counts, { total: 3, errored: 1, failed: 1, passed: 1 });
    const items = [];
    for await (const item of client.evals.runs.outputItems.list(created.id, { eval_id: evaluation.id })) items.push(item);
    const errored = items.find((item) => item.datasource_item_id === 1);
    assert.match(JSON.stringify(errored?.results), /"code":"timeout"/);
  });
});
