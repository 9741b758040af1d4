import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import OpenAI from 'openai';
import type { RunCreateParams, RunRetrieveResponse } from 'openai/resources/evals/runs/runs';
import type { OutputItemListResponse } from 'openai/resources/evals/runs/output-items';
import { expectSchema } from '../compat/spec-schemas.ts';
import { FAKE_OPENAI_API_KEY, startFakeOpenAI, type FakeOpenAI, type FakeOutcome, type FakeRequest } from '../support/fake-openai/fake-openai.ts';
import { startTestProctor, waitForRun, type TestProctor } from '../support/start-test-proctor.ts';
import type { TestDatabase } from '../support/test-databases.ts';

/**
 * What model-runs.test.ts shares: one fake upstream and one Proctor per backend, configured by a
 * PROCTOR_CONFIG file whose models each have their own upstream model (so limits and the fake's
 * per-model stats never mix between tests), and helpers to run, list and check against the fake.
 */
export const PROCTOR_KEY = 'sk-model-runs-key-123';
/** Named by a provider's `api_key_env` and never set: its models cannot be called. */
export const UNSET_KEY_ENV = 'PROCTOR_TEST_MODEL_RUNS_UNSET_KEY';
/** The per-attempt upstream timeout the timeout test needs (proposed knob, see that test). */
export const MODEL_TIMEOUT_MS = 1000;

export interface ModelSpec {
  /** The run's `data_source.model`. */
  readonly name: string;
  /** What Proctor sends upstream (the fake keys its stats by it). */
  readonly upstream: string;
  readonly maxConcurrency: number;
}

const spec = (name: string, upstream: string, maxConcurrency: number): ModelSpec => ({ name, upstream, maxConcurrency });

export const MODELS = {
  chat: spec('gpt-test', 'fake-model', 8),
  parts: spec('gpt-parts', 'fake-parts', 8),
  structured: spec('gpt-structured', 'fake-structured', 8),
  responses: spec('gpt-resp', 'fake-resp', 8),
  narrow: spec('gpt-narrow', 'fake-narrow', 3),
  faults: spec('gpt-faults', 'fake-faults', 32),
  doomed: spec('gpt-doomed', 'fake-doomed', 16),
  timeout: spec('gpt-timeout', 'fake-timeout', 8),
  cancel: spec('gpt-cancel', 'fake-cancel', 64),
  judge: spec('gpt-judge', 'fake-judge', 8),
  embed: spec('embed-test', 'fake-embed', 8),
} as const;

/** A models entry whose provider has no key (its `api_key_env` is unset). */
export const NO_KEY_MODEL = 'gpt-nokey';
/** Served by no one: the fake runs with strictModels, so `fake/<this>` earns an upstream 404. */
export const UNSERVED_UPSTREAM = 'not-served-model';

function writeConfig(dir: string, fake: FakeOpenAI): string {
  const models: Record<string, unknown> = {};
  for (const m of Object.values(MODELS)) models[m.name] = { provider: 'fake', model: m.upstream, max_concurrency: m.maxConcurrency };
  models[NO_KEY_MODEL] = { provider: 'nokey', model: MODELS.chat.upstream };
  // No default_provider: a name that is neither an entry nor `<provider>/<model>` is Proctor's own
  // model_not_found; `fake/<model>` reaches the fake, which refuses unknown models (strictModels).
  const config = {
    providers: {
      fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey },
      nokey: { type: 'openai', base_url: fake.url, api_key_env: UNSET_KEY_ENV },
    },
    models,
    embedding_model: MODELS.embed.name,
  };
  const path = join(dir, 'proctor-config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export interface ModelRunsServer {
  readonly fake: FakeOpenAI;
  readonly proctor: TestProctor;
  readonly client: OpenAI;
}

/** One fake upstream and one Proctor on `db`, for the enclosing describe; the fake is reset before each use by the caller. */
export function useModelRunsServer(db: TestDatabase): ModelRunsServer {
  let fake: FakeOpenAI | null = null;
  let proctor: TestProctor | null = null;
  let client: OpenAI | null = null;
  let dir: string | null = null;
  before(async () => {
    fake = await startFakeOpenAI({ recordRequests: 50_000, strictModels: true, models: [...Object.values(MODELS).map((m) => m.upstream)] });
    dir = mkdtempSync(join(os.tmpdir(), 'proctor-model-runs-'));
    proctor = await startTestProctor(await db.open(), {
      PROCTOR_API_KEYS: `${PROCTOR_KEY}=model-runs`,
      PROCTOR_CONFIG: writeConfig(dir, fake),
      PROCTOR_BATCH_SIZE: '100',
      // Not read by Proctor yet (loadConfig drops unknown names): see the timeout test.
      PROCTOR_MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
    });
    client = new OpenAI({ baseURL: `${proctor.url}/v1`, apiKey: PROCTOR_KEY, maxRetries: 0 });
  });
  after(async () => {
    await proctor?.close();
    await fake?.close();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  });
  const need = <T>(value: T | null): T => {
    if (value === null) throw new Error('the model-runs server has not started');
    return value;
  };
  return {
    get fake() {
      return need(fake);
    },
    get proctor() {
      return need(proctor);
    },
    get client() {
      return need(client);
    },
  };
}

