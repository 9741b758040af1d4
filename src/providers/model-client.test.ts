import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { FAKE_OPENAI_API_KEY, startFakeOpenAI, type FakeOpenAI } from '../../test/support/fake-openai/fake-openai.ts';
import { configFileSchema } from '../config.ts';
import { LimiterRegistry } from './limiter-registry.ts';
import { ModelClients, type ModelCallResult } from './model-client.ts';
import type { RetryPolicy } from './retry-policy.ts';

const fastRetries: RetryPolicy = { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 60_000 };
const hello = { messages: [{ role: 'user' as const, content: 'hello there world' }] };

function okValue<T>(r: ModelCallResult<T>) {
  if (!r.ok) assert.fail(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r;
}
function errorOf<T>(r: ModelCallResult<T>) {
  if (r.ok) assert.fail('expected an error');
  return r;
}

const transports: [string, typeof fetch | undefined][] = [
  ['node:http transport', undefined],
  ['global fetch transport', globalThis.fetch],
];

for (const [transport, fetchImpl] of transports) describe(`ModelClients against the fake upstream (${transport})`, () => {
  let fake: FakeOpenAI;
  let clients: ModelClients;
  const make = (extra: { timeoutMs?: number; retryPolicy?: RetryPolicy; limiters?: LimiterRegistry } = {}) =>
    new ModelClients({
      configFile: configFileSchema.parse({
        providers: { fake: { type: 'openai', base_url: fake.url, api_key: FAKE_OPENAI_API_KEY }, keyless: { type: 'openai', base_url: fake.url, api_key_env: 'UNSET_KEY' } },
        models: {
          limited: { provider: 'fake', model: 'fake-model', max_concurrency: 3 },
          paced: { provider: 'fake', model: 'o4-mini', rpm: 10 },
        },
        default_provider: 'fake',
      }),
      secrets: {},
      timeoutMs: extra.timeoutMs ?? 2_000,
      retryPolicy: extra.retryPolicy ?? fastRetries,
      ...(extra.limiters === undefined ? {} : { limiters: extra.limiters }),
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });

  before(async () => {
    fake = await startFakeOpenAI({ recordRequests: true });
    clients = make();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('chat: the SDK response with usage exactly as the upstream reported it', async () => {
    fake.setBehavior({ cachedFraction: 0.5 });
    const r = okValue(await clients.chat('gpt-4o-mini', { ...hello, max_completion_tokens: 50 }));
    assert.equal(r.attempts, 1);
    assert.equal(r.model, 'gpt-4o-mini');
    assert.equal(r.value.choices[0]?.message.content, 'reply: hello there world');
    const u = r.value.usage!;
    assert.deepEqual(r.usage, { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens, cached_tokens: u.prompt_tokens_details?.cached_tokens });
    const seen = fake.stats.usageByModel['gpt-4o-mini']!;
    assert.deepEqual(r.usage, { prompt_tokens: seen.prompt_tokens, completion_tokens: seen.completion_tokens, total_tokens: seen.total_tokens, cached_tokens: seen.cached_tokens });
    assert.equal(r.usage.cached_tokens, 3);
    assert.equal(fake.stats.recorded[0]?.body.max_completion_tokens, 50);
  });

  it('responses and embeddings: usage mapped to prompt/completion/total/cached', async () => {
    fake.setBehavior({ cachedTokens: 2 });
    const r = okValue(await clients.responses('gpt-4.1', { input: 'one two three', instructions: 'be brief' }));
    const u = r.value.usage!;
    assert.deepEqual(r.usage, { prompt_tokens: u.input_tokens, completion_tokens: u.output_tokens, total_tokens: u.total_tokens, cached_tokens: 2 });
    assert.equal(r.value.output_text, 'reply: one two three');
    const e = okValue(await clients.embeddings('fake/text-embedding-3-small', ['a b', 'c']));
    assert.deepEqual(e.usage, { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3, cached_tokens: 0 });
    assert.equal(e.value.data.length, 2);
    assert.equal(e.model, 'text-embedding-3-small');
    const total = Object.values(fake.stats.usageByModel).reduce((sum, m) => sum + m.total_tokens, 0);
    assert.equal(r.usage.total_tokens + e.usage.total_tokens, total);
  });

  it('429 with retry-after-ms 50, then success: waits as asked, attempts 2', async () => {
    fake.setBehavior({ script: ['429', 'ok'], retryAfterMs: 50, retryAfterSeconds: 30 });
    const start = performance.now();
    const r = okValue(await clients.chat('gpt-4o-mini', hello));
    assert.equal(r.attempts, 2);
    assert.ok(performance.now() - start >= 45, 'honoured retry-after-ms');
    assert.equal(fake.stats.byOutcome['429'], 1);
  });

  it('500 until the attempts run out: error data, every attempt made', async () => {
    fake.setBehavior({ status500Every: 1 });
    const r = errorOf(await clients.chat('gpt-4o-mini', hello));
    assert.equal(r.attempts, 3);
    assert.equal(r.error.code, 'server_error');
    assert.match(r.error.message, /^upstream answered 500 .*\(gave up after 3 attempts\)$/);
    assert.equal(fake.stats.byOutcome['500'], 3);
  });

  it('a 4xx is not retried and keeps the upstream code', async () => {
    fake.setBehavior({ script: [{ status: 400, body: { error: { message: 'context too long', type: 'invalid_request_error', code: 'context_length_exceeded', param: null } } }] });
    const r = errorOf(await clients.chat('gpt-4o-mini', hello));
    assert.deepEqual(r, { ok: false, attempts: 1, status: 400, error: { code: 'context_length_exceeded', message: 'upstream answered 400 context too long' } });
  });

  it('a connection reset (before or during the body) is retried', async () => {
    fake.setBehavior({ script: ['reset', 'reset_mid_body', 'ok'] });
    const r = okValue(await clients.chat('gpt-4o-mini', hello));
    assert.equal(r.attempts, 3);
    fake.setBehavior({ resetEvery: 1 });
    const failed = errorOf(await clients.chat('gpt-4o-mini', hello));
    assert.equal(failed.error.code, 'connection_error');
    assert.equal(failed.attempts, 3);
  });

  it('a malformed 200 body (cut, not JSON, or the wrong shape) is retried, then error data', async () => {
    fake.setBehavior({ script: ['malformed', 'ok'] });
    assert.equal(okValue(await clients.chat('gpt-4o-mini', hello)).attempts, 2);
    fake.setBehavior({ script: ['malformed', 'malformed', 'ok'], malformedKind: 'not_json' });
    assert.equal(okValue(await clients.chat('gpt-4o-mini', hello)).attempts, 3);
    fake.setBehavior({ malformedEvery: 1 });
    const r = errorOf(await clients.chat('gpt-4o-mini', hello));
    assert.equal(r.attempts, 3);
    assert.equal(r.error.code, 'invalid_response');
    assert.match(r.error.message, /^upstream sent malformed JSON: .*\(gave up after 3 attempts\)$/);
    fake.setBehavior({ outcome: () => ({ status: 200, body: { id: 'x', object: 'chat.completion' } }) });
    const shape = errorOf(await clients.chat('gpt-4o-mini', hello));
    assert.equal(shape.error.message, 'upstream answered 200 without a chat completion (choices) (gave up after 3 attempts)');
    assert.equal(shape.attempts, 3);
  });

  it('a timeout is retried, then error data', async () => {
    const quick = make({ timeoutMs: 100 });
    fake.setBehavior({ script: ['timeout', 'ok'] });
    assert.equal(okValue(await quick.chat('gpt-4o-mini', hello)).attempts, 2);
    fake.setBehavior({ timeoutEvery: 1 });
    const start = performance.now();
    const r = errorOf(await quick.chat('gpt-4o-mini', hello));
    assert.deepEqual(r.error, { code: 'timeout', message: 'upstream did not answer within 100 ms (gave up after 3 attempts)' });
    assert.equal(r.attempts, 3);
    assert.ok(performance.now() - start < 1_000);
  });

  it('abort mid-call: canceled promptly, and the upstream sees the request closed', async () => {
    fake.setBehavior({ latencyMs: 10_000 });
    const controller = new AbortController();
    const pending = clients.chat('gpt-4o-mini', hello, controller.signal);
    while (fake.stats.inFlight === 0) await delay(2);
    const start = performance.now();
    controller.abort();
    const r = errorOf(await pending);
    assert.ok(performance.now() - start < 100, `canceled after ${performance.now() - start} ms`);
    assert.equal(r.error.code, 'canceled');
    assert.equal(r.attempts, 1);
    for (let i = 0; i < 100 && fake.stats.inFlight > 0; i++) await delay(5);
    assert.equal(fake.stats.inFlight, 0);
    assert.equal(fake.stats.byOutcome.client_closed, 1);
  });

  it('abort during the backoff, or before the call: no new request starts', async () => {
    fake.setBehavior({ script: ['429', 'ok'], retryAfterMs: 5_000 });
    const controller = new AbortController();
    const pending = clients.chat('gpt-4o-mini', hello, controller.signal);
    while (fake.stats.byOutcome['429'] !== 1) await delay(2);
    controller.abort();
    const r = errorOf(await pending);
    assert.equal(r.error.code, 'canceled');
    assert.equal(r.attempts, 1);
    assert.equal(errorOf(await clients.chat('gpt-4o-mini', hello, AbortSignal.abort())).attempts, 0);
    await delay(20);
    assert.equal(fake.stats.requests, 1);
  });

  it('max_concurrency holds across callers; a wait aborted in the queue never calls', async () => {
    fake.setBehavior({ latencyMs: 15 });
    const results = await Promise.all(Array.from({ length: 20 }, () => clients.chat('limited', hello)));
    assert.ok(results.every((r) => r.ok));
    assert.equal(fake.stats.maxInFlightByModel['fake-model'], 3);
    fake.resetStats();
    const controller = new AbortController();
    const held = Array.from({ length: 3 }, () => clients.chat('limited', hello));
    const queued = clients.chat('limited', hello, controller.signal);
    controller.abort();
    assert.equal(errorOf(await queued).attempts, 0);
    await Promise.all(held);
    assert.equal(fake.stats.requests, 3);
  });

  it('rpm is shared through the registry: the 11th call of rpm=10 waits', async () => {
    const limiters = new LimiterRegistry({ windowMs: 3_000 }); // 10 per 3 s: the bucket starts full, one back every 300 ms
    const runA = make({ limiters });
    const runB = make({ limiters });
    const start = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? runA : runB).chat('paced', hello)));
    const burst = performance.now() - start;
    okValue(await runB.chat('paced', hello));
    const eleventh = performance.now() - start;
    assert.ok(burst < 250, `the first 10 took ${burst} ms`);
    assert.ok(eleventh >= 290, `the 11th finished ${eleventh} ms after the first started`);
  });

  it('an unknown model or a provider without a key is error data, and nothing is sent', async () => {
    const noDefault = new ModelClients({ configFile: configFileSchema.parse({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: 'k' } } }), secrets: {} });
    assert.deepEqual(await noDefault.chat('gpt-4o', hello), {
      ok: false,
      attempts: 0,
      error: { code: 'model_not_found', message: "unknown model 'gpt-4o': it is not a PROCTOR_CONFIG models entry, not '<provider>/<model>' with a configured provider (fake), and no default_provider is set" },
    });
    assert.deepEqual(errorOf(await clients.chat('keyless/gpt-4o', hello)).error, { code: 'missing_api_key', message: "provider 'keyless' has no API key: set UNSET_KEY" });
    assert.equal(fake.stats.requests, 0);
  });

  it('a refused connection is retried, then error data', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const nowhere = new ModelClients({
      configFile: configFileSchema.parse({ providers: { gone: { type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: 'k' } }, default_provider: 'gone' }),
      secrets: {},
      retryPolicy: fastRetries,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
    const r = errorOf(await nowhere.chat('gpt-4o', hello));
    assert.equal(r.error.code, 'connection_error');
    assert.equal(r.attempts, 3);
    assert.match(r.error.message, /ECONNREFUSED/);
  });
});

