// An in-process fake of an OpenAI-compatible upstream for tests and benchmarks: Chat Completions
// (streaming too), Responses, Embeddings and the model list, with deterministic replies, usage
// and vectors, and deterministic injectable faults (latency, 429 + retry-after, 500, hung
// requests, connection resets, malformed JSON). Plain `node:http`, no dependencies.
//
// The happy path is kept cheap (no logging, fixed bodies precomputed, the chat body assembled
// from a template) because benchmarks drive it at thousands of calls per second.

import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { seededRandom as prng } from '../seeded-random.ts';

export const FAKE_OPENAI_API_KEY = 'sk-fake-openai';
export const DEFAULT_EMBEDDING_DIMENSIONS = 64;
export const DEFAULT_FAKE_MODELS: readonly string[] = ['gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini', 'text-embedding-3-small', 'fake-model'];

// ---------------------------------------------------------------------------------------------
// Types

export type FakeEndpoint = 'chat.completions' | 'responses' | 'embeddings' | 'models';
export type SamplingEndpoint = Exclude<FakeEndpoint, 'models'>;

/** An explicit HTTP answer, e.g. `{ status: 503 }` or `{ status: 400, body: {...} }`. */
export interface FakeStatusOutcome {
  status: number;
  /** JSON body; defaults to an OpenAI-shaped error. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * What the fake does with one sampling request:
 * - `ok`: a normal 200 answer (usage recorded in `stats.usageByModel`);
 * - `429`: rate-limit error with `retry-after` / `retry-after-ms` headers;
 * - `500`: server error;
 * - `timeout`: never answers; the request is held until the client gives up or the fake closes;
 * - `reset`: the socket is destroyed before any response byte;
 * - `reset_mid_body`: a 200 whose headers and half the body are sent, then the socket is destroyed;
 * - `malformed`: a complete 200 `application/json` whose body is not valid JSON (see `malformedKind`);
 * - `{ status, body?, headers? }`: any other HTTP answer.
 */
export type FakeOutcome = 'ok' | '429' | '500' | 'timeout' | 'reset' | 'reset_mid_body' | 'malformed' | FakeStatusOutcome;

export interface FakeMessage {
  role: string;
  text: string;
}

/** What reply, latency and fault functions see of a sampling request. */
export interface FakeRequest {
  readonly endpoint: SamplingEndpoint;
  readonly model: string;
  /** The parsed JSON body as sent. */
  readonly body: Record<string, any>;
  /** 1-based index of this sampling request since start / `reset()`. */
  readonly seq: number;
  /** The conversation as role + plain text (Responses `instructions` first, as `system`; embeddings: one `user` message per input). */
  readonly messages: readonly FakeMessage[];
  /** Text of the last `user` message (else of the last message, else ''). */
  readonly lastUserText: string;
  readonly headers: IncomingHttpHeaders;
}

export interface FakeToolCall {
  name: string;
  /** A string is sent as is; anything else is JSON-encoded. */
  arguments: unknown;
  id?: string;
}

export interface FakeReply {
  /** A string is sent as is; anything else (object, array, number) is JSON-encoded. `null` = no content. */
  content?: unknown;
  tool_calls?: readonly FakeToolCall[];
  refusal?: string;
  finish_reason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Overrides of the computed usage; `total_tokens` is always prompt + completion. */
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
}

export type FakeReplyResult = string | FakeReply;

export interface FakeBehavior {
  /** The model's answer; default: derived from the last user message (`reply: <text>`), or a schema instance under json_schema. */
  reply?: (request: FakeRequest) => FakeReplyResult | Promise<FakeReplyResult>;
  /** Delay before acting on a sampling request (any outcome), fixed or per request. */
  latencyMs?: number | ((request: FakeRequest) => number);
  /** Cached prompt tokens reported: a number, a function, or `cachedFraction` × prompt tokens (floored). Default 0. */
  cachedTokens?: number | ((request: FakeRequest, promptTokens: number) => number);
  cachedFraction?: number;
  /** Embedding size when the request has no `dimensions`. Default 64. */
  embeddingDimensions?: number;

  /** Outcomes consumed in order, one per faultable request; afterwards the rules below apply. */
  script?: readonly (FakeOutcome | `${number}`)[];
  /** Full control: return an outcome, or undefined to fall through to the counters / probabilities. */
  outcome?: (request: FakeRequest) => FakeOutcome | undefined;
  /** Every Nth faultable request (N, 2N, ...) gets this fault; checked in the order reset, timeout, 500, 429, malformed. */
  resetEvery?: number;
  timeoutEvery?: number;
  status500Every?: number;
  status429Every?: number;
  malformedEvery?: number;
  /** Probabilities (0..1) drawn from a PRNG seeded with `seed`: one draw per faultable request. */
  status429Probability?: number;
  status500Probability?: number;
  timeoutProbability?: number;
  resetProbability?: number;
  malformedProbability?: number;
  seed?: number;
  /** Which sampling requests faults apply to (and count towards `...Every`). Default: all. */
  faultFilter?: (request: FakeRequest) => boolean;

