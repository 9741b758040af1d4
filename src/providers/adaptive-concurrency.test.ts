import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveConcurrency, type AttemptTicket } from './adaptive-concurrency.ts';
import { cacheable, cacheKey, canonicalJson } from './response-cache.ts';
import type { ModelTarget } from './model-resolver.ts';

/** A provider that answers 429 to any attempt sent while more than `allowed` are in flight. */
async function simulate(gate: AdaptiveConcurrency, allowed: number, calls: number): Promise<{ throttled: number; limits: number[] }> {
  let inFlight = 0;
  let throttled = 0;
  const limits: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < calls) {
      next++;
      for (;;) {
        const ticket = (await gate.begin()) as AttemptTicket;
        inFlight++;
        const refused = inFlight > allowed;
        await new Promise((r) => setImmediate(r));
        inFlight--;
        gate.ended(ticket, refused ? 'throttled' : 'ok');
        limits.push(gate.limit);
        if (!refused) break;
        throttled++;
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  return { throttled, limits };
}

describe('AdaptiveConcurrency (AIMD)', () => {
  it('converges on what a provider allows: few refusals, the limit ends near it', async () => {
    const gate = new AdaptiveConcurrency({ max: 64 });
    const { throttled, limits } = await simulate(gate, 20, 5000);
    assert.ok(throttled < 5000 * 0.05, `${throttled} refusals for 5000 calls`);
    const tail = limits.slice(-1000);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    assert.ok(mean >= 17 && mean <= 21.5, `mean effective limit ${mean}`);
    assert.ok(Math.max(...tail) <= 21);
  });

  it('one cut per round: refusals of attempts sent before a cut do not cut again', () => {
    const gate = new AdaptiveConcurrency({ max: 10 });
    const tickets = Array.from({ length: 10 }, () => ({ epoch: 0, inFlight: 10 }));
    for (const t of tickets) gate.ended(t, 'throttled');
    assert.equal(gate.limit, 9);
  });

  it('pressure (x-ratelimit-remaining low) cuts by a tenth; growth needs a used limit', async () => {
    const changes: string[] = [];
    const gate = new AdaptiveConcurrency({ max: 10, onChange: (l, r) => changes.push(`${r}:${l}`) });
    const t = (await gate.begin())!;
    gate.ended(t, 'pressure');
    assert.equal(gate.limit, 9);
    // 100 sequential successes never reach the limit: no growth.
    for (let i = 0; i < 100; i++) gate.ended((await gate.begin())!, 'ok');
    assert.equal(gate.limit, 9);
    assert.deepEqual(changes, ['pressure:9']);
  });

  it('an aborted wait holds nothing', async () => {
    const gate = new AdaptiveConcurrency({ max: 1 });
    const held = (await gate.begin())!;
    const controller = new AbortController();
    const waiting = gate.begin(controller.signal);
    controller.abort();
    assert.equal(await waiting, null);
    gate.ended(held, 'ok');
    assert.equal(gate.inFlight, 0);
  });
});

describe('response cache keys', () => {
  const target = (baseURL = 'http://a/v1', upstreamModel = 'm'): ModelTarget => ({
    key: `p/${upstreamModel}`,
    providerName: 'p',
    provider: { type: 'openai', baseURL, apiKey: 'k' },
    upstreamModel,
    limits: { maxConcurrency: 1, rpm: null, tpm: null },
    cache: { mode: 'read_write', ttlSeconds: 60, nonzeroTemperature: false },
  });
  const params = { messages: [{ role: 'user', content: 'hi' }], temperature: 0, seed: 1, tools: [{ type: 'function', function: { name: 'f', parameters: { b: 1, a: 2 } } }] };

  it('canonical JSON: key order and undefined members do not matter', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined }], c: null } }), '{"a":{"c":null,"d":[1,{"y":2}]},"b":1}');
  });

  it('every parameter, the model, the provider address and the endpoint are in the key', () => {
    const base = cacheKey('chat.completions', target(), params);
    assert.equal(cacheKey('chat.completions', target(), JSON.parse(JSON.stringify({ ...params, messages: [{ content: 'hi', role: 'user' }] }))), base);
    assert.notEqual(cacheKey('chat.completions', target(), { ...params, seed: 2 }), base);
    assert.notEqual(cacheKey('chat.completions', target(), { ...params, max_completion_tokens: 5 }), base);
    assert.notEqual(cacheKey('chat.completions', target(), { ...params, tools: [] }), base);
    assert.notEqual(cacheKey('chat.completions', target(), { ...params, response_format: { type: 'json_object' } }), base);
    assert.notEqual(cacheKey('chat.completions', target('http://b/v1'), params), base);
    assert.notEqual(cacheKey('chat.completions', target('http://a/v1', 'm2'), params), base);
    assert.notEqual(cacheKey('responses', target(), params), base);
  });

  it('temperature > 0 (or unset: the API default 1) is not cached unless the config allows it', () => {
    assert.equal(cacheable('chat.completions', { temperature: 0 }, false), true);
    assert.equal(cacheable('chat.completions', { temperature: 0.2 }, false), false);
    assert.equal(cacheable('chat.completions', {}, false), false);
    assert.equal(cacheable('chat.completions', { temperature: 0.7 }, true), true);
    assert.equal(cacheable('embeddings', {}, false), true);
  });
});