describe('ModelClients with an Azure provider', () => {
  const seen: { url: string; apiKey: string | undefined; authorization: string | undefined; body: Record<string, unknown> }[] = [];
  let server: http.Server;
  let endpoint = '';

  before(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', apiKey: req.headers['api-key'] as string | undefined, authorization: req.headers.authorization, body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-2024-08-06', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('routes by deployment with the api-key header and api-version, reading no environment', async () => {
    const saved = process.env.OPENAI_BASE_URL;
    process.env.OPENAI_BASE_URL = 'http://127.0.0.1:1/v1'; // would collide with `endpoint` if the SDK read it
    try {
      const clients = new ModelClients({
        configFile: configFileSchema.parse({
          providers: { az: { type: 'azure', endpoint, api_key_env: 'AZ_KEY', api_version: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o' } } },
          default_provider: 'az',
        }),
        secrets: { AZ_KEY: 'azure-secret' },
      });
      const r = okValue(await clients.chat('gpt-4o', hello));
      assert.deepEqual(r.usage, { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8, cached_tokens: 0 });
      assert.equal(r.model, 'gpt-4o-2024-08-06');
      okValue(await clients.chat('other-deployment', hello));
      assert.equal(seen[0]?.url, '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21');
      assert.equal(seen[0]?.apiKey, 'azure-secret');
      assert.equal(seen[0]?.authorization, undefined);
      assert.equal(seen[0]?.body.model, 'prod-4o');
      assert.equal(seen[1]?.url, '/openai/deployments/other-deployment/chat/completions?api-version=2024-10-21');
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });
});