  /** `retry-after` header on 429s, in seconds; null omits it. Default 1. */
  retryAfterSeconds?: number | null;
  /** `retry-after-ms` header on 429s; null omits it. Default 20. */
  retryAfterMs?: number | null;
  /** `truncated` (default): the real body cut in half; `not_json`: a body that is not JSON at all. */
  malformedKind?: 'truncated' | 'not_json';
}

export interface FakeOpenAIOptions {
  /** Expected bearer key; null accepts any (or none). Default `FAKE_OPENAI_API_KEY`. */
  apiKey?: string | null;
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** What `GET /v1/models` lists. */
  models?: readonly string[];
  /** Reject models not in `models` with a 404 `model_not_found`. Default false. */
  strictModels?: boolean;
  /** Keep request bodies in `stats.recorded`: true = the first 1,000, a number = that many. Default off. */
  recordRequests?: boolean | number;
  /** How many arrival timestamps `stats.requestTimes` keeps (the most recent). Default 100,000. */
  maxRequestTimes?: number;
  /** The behavior at start and after `reset()`. */
  behavior?: FakeBehavior;
}

export interface FakeUsage {
  /** Successful responses that reported this usage. */
  invocation_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

export interface RecordedRequest {
  at: number;
  seq: number;
  endpoint: SamplingEndpoint;
  model: string;
  body: Record<string, any>;
  /** Filled in once the fake acts (`client_closed` if the client left first). */
  outcome: string | null;
}

export interface FakeStats {
  /** Every HTTP request, including model listings, 401s and 404s. */
  requests: number;
  /** Keys: chat.completions, responses, embeddings, models, other. */
  byEndpoint: Record<string, number>;
  /** Sampling requests per requested model (valid bodies only). */
  byModel: Record<string, number>;
  /**
   * Keys: ok, 429, 500, timeout, reset, reset_mid_body, malformed, <status> for explicit outcomes,
   * 400 / 401 / 404 for rejected requests, reply_error when the reply function threw, and
   * client_closed when the client went away before the fake acted (e.g. during latency).
   */
  byOutcome: Record<string, number>;
  /** Sampling requests being handled now: from arrival until the response is done or the socket closes. */
  inFlight: number;
  maxInFlight: number;
  inFlightByModel: Record<string, number>;
  maxInFlightByModel: Record<string, number>;
  /** Sums of exactly what successful (`ok`) responses reported. */
  usageByModel: Record<string, FakeUsage>;
  /** `Date.now()` at the arrival of each sampling request (the most recent `maxRequestTimes`). */
  requestTimes: number[];
  firstRequestAt: number | null;
  lastRequestAt: number | null;
  /** Only with `recordRequests`. */
  recorded: RecordedRequest[];
}

export interface FakeOpenAI {
  /** Base URL for the SDK's `baseURL`, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly port: number;
  /** The expected key (null when any is accepted). */
  readonly apiKey: string | null;
  /** Live counters; a fresh object after `reset()` / `resetStats()`, so read it through the fake. */
  readonly stats: Readonly<FakeStats>;
  /** Replaces the behavior (not merged) and restarts fault counters, the script and the PRNG. */
  setBehavior(behavior: FakeBehavior): void;
  /** Back to the start-up behavior, fresh stats, request numbering from 1. */
  reset(): void;
  /** Fresh stats only. */
  resetStats(): void;
  /** Sampling requests that arrived at or after `time` (ms since epoch), from `stats.requestTimes`. */
  requestsSince(time: number): number;
  /** Stops listening and destroys every open socket (hung requests included). */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Deterministic helpers (exported so tests can compute expectations)

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160;
}

/** Whitespace-separated words. */
export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}

/** The fake's prompt tokens: per message, its words + 3. */
export function countPromptTokens(messages: readonly FakeMessage[]): number {
  let n = 0;
  for (const m of messages) n += countWords(m.text) + 3;
  return n;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const NON_WORD = /[^\p{L}\p{N}]+/u;

/**
 * The fake's embedding: hashed bag of lower-cased words (weight 1) and word bigrams (0.5), plus
 * four small features of the exact string (0.25 each), L2-normalised. Equal strings → cosine 1;
 * different strings → below 1 (barring a hash collision); shared words → higher similarity.
 */
export function fakeEmbedding(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): Float32Array {
  const v = new Float64Array(dimensions);
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    v[(h & 0x7fffffff) % dimensions]! += h & 0x80000000 ? -weight : weight;
  };
  const words = text.toLowerCase().split(NON_WORD);
  let prev = '';
  for (const w of words) {
    if (w === '') continue;
    add(w, 1);
    if (prev !== '') add(`${prev} ${w}`, 0.5);
    prev = w;
  }
  for (let i = 0; i < 4; i++) add(`\u0000${i}\u0000${text}`, 0.25);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += v[i]! * v[i]!;
  const out = new Float32Array(dimensions);
  if (norm === 0) {
    out[0] = 1;
    return out;
  }
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] = v[i]! * inv;
  return out;
}