export { FAKE_OPENAI_API_KEY };

// ---------------------------------------------------------------------------------------------
// Evals, runs, items

export type Criterion = Record<string, unknown>;

/** An eval with a permissive custom item schema and the given criteria; returns its id and criterion ids. */
export async function createEval(client: OpenAI, name: string, criteria: Criterion[], includeSampleSchema = true): Promise<{ evalId: string; criterionIds: string[] }> {
  const created = await client.evals.create({
    name,
    data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, include_sample_schema: includeSampleSchema },
    testing_criteria: criteria as never,
  });
  return { evalId: created.id, criterionIds: created.testing_criteria.map((c) => String((c as unknown as { id: string }).id)) };
}

export const stringCheck = (name: string, input: string, reference: string, operation: 'eq' | 'ne' | 'like' | 'ilike' = 'eq'): Criterion => ({ type: 'string_check', name, input, reference, operation });

/** The SDK's data source type is a wide union; tests write the wire shape and cast once here. */
export const asDataSource = (ds: Record<string, unknown>): RunCreateParams['data_source'] => ds as unknown as RunCreateParams['data_source'];

export type Run = RunRetrieveResponse;
export type Item = OutputItemListResponse;

/**
 * Two defects of the official schema meet an echoed template with image parts; the run is checked
 * with both neutralised and is otherwise held to the spec in full:
 * - `EvalItemInputImage.image_url` is `format: uri`, which no `{{item.x}}` placeholder satisfies
 *   (braces are not URI characters): placeholders are checked as a URL;
 * - an EvalItem whose content is a list of `input_text` / `input_image` parts with `detail` also
 *   matches `EasyInputMessage`, so the template's `oneOf` fails with two passing branches (the same
 *   ambiguity architecture §6 notes for the short form): `detail` is checked apart (as a string) and dropped.
 */
function withImagePartsSpecCanTell(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || (value as { type?: unknown }).type !== 'input_image') return value;
    const { detail, ...part } = value as { image_url?: unknown; detail?: unknown };
    assert.ok(detail === undefined || typeof detail === 'string', 'input_image.detail is a string');
    if (typeof part.image_url === 'string' && part.image_url.includes('{{')) part.image_url = 'https://images.example/placeholder.png';
    return part;
  });
}

export function expectRunSchema(run: unknown): void {
  expectSchema(withImagePartsSpecCanTell(run), 'EvalRun');
}

/** Runs a test started and has not seen end: cancelled after each test so none spills into the next. */
const liveRuns = new Map<string, { client: OpenAI; evalId: string }>();

export function trackRun(client: OpenAI, evalId: string, runId: string): void {
  liveRuns.set(runId, { client, evalId });
}

/** Cancels every run a test left live and waits for the upstream to go quiet. */
export async function cancelLeftoverRuns(fake: FakeOpenAI): Promise<void> {
  const left = [...liveRuns.entries()];
  liveRuns.clear();
  for (const [runId, { client, evalId }] of left) {
    const run = await client.evals.runs.retrieve(runId, { eval_id: evalId });
    if (run.status === 'queued' || run.status === 'in_progress') await client.evals.runs.cancel(runId, { eval_id: evalId });
  }
  if (left.length === 0) return;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && (fake.stats.inFlight > 0 || fake.requestsSince(Date.now() - 500) > 0)) await sleep(50);
}

/** Creates a run (201, spec shape, queued echo) and waits for it to end; both bodies checked against the spec. */
export async function runToEnd(client: OpenAI, evalId: string, params: RunCreateParams, timeoutMs = 60_000): Promise<{ created: Run; run: Run; ms: number }> {
  const started = Date.now();
  const { data: created, response } = await client.evals.runs.create(evalId, params).withResponse();
  trackRun(client, evalId, created.id);
  assert.equal(response.status, 201);
  expectRunSchema(created);
  const run = await waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evalId }), timeoutMs);
  liveRuns.delete(created.id);
  expectRunSchema(run);
  return { created, run, ms: Date.now() - started };
}

/** Every output item of a run through the SDK's auto-pagination, each checked against the spec, by row. */
export async function allItems(client: OpenAI, evalId: string, runId: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 100 })) {
    expectSchema(item, 'EvalRunOutputItem');
    items.push(item);
  }
  return items.sort((a, b) => a.datasource_item_id - b.datasource_item_id);
}

