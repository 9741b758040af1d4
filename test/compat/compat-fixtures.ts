import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import OpenAI from 'openai';
import type { EvalCreateParams } from 'openai/resources/evals/evals';
import type { RunCreateParams } from 'openai/resources/evals/runs/runs';
import { startTestProctor, waitForRun, type TestProctor } from '../support/start-test-proctor.ts';
import type { TestDatabase } from '../support/test-databases.ts';

/**
 * What the compatibility suites share: API keys (one project each, so list counts stay exact), a
 * server per backend per file, an eval whose string check passes every third row, and raw HTTP for
 * the bodies the SDK hides (error bodies, status codes).
 */
export const KEY_A = 'sk-compat-a-123456';
export const KEY_B = 'sk-compat-b-123456';
/** Only list-pagination tests use this project, so its lists hold exactly what they made. */
export const KEY_LIST = 'sk-compat-list-123456';
export const KEY_UNKNOWN = 'sk-compat-unknown-123456';

export const compatEnv: Record<string, string> = {
  PROCTOR_API_KEYS: `${KEY_A}=proj-a,${KEY_B}=proj-b,${KEY_LIST}=proj-list`,
};

export interface ServerRef {
  readonly url: string;
}

/** Starts one Proctor on `db` before the enclosing describe's tests and closes it after them. */
export function useProctor(db: TestDatabase, env: Record<string, string> = {}): ServerRef {
  let proctor: TestProctor | null = null;
  before(async () => {
    proctor = await startTestProctor(await db.open(), { ...compatEnv, ...env });
  });
  after(async () => {
    await proctor?.close();
  });
  return {
    get url(): string {
      if (proctor === null) throw new Error('the test Proctor has not started');
      return proctor.url;
    },
  };
}

export function openaiClient(url: string, apiKey: string = KEY_A): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
}

export const ITEM_SCHEMA = {
  type: 'object',
  properties: { question: { type: 'string' }, answer: { type: 'string' } },
  required: ['question', 'answer'],
} as const;

export function evalParams(name = 'compat eval'): EvalCreateParams {
  return {
    name,
    metadata: { suite: 'compat' },
    data_source_config: { type: 'custom', item_schema: { ...ITEM_SCHEMA }, include_sample_schema: true },
    testing_criteria: [
      { type: 'string_check', name: 'exact answer', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' },
    ],
  };
}

export interface Row {
  item: { question: string; answer: string };
  sample: Record<string, unknown>;
}

/** Row i passes (its output equals the answer) iff i % 3 === 0. */
export function makeRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const output = i % 3 === 0 ? `answer ${i}` : `wrong ${i}`;
    return {
      item: { question: `question ${i}`, answer: `answer ${i}` },
      sample: {
        model: 'pregenerated-model',
        choices: [{ index: 0, message: { role: 'assistant', content: output }, finish_reason: 'stop' }],
        output_text: output,
      },
    };
  });
}

export const passingIndexes = (n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0);
export const failingIndexes = (n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);

export function inlineRun(rows: Row[], name = 'compat run'): RunCreateParams {
  return { name, metadata: { rows: String(rows.length) }, data_source: { type: 'jsonl', source: { type: 'file_content', content: rows } } };
}

export const toJsonl = (rows: readonly Row[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Creates a run and waits until it has finished; returns the final run as the SDK reads it. */
export async function finishedRun(client: OpenAI, evalId: string, params: RunCreateParams) {
  const created = await client.evals.runs.create(evalId, params);
  return waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evalId }), 60_000);
}

/** Rows of a run that is canceled right after create: enough that the worker is not done yet. */
export const CANCEL_ROWS = 3000;

export interface CancelOutcome<R> {
  /** The cancel response that found the run live. */
  canceled: R;
  /** Runs of earlier attempts that had already completed when their cancel arrived, oldest first. */
  completedMeanwhile: string[];
}

/**
 * Creates a run of CANCEL_ROWS rows and cancels it at once, until a cancel finds its run still
 * live (at most `attempts` times). A worker in the embedded deployment can hold the event loop
 * until its run is done (see "create answers at once…" in openai-sdk-runs.test.ts), so one attempt
 * may lose that race; the cancel endpoints themselves are what these callers test.
 */
export async function cancelLiveRun<R extends { id: string; status: string }>(
  create: () => Promise<{ id: string }>,
  cancel: (runId: string) => Promise<R>,
  attempts = 4,
): Promise<CancelOutcome<R>> {
  const completedMeanwhile: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const run = await create();
    const answer = await cancel(run.id);
    assert.equal(answer.id, run.id);
    if (answer.status === 'canceled') return { canceled: answer, completedMeanwhile };
    assert.equal(answer.status, 'completed', 'a cancel that comes too late leaves the run completed');
    completedMeanwhile.push(run.id);
  }
  assert.fail(`no cancel out of ${attempts} found its ${CANCEL_ROWS}-row run still live`);
}

/** The JSON body a list call received (the SDK keeps it on the page; `first_id`/`last_id` live only there). */
export function bodyOf(page: object): { object: string; data: Array<{ id: string }>; first_id: string | null; last_id: string | null; has_more: boolean } {
  return Reflect.get(page, 'body') as ReturnType<typeof bodyOf>;
}

/** Asserts that a page holds exactly `ids`, in that order, and that its cursors and has_more agree. */
export function expectPage(page: object, ids: readonly string[], hasMore: boolean): void {
  const body = bodyOf(page);
  assert.equal(body.object, 'list');
  assert.deepEqual(body.data.map((d) => d.id), ids);
  assert.equal(body.has_more, hasMore);
  assert.equal(body.first_id, ids[0] ?? null);
  assert.equal(body.last_id, ids.at(-1) ?? null);
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** One HTTP call outside the SDK, for status codes and bodies exactly as sent. */
export async function raw(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const response = await fetch(`${url}${path}`, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Awaits `promise`, which must reject with an instance of `errorClass`; returns that error. */
export async function rejectsWith<E extends Error>(promise: Promise<unknown>, errorClass: abstract new (...args: any[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}

/** Waits until the wall clock has passed `second`, so a following write gets a later timestamp. */
export async function passSecond(second: number): Promise<void> {
  while (Date.now() / 1000 < second + 1) await new Promise((r) => setTimeout(r, 50));
}