/** Cosine similarity of two vectors of equal length. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** A minimal instance of a (simple) JSON schema; strings get `text`. */
export function exampleFromSchema(schema: unknown, text: string, root: unknown = schema, depth = 0): unknown {
  if (depth > 8 || schema === null || typeof schema !== 'object') return null;
  const s = schema as Record<string, any>;
  if (typeof s.$ref === 'string') {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref);
    const target = m ? (root as Record<string, any> | null)?.[m[1]!]?.[m[2]!] : undefined;
    return exampleFromSchema(target, text, root, depth + 1);
  }
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const nonNull = alternatives.find((a: any) => a?.type !== 'null') ?? alternatives[0];
    return exampleFromSchema(nonNull, text, root, depth + 1);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined && s.properties) type = 'object';
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) out[key] = exampleFromSchema(sub, text, root, depth + 1);
      return out;
    }
    case 'array': {
      const count = Math.min(Math.max(typeof s.minItems === 'number' ? s.minItems : 1, 0), typeof s.maxItems === 'number' ? s.maxItems : 1_000);
      return Array.from({ length: count }, () => exampleFromSchema(s.items ?? {}, text, root, depth + 1));
    }
    case 'string':
      return text;
    case 'integer':
      return typeof s.minimum === 'number' ? Math.ceil(s.minimum) : 0;
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 0;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Request reading

function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content) {
    if (typeof p === 'string') out += (out ? ' ' : '') + p;
    else if (p && typeof p === 'object' && typeof p.text === 'string') out += (out ? ' ' : '') + p.text;
    else if (p && typeof p === 'object' && typeof p.refusal === 'string') out += (out ? ' ' : '') + p.refusal;
  }
  return out;
}

function chatMessages(body: Record<string, any>): FakeMessage[] {
  const out: FakeMessage[] = [];
  for (const m of body.messages as unknown[]) {
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, any>;
    out.push({ role: String(msg.role ?? 'user'), text: partsText(msg.content) });
  }
  return out;
}

function responsesMessages(body: Record<string, any>): FakeMessage[] {
  const out: FakeMessage[] = [];
  if (typeof body.instructions === 'string') out.push({ role: 'system', text: body.instructions });
  const input = body.input;
  if (typeof input === 'string') {
    out.push({ role: 'user', text: input });
    return out;
  }
  if (!Array.isArray(input)) return out;
  for (const item of input) {
    if (!item || typeof item !== 'object') continue;
    const it = item as Record<string, any>;
    if (it.type === 'function_call_output') out.push({ role: 'tool', text: typeof it.output === 'string' ? it.output : partsText(it.output) });
    else if (it.type === 'function_call') out.push({ role: 'assistant', text: String(it.arguments ?? '') });
    else if (typeof it.role === 'string') out.push({ role: it.role, text: partsText(it.content) });
  }
  return out;
}

/** Embedding inputs as texts (token arrays become their numbers joined by spaces). */
function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return null;
  if (typeof input[0] === 'number') return [input.join(' ')];
  const out: string[] = [];
  for (const x of input) {
    if (typeof x === 'string') out.push(x);
    else if (Array.isArray(x)) out.push(x.join(' '));
    else return null;
  }
  return out;
}

function lastUserText(messages: readonly FakeMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.text;
  return messages.length > 0 ? messages[messages.length - 1]!.text : '';
}

// ---------------------------------------------------------------------------------------------
// Fixed bodies