/** No row lost and none doubled: exactly one item per row index 0..n-1. */
export function expectEveryRowOnce(items: readonly Item[], rows: number): void {
  assert.deepEqual(
    items.map((i) => i.datasource_item_id),
    Array.from({ length: rows }, (_, i) => i),
    'one output item per row, none lost, none doubled',
  );
}

export interface UsageTotals {
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

const ZERO_USAGE: UsageTotals = { invocation_count: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 };

/** The fake's usage for these upstream models, summed. */
export function upstreamUsage(fake: FakeOpenAI, ...upstreams: string[]): UsageTotals {
  const sum = { ...ZERO_USAGE };
  for (const u of upstreams) {
    const got = fake.stats.usageByModel[u];
    if (got === undefined) continue;
    for (const k of Object.keys(sum) as Array<keyof UsageTotals>) sum[k] += got[k];
  }
  return sum;
}

function usageOfItems(items: readonly Item[]): UsageTotals {
  const sum = { ...ZERO_USAGE };
  for (const it of items) {
    const u = it.sample.usage;
    if (u.total_tokens > 0) sum.invocation_count++;
    sum.prompt_tokens += u.prompt_tokens;
    sum.completion_tokens += u.completion_tokens;
    sum.total_tokens += u.total_tokens;
    sum.cached_tokens += u.cached_tokens;
  }
  return sum;
}

/** `per_model_usage` is one entry under the run's model name holding the items' `sample.usage` summed (null when none). */
export function expectUsageEqualsItems(run: Run, items: readonly Item[], model: ModelSpec): void {
  const fromItems = usageOfItems(items);
  assert.deepEqual(run.per_model_usage, fromItems.invocation_count === 0 ? null : [{ model_name: model.name, ...fromItems }], "per_model_usage equals the items' sample.usage summed");
}

/**
 * `per_model_usage` is one entry under the run's model name, equal to what the upstream reported
 * over every successful call (null when there was none), and equal to the items' `sample.usage` summed.
 */
export function expectUsageEqualsUpstream(run: Run, items: readonly Item[] | null, fake: FakeOpenAI, model: ModelSpec): void {
  const upstream = upstreamUsage(fake, model.upstream);
  if (upstream.invocation_count === 0) {
    assert.equal(run.per_model_usage, null, 'no successful call: per_model_usage stays null');
  } else {
    assert.deepEqual(run.per_model_usage, [{ model_name: model.name, ...upstream }], 'per_model_usage equals the upstream usage');
  }
  if (items !== null) assert.deepEqual(usageOfItems(items), upstream, "the items' sample.usage sums to the upstream usage");
}

export function expectConcurrencyWithin(fake: FakeOpenAI, model: ModelSpec): number {
  const max = fake.stats.maxInFlightByModel[model.upstream] ?? 0;
  assert.ok(max <= model.maxConcurrency, `${model.upstream}: ${max} calls in flight at once, max_concurrency is ${model.maxConcurrency}`);
  return max;
}

// ---------------------------------------------------------------------------------------------
// Rows and faults

/** The row index a request is about: every template puts `row <n>` in the last user message. */
export function rowOfText(text: string): number | null {
  const m = /\brow (\d+)\b/.exec(text);
  return m ? Number(m[1]) : null;
}

export const rowOfRequest = (req: FakeRequest): number | null => rowOfText(req.lastUserText);
export const rowOfBody = (body: Record<string, unknown>): number | null => rowOfText(JSON.stringify(body['messages'] ?? body['input'] ?? ''));

/**
 * A fault plan per row: the row's attempts get `plan(row)` in order, then `ok` (or `forever` for
 * every attempt when the plan says so). Deterministic whatever the order rows arrive in.
 */
export function perRowFaults(plan: (row: number) => { faults: readonly FakeOutcome[]; forever?: boolean }): (req: FakeRequest) => FakeOutcome {
  const attempts = new Map<number, number>();
  return (req) => {
    const row = rowOfRequest(req);
    if (row === null) return 'ok';
    const n = attempts.get(row) ?? 0;
    attempts.set(row, n + 1);
    const { faults, forever } = plan(row);
    if (forever === true && faults.length > 0) return faults[Math.min(n, faults.length - 1)]!;
    return faults[n] ?? 'ok';
  };
}

/** Arrival times of the recorded requests per row, oldest first. */
export function arrivalsByRow(fake: FakeOpenAI, upstream: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of fake.stats.recorded) {
    if (r.model !== upstream) continue;
    const row = rowOfBody(r.body);
    if (row === null) continue;
    const list = out.get(row) ?? [];
    list.push(r.at);
    out.set(row, list);
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
