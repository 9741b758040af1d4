import assert from 'node:assert/strict';
import http from 'node:http';
import { waitForRun } from '../support/start-test-proctor.ts';

/**
 * A thin raw-HTTP client for the integration suites: every call goes over plain `fetch`, keeps the
 * exact status, headers and body, and fails the test on any 5xx (no bad input may crash a handler).
 */
/** What `fetch` accepts as a body (the DOM's `BodyInit`, which this project's lib does not include). */
export type RequestBody = NonNullable<RequestInit['body']>;

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON when the body is JSON, else undefined. */
  body: any;
}

export interface RequestOptions {
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as is (string, FormData, Blob, stream…); content-type from `headers` or fetch's default. */
  body?: RequestBody;
  headers?: Record<string, string>;
  /** Allow a 5xx without failing (only for tests that look at one on purpose). */
  allow5xx?: boolean;
  /** Fail when no complete answer arrives within this time (default 120 s): a hang is a failure, not a stuck suite. */
  timeoutMs?: number;
}

export class ApiClient {
  readonly baseUrl: string;
  readonly prefix: string;
  readonly headers: Record<string, string>;

  constructor(baseUrl: string, prefix = '/v1', headers: Record<string, string> = {}) {
    this.baseUrl = baseUrl;
    this.prefix = prefix;
    this.headers = headers;
  }

  with(headers: Record<string, string>, prefix = this.prefix): ApiClient {
    return new ApiClient(this.baseUrl, prefix, { ...this.headers, ...headers });
  }

  async request(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...this.headers, ...o.headers };
    let body: RequestBody | undefined = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] ??= 'application/json';
    }
    const timeoutMs = o.timeoutMs ?? 120_000;
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) init.body = body;
    if (body instanceof ReadableStream) init.duplex = 'half';
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.baseUrl}${this.prefix}${path}`, init);
      text = await res.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        assert.fail(`${method} ${this.prefix}${path}: no answer within ${timeoutMs} ms`);
      }
      throw error;
    }
    let parsed: unknown;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!o.allow5xx) assert.ok(res.status < 500, `${method} ${this.prefix}${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  get(path: string, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.request('GET', path, headers ? { headers } : {});
  }

  post(path: string, json?: unknown): Promise<ApiResponse> {
    return this.request('POST', path, json === undefined ? {} : { json });
  }

  postRaw(path: string, body: RequestBody, contentType = 'application/json'): Promise<ApiResponse> {
    return this.request('POST', path, { body, headers: { 'content-type': contentType } });
  }

  delete(path: string): Promise<ApiResponse> {
    return this.request('DELETE', path);
  }

  /** A 2xx answer's JSON body (fails the test on anything else, showing the body). */
  async ok(method: string, path: string, o: RequestOptions = {}, expectedStatus = 200): Promise<any> {
    const res = await this.request(method, path, o);
    assert.equal(res.status, expectedStatus, `${method} ${path}: expected ${expectedStatus}, got ${res.status}: ${res.text.slice(0, 500)}`);
    return res.body;
  }
}

/**
 * Asserts an error answer: the exact status and the exact OpenAI body `{error:{message,type,param,code}}`
 * (or Azure's `{error:{code,message,param,type:"error",inner_error}}`) with `param` as given.
 */
