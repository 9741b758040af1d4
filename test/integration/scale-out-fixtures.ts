import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { RunCreateParams } from 'openai/resources/evals/runs/runs';
import type { FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { waitForRun } from '../support/start-test-proctor.ts';
import { startServe, type Serve } from './serve-process.ts';

/**
 * Shared by the scale-out suites: a PROCTOR_CONFIG over the fake upstream, several real
 * `proctor serve` processes on one PostgreSQL, and runs of `{n}` rows whose model answers
 * `reply: go <n>` (the fake echoes the last user message).
 */
export interface ModelEntry {
  readonly upstream: string;
  readonly max_concurrency?: number;
  readonly rpm?: number;
  readonly cache?: 'read_write' | 'read_only' | 'off';
}

export function writeConfig(dir: string, fake: FakeOpenAI, models: Readonly<Record<string, ModelEntry>>): string {
  const entries: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(models)) {
    const { upstream, ...limits } = m;
    entries[name] = { provider: 'fake', model: upstream, ...limits };
  }
  const path = join(dir, 'proctor-config.json');
  writeFileSync(path, JSON.stringify({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey } }, models: entries }));
  return path;
}

/** Starts `count` serves on one database, the first alone (it runs the migrations). */
export async function startServes(count: number, env: Record<string, string>): Promise<Serve[]> {
  const first = await startServe(env);
  const rest = await Promise.all(Array.from({ length: count - 1 }, () => startServe(env)));
  return [first, ...rest];
}

export const clientOf = (serve: Serve): OpenAI => new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'sk-any-key-1234', maxRetries: 0 });

export const goRows = (n: number) => Array.from({ length: n }, (_, i) => ({ item: { n: i } }));

export function goRun(model: string, rows: number, extra: { sampling_params?: Record<string, unknown>; metadata?: Record<string, string> } = {}): RunCreateParams {
  return {
    name: `${model} x ${rows}`,
    ...(extra.metadata ? { metadata: extra.metadata } : {}),
    data_source: {
      type: 'completions',
      model,
      input_messages: { type: 'template', template: [{ role: 'user', content: 'go {{ item.n }}' }] },
      source: { type: 'file_content', content: goRows(rows) },
      ...(extra.sampling_params ? { sampling_params: extra.sampling_params } : {}),
    },
  } as unknown as RunCreateParams;
}

export async function createGoEval(client: OpenAI): Promise<string> {
  const created = await client.evals.create({
    name: 'scale-out',
    data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, include_sample_schema: true },
    testing_criteria: [{ type: 'string_check', name: 'echo', input: '{{ sample.output_text }}', reference: 'reply: go {{ item.n }}', operation: 'eq' }],
  });
  return created.id;
}

export async function runToEnd(client: OpenAI, evalId: string, params: RunCreateParams, timeoutMs = 120_000) {
  const created = await client.evals.runs.create(evalId, params);
  return waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evalId }), timeoutMs);
}

export async function allItems(client: OpenAI, evalId: string, runId: string) {
  const items = [];
  for await (const item of client.evals.runs.outputItems.list(runId, { eval_id: evalId, limit: 100 })) items.push(item);
  return items.sort((a, b) => a.datasource_item_id - b.datasource_item_id);
}

export function expectEveryRowOnce(items: ReadonlyArray<{ datasource_item_id: number }>, rows: number): void {
  assert.deepEqual(
    items.map((i) => i.datasource_item_id),
    Array.from({ length: rows }, (_, i) => i),
    'one output item per row, none lost, none doubled',
  );
}

/** The most requests that arrived within any `windowMs` (a sliding window over arrival times). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}