function errorBody(message: string, type: string, code: string | null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

const JSON_TYPE = 'application/json';
const BODY_401 = errorBody('Incorrect API key provided (fake-openai).', 'invalid_request_error', 'invalid_api_key');
const BODY_404_ROUTE = errorBody('Unknown endpoint (fake-openai).', 'invalid_request_error', 'unknown_url');
const BODY_429 = errorBody('Rate limit reached (fake-openai). Please try again later.', 'requests', 'rate_limit_exceeded');
const BODY_500 = errorBody('The server had an error while processing your request (fake-openai).', 'server_error', null);
const BODY_NOT_JSON = 'this is not JSON <html><body>502 Bad Gateway</body></html>';

interface Usage {
  prompt: number;
  completion: number;
  cached: number;
}

interface ResolvedReply {
  content: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  refusal: string | null;
  finishReason: string;
  usage: Usage;
}

// ---------------------------------------------------------------------------------------------
// The server

interface ResState {
  /** The stats object current when the request arrived: all its accounting goes there. */
  stats: FakeStats;
  closed: boolean;
  acted: boolean;
  model: string | null;
  record: RecordedRequest | null;
}

function freshStats(): FakeStats {
  return {
    requests: 0,
    byEndpoint: {},
    byModel: {},
    byOutcome: {},
    inFlight: 0,
    maxInFlight: 0,
    inFlightByModel: {},
    maxInFlightByModel: {},
    usageByModel: {},
    requestTimes: [],
    firstRequestAt: null,
    lastRequestAt: null,
    recorded: [],
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function outcomeName(o: FakeOutcome): string {
  return typeof o === 'string' ? o : String(o.status);
}

function normaliseOutcome(o: FakeOutcome | `${number}`): FakeOutcome {
  if (typeof o !== 'string') return o;
  switch (o) {
    case 'ok':
    case '429':
    case '500':
    case 'timeout':
    case 'reset':
    case 'reset_mid_body':
    case 'malformed':
      return o;
    default: {
      const status = Number(o);
      if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`fake-openai: unknown scripted outcome ${JSON.stringify(o)}`);
      return { status };
    }
  }
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const expectedAuth = options.apiKey === null ? null : `Bearer ${options.apiKey ?? FAKE_OPENAI_API_KEY}`;
  const models = options.models ?? DEFAULT_FAKE_MODELS;
  const modelSet = new Set(models);
  const strictModels = options.strictModels ?? false;
  const recordCap = options.recordRequests === true ? 1_000 : typeof options.recordRequests === 'number' ? options.recordRequests : 0;
  const maxTimes = Math.max(2, options.maxRequestTimes ?? 100_000);
  const initialBehavior: FakeBehavior = options.behavior ?? {};

  const created = Math.floor(Date.now() / 1000);
  const modelObject = (id: string) => ({ id, object: 'model', created, owned_by: 'fake-openai' });
  const modelsBody = JSON.stringify({ object: 'list', data: models.map(modelObject) });

  let stats = freshStats();
  let seq = 0;
  let behavior: FakeBehavior = initialBehavior;
  let script: FakeOutcome[] = [];
  let scriptPos = 0;
  let faultSeq = 0;
  let random = prng(1);
  let hasProbabilities = false;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  function applyBehavior(b: FakeBehavior): void {
    behavior = b;
    script = (b.script ?? []).map(normaliseOutcome);
    scriptPos = 0;
    faultSeq = 0;
    random = prng(b.seed ?? 1);
    hasProbabilities = !!(b.status429Probability || b.status500Probability || b.timeoutProbability || b.resetProbability || b.malformedProbability);
  }
  applyBehavior(initialBehavior);

  // --- responses --------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, body: string, extraHeaders?: Record<string, string>): void {
    const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) };
    if (extraHeaders) Object.assign(headers, extraHeaders);
    res.writeHead(status, headers);
    res.end(body);
  }

  /**
   * A chat completion as OpenAI streams it: a role chunk, the content a word at a time (each write
   * its own chunk on the wire), tool calls, a finish chunk, then a usage chunk when asked, `[DONE]`.
   */
  function sendStream(res: ServerResponse, completionBody: string, includeUsage: boolean, requestId: string): void {
    const c = JSON.parse(completionBody) as Record<string, any>;
    const base = { id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model, system_fingerprint: c.system_fingerprint, ...(includeUsage ? { usage: null } : {}) };
    const choice = c.choices[0];
    const message = choice.message;
    const deltas: Record<string, unknown>[] = [{ role: 'assistant', content: '' }];
    if (typeof message.content === 'string') for (const part of message.content.match(/\S+\s*|\s+/g) ?? []) deltas.push({ content: part });
    if (message.refusal) deltas.push({ refusal: message.refusal });
    (message.tool_calls ?? []).forEach((t: any, index: number) => deltas.push({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.function.name, arguments: t.function.arguments } }] }));
    const events = deltas.map((delta) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] }));
    events.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: choice.finish_reason }] });
    if (includeUsage) events.push({ ...base, choices: [], usage: c.usage });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': requestId });
    for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  function reject(res: ServerResponse, state: ResState | null, status: number, body: string): void {
    if (state) state.acted = true;
    bump((state ? state.stats : stats).byOutcome, String(status));
    send(res, status, body);
  }

  function markOutcome(state: ResState, name: string): void {
    state.acted = true;
    bump(state.stats.byOutcome, name);
    if (state.record) state.record.outcome = name;
  }

  function decideOutcome(req: FakeRequest): FakeOutcome {
    const b = behavior;
    if (b.faultFilter && !b.faultFilter(req)) return 'ok';
    const n = ++faultSeq;
    if (scriptPos < script.length) return script[scriptPos++]!;
    if (b.outcome) {
      const o = b.outcome(req);
      if (o !== undefined) return normaliseOutcome(o);
    }
    if (b.resetEvery && n % b.resetEvery === 0) return 'reset';
    if (b.timeoutEvery && n % b.timeoutEvery === 0) return 'timeout';
    if (b.status500Every && n % b.status500Every === 0) return '500';
    if (b.status429Every && n % b.status429Every === 0) return '429';
    if (b.malformedEvery && n % b.malformedEvery === 0) return 'malformed';
    if (hasProbabilities) {
      let r = random();
      if ((r -= b.status429Probability ?? 0) < 0) return '429';
      if ((r -= b.status500Probability ?? 0) < 0) return '500';
      if ((r -= b.timeoutProbability ?? 0) < 0) return 'timeout';
      if ((r -= b.resetProbability ?? 0) < 0) return 'reset';
      if ((r -= b.malformedProbability ?? 0) < 0) return 'malformed';
    }
    return 'ok';
  }

  function cachedFor(req: FakeRequest, prompt: number): number {
    const c = behavior.cachedTokens;
    let cached = typeof c === 'function' ? c(req, prompt) : typeof c === 'number' ? c : behavior.cachedFraction ? Math.floor(prompt * behavior.cachedFraction) : 0;
    if (!(cached > 0)) cached = 0;
    return Math.min(Math.floor(cached), prompt);
  }

  function defaultReply(req: FakeRequest): string {
    const text = `reply: ${req.lastUserText}`;
    const format = req.endpoint === 'chat.completions' ? req.body.response_format : req.body.text?.format;
    if (format && typeof format === 'object') {
      if (format.type === 'json_schema') {
        const schema = req.endpoint === 'chat.completions' ? format.json_schema?.schema : format.schema;
        return JSON.stringify(exampleFromSchema(schema ?? {}, text));
      }
      if (format.type === 'json_object') return JSON.stringify({ reply: text });
    }
    return text;
  }

  function resolveReply(req: FakeRequest, result: FakeReplyResult): ResolvedReply {
    let content: string | null;
    let refusal: string | null = null;
    let finishReason: string | null = null;
    const toolCalls: ResolvedReply['toolCalls'] = [];
    let overrides: FakeReply['usage'];
    if (typeof result === 'string') content = result;
    else {
      const c = result.content;
      content = c === undefined || c === null ? null : typeof c === 'string' ? c : JSON.stringify(c);
      if (result.refusal !== undefined) refusal = result.refusal;
      if (result.tool_calls) {
        result.tool_calls.forEach((t, i) => {
          toolCalls.push({ id: t.id ?? `call_fake_${req.seq}_${i}`, name: t.name, arguments: typeof t.arguments === 'string' ? t.arguments : JSON.stringify(t.arguments ?? {}) });
        });
      }
      finishReason = result.finish_reason ?? null;
      overrides = result.usage;
      if (content === null && refusal === null && toolCalls.length === 0) content = '';
    }
    const limit = req.endpoint === 'chat.completions' ? (req.body.max_completion_tokens ?? req.body.max_tokens) : req.body.max_output_tokens;
    if (typeof limit === 'number' && content !== null && countWords(content) > limit) {
      content = content.split(/\s+/).filter((w) => w !== '').slice(0, Math.max(0, limit)).join(' ');
      finishReason = 'length';
    }
    let completion = (content === null ? 0 : countWords(content)) + (refusal === null ? 0 : countWords(refusal));
    for (const t of toolCalls) completion += countWords(t.name) + countWords(t.arguments);
    const prompt = overrides?.prompt_tokens ?? countPromptTokens(req.messages);
    if (overrides?.completion_tokens !== undefined) completion = overrides.completion_tokens;
    const cached = overrides?.cached_tokens ?? cachedFor(req, prompt);
    finishReason ??= toolCalls.length > 0 ? 'tool_calls' : 'stop';
    return { content, toolCalls, refusal, finishReason, usage: { prompt, completion, cached } };
  }

  function chatBody(req: FakeRequest, r: ResolvedReply, now: number): string {
    let message = `{"role":"assistant","content":${JSON.stringify(r.content)},"refusal":${JSON.stringify(r.refusal)},"annotations":[]`;
    if (r.toolCalls.length > 0) {
      message += `,"tool_calls":${JSON.stringify(r.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })))}`;
    }
    message += '}';
    const u = r.usage;
    return (
      `{"id":"chatcmpl-fake-${req.seq}","object":"chat.completion","created":${Math.floor(now / 1000)},"model":${JSON.stringify(req.model)},` +
      `"choices":[{"index":0,"message":${message},"logprobs":null,"finish_reason":"${r.finishReason}"}],` +
      `"usage":{"prompt_tokens":${u.prompt},"completion_tokens":${u.completion},"total_tokens":${u.prompt + u.completion},` +
      `"prompt_tokens_details":{"cached_tokens":${u.cached},"audio_tokens":0},` +
      `"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},` +
      `"service_tier":"default","system_fingerprint":"fp_fake"}`
    );
  }

  function responsesBody(req: FakeRequest, r: ResolvedReply, now: number): string {
    const output: unknown[] = [];
    if (r.content !== null || r.refusal !== null) {
      const content: unknown[] = [];
      if (r.content !== null) content.push({ type: 'output_text', text: r.content, annotations: [], logprobs: [] });
      if (r.refusal !== null) content.push({ type: 'refusal', refusal: r.refusal });
      output.push({ type: 'message', id: `msg_fake_${req.seq}`, status: 'completed', role: 'assistant', content });
    }
    r.toolCalls.forEach((t, i) => {
      output.push({ type: 'function_call', id: `fc_fake_${req.seq}_${i}`, call_id: t.id, name: t.name, arguments: t.arguments, status: 'completed' });
    });
    const incomplete = r.finishReason === 'length' ? 'max_output_tokens' : r.finishReason === 'content_filter' ? 'content_filter' : null;
    const b = req.body;
    const u = r.usage;
    return JSON.stringify({
      id: `resp_fake_${req.seq}`,
      object: 'response',
      created_at: Math.floor(now / 1000),
      status: incomplete ? 'incomplete' : 'completed',
      error: null,
      incomplete_details: incomplete ? { reason: incomplete } : null,
      instructions: b.instructions ?? null,
      max_output_tokens: b.max_output_tokens ?? null,
      model: req.model,
      output,
      parallel_tool_calls: b.parallel_tool_calls ?? true,
      previous_response_id: b.previous_response_id ?? null,
      reasoning: { effort: b.reasoning?.effort ?? null, summary: null },
      service_tier: 'default',
      store: b.store ?? true,
      temperature: b.temperature ?? 1,
      text: b.text ?? { format: { type: 'text' } },
      tool_choice: b.tool_choice ?? 'auto',
      tools: b.tools ?? [],
      top_p: b.top_p ?? 1,
      truncation: 'disabled',
      usage: {
        input_tokens: u.prompt,
        input_tokens_details: { cached_tokens: u.cached },
        output_tokens: u.completion,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: u.prompt + u.completion,
      },
      user: b.user ?? null,
      metadata: b.metadata ?? {},
    });
  }

  function embeddingsBody(req: FakeRequest): { body: string; usage: Usage } {
    const b = req.body;
    const dims = typeof b.dimensions === 'number' && b.dimensions > 0 ? Math.floor(b.dimensions) : (behavior.embeddingDimensions ?? DEFAULT_EMBEDDING_DIMENSIONS);
    const base64 = b.encoding_format === 'base64';
    let tokens = 0;
    const data = req.messages.map((m, index) => {
      tokens += countWords(m.text);
      const v = fakeEmbedding(m.text, dims);
      const embedding = base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v);
      return { object: 'embedding', index, embedding };
    });
    return { body: JSON.stringify({ object: 'list', data, model: req.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }), usage: { prompt: tokens, completion: 0, cached: 0 } };
  }

  function recordUsage(s: FakeStats, model: string, u: Usage): void {
    let entry = s.usageByModel[model];
    if (!entry) s.usageByModel[model] = entry = { invocation_count: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 };
    entry.invocation_count++;
    entry.prompt_tokens += u.prompt;
    entry.completion_tokens += u.completion;
    entry.total_tokens += u.prompt + u.completion;
    entry.cached_tokens += u.cached;
  }

  /** Builds the 200 body (and its usage) for a request; may go async when the reply function does. */
  function buildOk(req: FakeRequest, done: (body: string, usage: Usage) => void, fail: (error: unknown) => void): void {
    const now = Date.now();
    if (req.endpoint === 'embeddings') {
      const { body, usage } = embeddingsBody(req);
      done(body, usage);
      return;
    }
    const finish = (result: FakeReplyResult) => {
      const r = resolveReply(req, result);
      done(req.endpoint === 'chat.completions' ? chatBody(req, r, now) : responsesBody(req, r, now), r.usage);
    };
    if (!behavior.reply) {
      finish(defaultReply(req));
      return;
    }
    let result: FakeReplyResult | Promise<FakeReplyResult>;
    try {
      result = behavior.reply(req);
    } catch (error) {
      fail(error);
      return;
    }
    if (typeof result === 'object' && typeof (result as Promise<FakeReplyResult>).then === 'function') {
      (result as Promise<FakeReplyResult>).then((r) => {
        try {
          finish(r);
        } catch (error) {
          fail(error);
        }
      }, fail);
    } else {
      try {
        finish(result as FakeReplyResult);
      } catch (error) {
        fail(error);
      }
    }
  }

  function act(req: FakeRequest, res: ServerResponse, state: ResState, outcome: FakeOutcome): void {
    if (state.closed || closed) return;
    if (typeof outcome !== 'string') {
      markOutcome(state, outcomeName(outcome));
      const body = outcome.body === undefined ? errorBody(`Fake upstream error ${outcome.status} (fake-openai).`, outcome.status >= 500 ? 'server_error' : 'invalid_request_error', null) : JSON.stringify(outcome.body);
      send(res, outcome.status, body, outcome.headers);
      return;
    }
    switch (outcome) {
      case 'timeout':
        markOutcome(state, 'timeout');
        return; // held until the client or close() destroys the socket
      case 'reset':
        markOutcome(state, 'reset');
        res.socket?.destroy();
        return;
      case '429': {
        markOutcome(state, '429');
        const headers: Record<string, string> = {};
        if (behavior.retryAfterSeconds !== null) headers['retry-after'] = String(behavior.retryAfterSeconds ?? 1);
        if (behavior.retryAfterMs !== null) headers['retry-after-ms'] = String(behavior.retryAfterMs ?? 20);
        send(res, 429, BODY_429, headers);
        return;
      }
      case '500':
        markOutcome(state, '500');
        send(res, 500, BODY_500);
        return;
      default:
        break;
    }
    buildOk(
      req,
      (body, usage) => {
        if (state.closed || closed) return;
        const requestId = `req_fake_${req.seq}`;
        if (outcome === 'ok') {
          markOutcome(state, 'ok');
          recordUsage(state.stats, req.model, usage);
          if (req.body.stream === true) sendStream(res, body, req.body.stream_options?.include_usage === true, requestId);
          else send(res, 200, body, { 'x-request-id': requestId });
        } else if (outcome === 'malformed') {
          markOutcome(state, 'malformed');
          send(res, 200, behavior.malformedKind === 'not_json' ? BODY_NOT_JSON : body.slice(0, Math.floor(body.length / 2)), { 'x-request-id': requestId });
        } else {
          markOutcome(state, 'reset_mid_body');
          res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), 'x-request-id': requestId });
          res.write(body.slice(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        }
      },
      (error) => {
        if (state.closed || closed) return;
        markOutcome(state, 'reply_error');
        send(res, 500, errorBody(`fake-openai reply function threw: ${error instanceof Error ? error.message : String(error)}`, 'server_error', 'reply_error'));
      },
    );
  }

  function handleBody(endpoint: SamplingEndpoint, httpReq: IncomingMessage, res: ServerResponse, state: ResState, raw: string, arrivedAt: number, n: number): void {
    if (state.closed || closed) return;
    let body: Record<string, any>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, any>;
    } catch {
      reject(res, state, 400, errorBody('We could not parse the JSON body of your request (fake-openai).', 'invalid_request_error', null));
      return;
    }
    const model = body.model;
    if (typeof model !== 'string' || model === '') {
      reject(res, state, 400, errorBody('you must provide a model parameter', 'invalid_request_error', null, 'model'));
      return;
    }
    if (strictModels && !modelSet.has(model)) {
      reject(res, state, 404, errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
      return;
    }
    if (body.stream === true && endpoint !== 'chat.completions') {
      reject(res, state, 400, errorBody('Streaming is supported for chat completions only by fake-openai.', 'invalid_request_error', 'unsupported_value', 'stream'));
      return;
    }
    let messages: FakeMessage[];
    if (endpoint === 'chat.completions') {
      if (!Array.isArray(body.messages) || body.messages.length === 0) {
        reject(res, state, 400, errorBody("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
        return;
      }
      messages = chatMessages(body);
    } else if (endpoint === 'responses') {
      if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
        reject(res, state, 400, errorBody("Missing required parameter: 'input'.", 'invalid_request_error', 'missing_required_parameter', 'input'));
        return;
      }
      messages = responsesMessages(body);
    } else {
      const inputs = embeddingInputs(body.input);
      if (inputs === null) {
        reject(res, state, 400, errorBody("'input' must be a non-empty string, array of strings or array of token arrays.", 'invalid_request_error', 'invalid_value', 'input'));
        return;
      }
      messages = inputs.map((text) => ({ role: 'user', text }));
    }

    const s = state.stats;
    bump(s.byModel, model);
    state.model = model;
    const current = (s.inFlightByModel[model] ?? 0) + 1;
    s.inFlightByModel[model] = current;
    if (current > (s.maxInFlightByModel[model] ?? 0)) s.maxInFlightByModel[model] = current;

    const req: FakeRequest = { endpoint, model, body, seq: n, messages, lastUserText: lastUserText(messages), headers: httpReq.headers };
    if (s.recorded.length < recordCap) {
      state.record = { at: arrivedAt, seq: n, endpoint, model, body, outcome: null };
      s.recorded.push(state.record);
    }

    let outcome: FakeOutcome;
    let latency: number;
    try {
      outcome = decideOutcome(req);
      const l = behavior.latencyMs;
      latency = typeof l === 'function' ? l(req) : (l ?? 0);
    } catch (error) {
      markOutcome(state, 'reply_error');
      send(res, 500, errorBody(`fake-openai behavior function threw: ${error instanceof Error ? error.message : String(error)}`, 'server_error', 'reply_error'));
      return;
    }
    if (latency > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        act(req, res, state, outcome);
      }, latency);
      timers.add(timer);
    } else {
      act(req, res, state, outcome);
    }
  }

  function onRequest(httpReq: IncomingMessage, res: ServerResponse): void {
    const s = stats;
    s.requests++;
    const rawUrl = httpReq.url ?? '';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    let endpoint: FakeEndpoint | null = null;
    if (httpReq.method === 'POST') {
      if (path === '/v1/chat/completions') endpoint = 'chat.completions';
      else if (path === '/v1/responses') endpoint = 'responses';
      else if (path === '/v1/embeddings') endpoint = 'embeddings';
    } else if (httpReq.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) endpoint = 'models';
    bump(s.byEndpoint, endpoint ?? 'other');

    if (endpoint === null) return reject(res, null, 404, BODY_404_ROUTE);
    if (expectedAuth !== null && httpReq.headers.authorization !== expectedAuth) return reject(res, null, 401, BODY_401);
    if (endpoint === 'models') {
      if (path === '/v1/models') {
        bump(s.byOutcome, 'ok');
        return send(res, 200, modelsBody);
      }
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/v1/models/'.length));
      } catch {
        return reject(res, null, 400, errorBody('Malformed model id.', 'invalid_request_error', null, 'model'));
      }
      if (strictModels && !modelSet.has(id)) return reject(res, null, 404, errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model'));
      bump(s.byOutcome, 'ok');
      return send(res, 200, JSON.stringify(modelObject(id)));
    }

    const arrivedAt = Date.now();
    const n = ++seq;
    const times = s.requestTimes;
    if (times.length >= maxTimes) times.splice(0, maxTimes >> 1);
    times.push(arrivedAt);
    s.firstRequestAt ??= arrivedAt;
    s.lastRequestAt = arrivedAt;
    if (++s.inFlight > s.maxInFlight) s.maxInFlight = s.inFlight;

    const state: ResState = { stats: s, closed: false, acted: false, model: null, record: null };
    res.on('close', () => {
      state.closed = true;
      s.inFlight--;
      if (state.model !== null) s.inFlightByModel[state.model] = (s.inFlightByModel[state.model] ?? 1) - 1;
      if (!state.acted && !closed) {
        bump(s.byOutcome, 'client_closed');
        if (state.record) state.record.outcome = 'client_closed';
      }
    });

    const chunks: Buffer[] = [];
    httpReq.on('data', (c: Buffer) => chunks.push(c));
    httpReq.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      handleBody(endpoint, httpReq, res, state, raw, arrivedAt, n);
    });
    httpReq.on('error', () => undefined);
  }

  const server = http.createServer({ noDelay: true, keepAlive: true }, onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/v1`,
    port: address.port,
    apiKey: expectedAuth === null ? null : (options.apiKey ?? FAKE_OPENAI_API_KEY),
    get stats() {
      return stats;
    },
    setBehavior(b: FakeBehavior) {
      applyBehavior(b);
    },
    reset() {
      applyBehavior(initialBehavior);
      stats = freshStats();
      seq = 0;
    },
    resetStats() {
      stats = freshStats();
    },
    requestsSince(time: number) {
      const times = stats.requestTimes;
      let lo = 0;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid]! < time) lo = mid + 1;
        else hi = mid;
      }
      return times.length - lo;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
}