export function assertError(
  res: ApiResponse,
  status: number,
  param: string | null | RegExp,
  o: { code?: string | null; dialect?: 'openai' | 'azure'; message?: RegExp } = {},
): void {
  const where = `${res.status} ${res.text.slice(0, 600)}`;
  assert.equal(res.status, status, `status: ${where}`);
  assert.ok(res.body !== null && typeof res.body === 'object', `JSON error body: ${where}`);
  assert.deepEqual(Object.keys(res.body as object), ['error'], `only 'error' at the top: ${where}`);
  const error = (res.body as { error: Record<string, unknown> }).error;
  if ((o.dialect ?? 'openai') === 'openai') {
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type'], `OpenAI error keys: ${where}`);
    assert.equal(error['type'], status >= 500 ? 'server_error' : 'invalid_request_error', `error.type: ${where}`);
    assert.ok(error['code'] === null || typeof error['code'] === 'string', `error.code string|null: ${where}`);
  } else {
    assert.deepEqual(Object.keys(error).sort(), ['code', 'inner_error', 'message', 'param', 'type'], `Azure error keys: ${where}`);
    assert.equal(error['type'], 'error', `Azure error.type: ${where}`);
    assert.equal(typeof error['code'], 'string', `Azure error.code: ${where}`);
  }
  assert.equal(typeof error['message'], 'string', `error.message: ${where}`);
  assert.ok((error['message'] as string).length > 0, `non-empty message: ${where}`);
  if (param instanceof RegExp) assert.match(String(error['param']), param, `error.param: ${where}`);
  else assert.equal(error['param'], param, `error.param: ${where}`);
  if (o.code !== undefined) assert.equal(error['code'], o.code, `error.code: ${where}`);
  if (o.message !== undefined) assert.match(error['message'] as string, o.message, `error.message: ${where}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Builders

export function stringCheck(name: string, input: string, reference: string, operation: 'eq' | 'ne' | 'like' | 'ilike' = 'eq') {
  return { type: 'string_check', name, input, reference, operation };
}

/** The item schema most suites use: `{answer: string}` plus anything else. */
export const answerSchema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

/** `sample.output_text` equals `item.answer`. */
export const answerCriterion = stringCheck('answer matches', '{{ sample.output_text }}', '{{ item.answer }}', 'eq');

export async function createEval(client: ApiClient, body: Record<string, unknown> = {}): Promise<any> {
  return client.ok(
    'POST',
    '/evals',
    { json: { name: 'integration', data_source_config: { type: 'custom', item_schema: answerSchema }, testing_criteria: [answerCriterion], ...body } },
    client.prefix.startsWith('/openai') ? 200 : 201,
  );
}

export interface JsonlRow {
  item: Record<string, unknown>;
  sample?: Record<string, unknown>;
}

/** `n` rows where row i passes `answerCriterion` iff `passes(i)`. */
export function answerRows(n: number, passes: (i: number) => boolean, pad = ''): JsonlRow[] {
  const rows: JsonlRow[] = [];
  for (let i = 0; i < n; i++) {
    const answer = `a${i}`;
    rows.push({ item: pad === '' ? { answer } : { answer, pad }, sample: { output_text: passes(i) ? answer : `wrong${i}` } });
  }
  return rows;
}

export const toJsonl = (rows: readonly JsonlRow[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export async function createRun(client: ApiClient, evalId: string, source: { rows: readonly JsonlRow[] } | { fileId: string }, extra: Record<string, unknown> = {}): Promise<any> {
  const dataSource = 'rows' in source
    ? { type: 'jsonl', source: { type: 'file_content', content: source.rows } }
    : { type: 'jsonl', source: { type: 'file_id', id: source.fileId } };
  return client.ok('POST', `/evals/${evalId}/runs`, { json: { data_source: dataSource, ...extra } }, 201);
}

export async function uploadFile(client: ApiClient, content: string | Uint8Array, o: { filename?: string; purpose?: string } = {}): Promise<any> {
  const form = new FormData();
  form.append('purpose', o.purpose ?? 'evals');
  form.append('file', new Blob([content]), o.filename ?? 'rows.jsonl');
  return client.ok('POST', '/files', { body: form });
}

export async function getRun(client: ApiClient, evalId: string, runId: string): Promise<any> {
  return client.ok('GET', `/evals/${evalId}/runs/${runId}`);
}

export async function waitForRunEnd(client: ApiClient, evalId: string, runId: string, timeoutMs = 120_000): Promise<any> {
  return waitForRun(() => getRun(client, evalId, runId) as Promise<{ status: string }>, timeoutMs);
}

/**
 * Walks a list endpoint with `after` to its end, checking every page on the way: `first_id` /
 * `last_id` match the data, `has_more` is true exactly when another page follows, no page is
 * larger than `limit` and no id repeats.
 */
export async function listAll(client: ApiClient, path: string, o: { limit?: number; order?: 'asc' | 'desc'; query?: Record<string, string> } = {}): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  const seen = new Set<string>();
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const params = new URLSearchParams(o.query ?? {});
    if (o.limit !== undefined) params.set('limit', String(o.limit));
    if (o.order !== undefined) params.set('order', o.order);
    if (after !== null) params.set('after', after);
    const qs = params.toString();
    const page = await client.ok('GET', `${path}${qs === '' ? '' : `?${qs}`}`);
    pages++;
    assert.equal(page.object, 'list');
    assert.ok(Array.isArray(page.data));
    if (o.limit !== undefined) assert.ok(page.data.length <= o.limit, `page of ${page.data.length} > limit ${o.limit}`);
    assert.equal(page.first_id, page.data[0]?.id ?? null, 'first_id');
    assert.equal(page.last_id, page.data.at(-1)?.id ?? null, 'last_id');
    for (const item of page.data) {
      assert.ok(!seen.has(item.id), `duplicate ${item.id} on page ${pages} of ${path}`);
      seen.add(item.id);
      items.push(item);
    }
    if (!page.has_more) break;
    assert.ok(page.data.length > 0, 'has_more on an empty page');
    if (o.limit !== undefined) assert.equal(page.data.length, o.limit, 'a page with has_more is full');
    after = page.last_id;
    assert.ok(pages < 100_000, 'runaway pagination');
  }
  return { items, pages };
}

/** Ids on every page of a list, following `after`. */
export async function listIds(client: ApiClient, path: string, o: { limit?: number; order?: 'asc' | 'desc'; query?: Record<string, string> } = {}): Promise<string[]> {
  return (await listAll(client, path, o)).items.map((i: { id: string }) => i.id);
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP (node:http) — for requests whose connection handling matters (oversize bodies).

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request over `agent` (a keep-alive agent lets a test reuse the connection); fails after `timeoutMs`. */
export function rawRequest(agent: http.Agent | false, url: string, method: string, body?: Buffer, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const req = http.request(url, { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (body) req.write(body);
    req.end();
  });
}

/** `rawRequest`'s answer as an ApiResponse, for `assertError`. */
export function asApiResponse(raw: RawResponse): ApiResponse {
  let body: unknown;
  try {
    body = JSON.parse(raw.text);
  } catch {
    body = undefined;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw.headers)) if (typeof v === 'string') headers.set(k, v);
  return { status: raw.status, headers, text: raw.text, body };
}
