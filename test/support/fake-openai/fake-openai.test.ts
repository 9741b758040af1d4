// The fake OpenAI upstream, driven through the official `openai` SDK for each endpoint and fault.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, AuthenticationError, InternalServerError, RateLimitError } from 'openai';
import { cosineSimilarity, countPromptTokens, fakeEmbedding, FAKE_OPENAI_API_KEY, startFakeOpenAI, type FakeOpenAI } from './fake-openai.ts';

const MODEL = 'gpt-4o-mini';

describe('fake OpenAI upstream', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  before(async () => {
    fake = await startFakeOpenAI({ recordRequests: true });
    client = new OpenAI({ baseURL: fake.url, apiKey: FAKE_OPENAI_API_KEY, maxRetries: 0 });
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  describe('endpoints', () => {
    it('chat completions: deterministic echo, usage, stats', async () => {
      const messages = [
        { role: 'system' as const, content: 'You are terse.' },
        { role: 'user' as const, content: 'hello there world' },
      ];
      const c = await client.chat.completions.create({ model: MODEL, messages });
      assert.equal(c.object, 'chat.completion');
      assert.equal(c.choices.length, 1);
      assert.equal(c.choices[0]!.message.content, 'reply: hello there world');
      assert.equal(c.choices[0]!.finish_reason, 'stop');
      assert.equal(c._request_id, 'req_fake_1');
      const prompt = 3 + 3 + (3 + 3); // words + 3 per message
      assert.equal(countPromptTokens([{ role: 'system', text: 'You are terse.' }, { role: 'user', text: 'hello there world' }]), prompt);
      assert.deepEqual(
        { p: c.usage?.prompt_tokens, c: c.usage?.completion_tokens, t: c.usage?.total_tokens, cached: c.usage?.prompt_tokens_details?.cached_tokens },
        { p: prompt, c: 4, t: prompt + 4, cached: 0 },
      );
      assert.deepEqual(fake.stats.usageByModel[MODEL], { invocation_count: 1, prompt_tokens: prompt, completion_tokens: 4, total_tokens: prompt + 4, cached_tokens: 0 });
      assert.equal(fake.stats.byEndpoint['chat.completions'], 1);
      assert.equal(fake.stats.byModel[MODEL], 1);
      assert.equal(fake.stats.byOutcome.ok, 1);
      assert.equal(fake.stats.recorded[0]?.body.messages[1].content, 'hello there world');
      assert.equal(fake.stats.recorded[0]?.outcome, 'ok');
      assert.equal(fake.stats.inFlight, 0);
    });

    it('chat completions: json_schema (synthesised and scripted), tools, max tokens, cached tokens', async () => {
      const response_format = {
        type: 'json_schema' as const,
        json_schema: {
          name: 'verdict',
          strict: true,
          schema: { type: 'object', properties: { label: { type: 'string', enum: ['yes', 'no'] }, score: { type: 'number' }, why: { type: 'string' } }, required: ['label', 'score', 'why'], additionalProperties: false },
        },
      };
      const synthesised = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'is it?' }], response_format });
      assert.deepEqual(JSON.parse(synthesised.choices[0]!.message.content!), { label: 'yes', score: 0, why: 'reply: is it?' });

      fake.setBehavior({ reply: (req) => ({ content: { label: 'no', score: req.seq, why: req.lastUserText } }), cachedFraction: 0.5 });
      const scripted = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'is it?' }], response_format });
      assert.deepEqual(JSON.parse(scripted.choices[0]!.message.content!), { label: 'no', score: 2, why: 'is it?' });
      assert.equal(scripted.usage?.prompt_tokens_details?.cached_tokens, 2); // floor(5 * 0.5)

      fake.setBehavior({ reply: () => ({ tool_calls: [{ name: 'lookup', arguments: { q: 'cats' } }] }) });
      const tools = await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'find cats' }],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      });
      const call = tools.choices[0]!.message.tool_calls![0]!;
      assert.equal(tools.choices[0]!.finish_reason, 'tool_calls');
      assert.equal(call.type, 'function');
      assert.equal(call.type === 'function' ? call.function.arguments : '', '{"q":"cats"}');

      fake.setBehavior({});
      const cut = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'one two three four five' }], max_completion_tokens: 3 });
      assert.equal(cut.choices[0]!.message.content, 'reply: one two');
      assert.equal(cut.choices[0]!.finish_reason, 'length');
      assert.equal(cut.usage?.completion_tokens, 3);

      const old = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'one two three four five' }], max_tokens: 2 });
      assert.equal(old.choices[0]!.finish_reason, 'length');
    });

    it('responses: output items, output_text, usage with cached tokens, function calls', async () => {
      fake.setBehavior({ cachedTokens: 4 });
      const r = await client.responses.create({ model: 'gpt-4.1', instructions: 'Be brief.', input: [{ role: 'user', content: 'what is up' }] });
      assert.equal(r.object, 'response');
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, 'reply: what is up');
      const msg = r.output[0]!;
      assert.equal(msg.type, 'message');
      const prompt = 2 + 3 + (3 + 3);
      assert.deepEqual(r.usage, { input_tokens: prompt, input_tokens_details: { cached_tokens: 4 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: prompt + 4 });
      assert.deepEqual(fake.stats.usageByModel['gpt-4.1'], { invocation_count: 1, prompt_tokens: prompt, completion_tokens: 4, total_tokens: prompt + 4, cached_tokens: 4 });

      const json = await client.responses.create({
        model: 'gpt-4.1',
        input: 'rate it',
        text: { format: { type: 'json_schema', name: 'r', schema: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] } } },
      });
      assert.deepEqual(JSON.parse(json.output_text), { n: 1 });

      fake.setBehavior({ reply: () => ({ tool_calls: [{ name: 'add', arguments: '{"a":1,"b":2}' }] }) });
      const fc = await client.responses.create({ model: 'gpt-4.1', input: 'add', tools: [{ type: 'function', name: 'add', parameters: {}, strict: false }] });
      const item = fc.output[0]!;
      assert.equal(item.type, 'function_call');
      assert.equal(item.type === 'function_call' ? item.arguments : '', '{"a":1,"b":2}');

      fake.setBehavior({});
      const cut = await client.responses.create({ model: 'gpt-4.1', input: 'a b c d', max_output_tokens: 2 });
      assert.equal(cut.status, 'incomplete');
      assert.equal(cut.incomplete_details?.reason, 'max_output_tokens');
      assert.equal(cut.output_text, 'reply: a');
    });

    it('embeddings: deterministic normalised vectors (base64 via the SDK default, and float)', async () => {
      const e = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['the cat sat', 'the cat sat', 'the dog ran', 'sat cat the'] });
      assert.equal(e.data.length, 4);
      const [a, b, c, d] = e.data.map((x) => x.embedding) as [number[], number[], number[], number[]];
      assert.equal(a.length, 64);
      assert.ok(Math.abs(cosineSimilarity(a, a) - 1) < 1e-6);
      assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-5);
      assert.ok(Math.abs(cosineSimilarity(a, b) - 1) < 1e-6);
      assert.ok(cosineSimilarity(a, c) < 0.9);
      assert.ok(cosineSimilarity(a, d) < 1 - 1e-6);
      assert.ok(cosineSimilarity(a, d) > cosineSimilarity(a, c));
      assert.deepEqual(a, Array.from(fakeEmbedding('the cat sat')));
      assert.deepEqual(e.usage, { prompt_tokens: 12, total_tokens: 12 });
      assert.deepEqual(fake.stats.usageByModel['text-embedding-3-small'], { invocation_count: 1, prompt_tokens: 12, completion_tokens: 0, total_tokens: 12, cached_tokens: 0 });

      const f = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'the cat sat', encoding_format: 'float', dimensions: 16 });
      assert.equal(f.data[0]!.embedding.length, 16);
      assert.deepEqual(f.data[0]!.embedding, Array.from(fakeEmbedding('the cat sat', 16)));
    });

    it('models, auth, bad requests', async () => {
      const list = await client.models.list();
      assert.ok(list.data.some((m) => m.id === MODEL));

      const wrong = new OpenAI({ baseURL: fake.url, apiKey: 'sk-wrong', maxRetries: 0 });
      await assert.rejects(wrong.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => {
        assert.ok(err instanceof AuthenticationError);
        assert.equal(err.status, 401);
        assert.equal(err.code, 'invalid_api_key');
        return true;
      });
      await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [] }), OpenAI.BadRequestError);
      assert.equal(fake.stats.byOutcome['401'], 1);
      assert.equal(fake.stats.byOutcome['400'], 1);
      assert.equal(fake.stats.inFlight, 0);
    });
  });

  describe('faults', () => {
    const ask = (c: OpenAI = client, options?: OpenAI.RequestOptions) => c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, options);

    it('429 with retry-after and retry-after-ms every Nth request', async () => {
      fake.setBehavior({ status429Every: 2, retryAfterSeconds: 3, retryAfterMs: 2500 });
      await ask();
      await assert.rejects(ask(), (err: unknown) => {
        assert.ok(err instanceof RateLimitError);
        assert.equal(err.status, 429);
        assert.equal(err.headers.get('retry-after'), '3');
        assert.equal(err.headers.get('retry-after-ms'), '2500');
        assert.equal(err.code, 'rate_limit_exceeded');
        return true;
      });
      await ask();
      await assert.rejects(ask(), RateLimitError);
      assert.deepEqual(fake.stats.byOutcome, { ok: 2, '429': 2 });
      assert.equal(fake.stats.usageByModel[MODEL]?.invocation_count, 2);
    });

    it('500 → InternalServerError', async () => {
      fake.setBehavior({ status500Every: 1 });
      await assert.rejects(ask(), (err: unknown) => err instanceof InternalServerError && err.status === 500);
      assert.equal(fake.stats.usageByModel[MODEL], undefined);
    });

    it('reset → APIConnectionError', async () => {
      fake.setBehavior({ resetEvery: 1 });
      await assert.rejects(ask(), (err: unknown) => err instanceof APIConnectionError && !(err instanceof APIConnectionTimeoutError));
      assert.equal(fake.stats.byOutcome.reset, 1);
      fake.setBehavior({ script: ['reset_mid_body'] });
      await assert.rejects(ask());
      assert.equal(fake.stats.byOutcome.reset_mid_body, 1);
      assert.equal(fake.stats.usageByModel[MODEL], undefined);
    });

    it('timeout: the request hangs until the client gives up', async () => {
      fake.setBehavior({ timeoutEvery: 1 });
      const started = Date.now();
      await assert.rejects(ask(client, { timeout: 200 }), APIConnectionTimeoutError);
      assert.ok(Date.now() - started < 2_000);
      assert.equal(fake.stats.byOutcome.timeout, 1);
      for (let i = 0; i < 50 && fake.stats.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fake.stats.inFlight, 0, 'the abandoned request no longer counts as in flight');
    });

    it('malformed JSON → a parse error (truncated and not-JSON bodies)', async () => {
      fake.setBehavior({ malformedEvery: 1 });
      await assert.rejects(ask(), SyntaxError);
      fake.setBehavior({ malformedEvery: 1, malformedKind: 'not_json' });
      await assert.rejects(ask(), SyntaxError);
      assert.equal(fake.stats.byOutcome.malformed, 2);
      assert.equal(fake.stats.usageByModel[MODEL], undefined);
    });

    it('script mode: outcomes consumed in order, then normal; SDK retries honour retry-after-ms', async () => {
      fake.setBehavior({ script: ['429', 'ok', '500', 'ok', '503'] });
      await assert.rejects(ask(), RateLimitError);
      await ask();
      await assert.rejects(ask(), InternalServerError);
      await ask();
      await assert.rejects(ask(), (err: unknown) => err instanceof InternalServerError && err.status === 503);
      await ask();
      assert.deepEqual(fake.stats.byOutcome, { ok: 3, '429': 1, '500': 1, '503': 1 });

      fake.reset();
      fake.setBehavior({ script: ['429', '429', 'ok'], retryAfterMs: 5 });
      const retrying = new OpenAI({ baseURL: fake.url, apiKey: FAKE_OPENAI_API_KEY, maxRetries: 2 });
      const started = Date.now();
      const c = await ask(retrying);
      assert.equal(c.choices[0]!.message.content, 'reply: hi');
      assert.ok(Date.now() - started < 500, 'retry-after-ms was honoured');
      assert.equal(fake.stats.requests, 3);
      assert.equal(fake.stats.usageByModel[MODEL]?.invocation_count, 1);
    });

    it('seeded probabilities are deterministic', async () => {
      const run = async () => {
        fake.reset();
        fake.setBehavior({ seed: 42, status429Probability: 0.3, status500Probability: 0.2 });
        const seen: string[] = [];
        for (let i = 0; i < 20; i++) seen.push(await ask().then(() => 'ok', (e: unknown) => String((e as { status?: number }).status)));
        return seen;
      };
      const first = await run();
      assert.deepEqual(await run(), first);
      assert.ok(first.includes('ok') && first.includes('429') && first.includes('500'), first.join(','));
    });

    it('client leaving during latency is counted as client_closed, not as usage', async () => {
      fake.setBehavior({ latencyMs: 300 });
      const controller = new AbortController();
      const p = ask(client, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(p);
      for (let i = 0; i < 50 && fake.stats.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fake.stats.byOutcome.client_closed, 1);
      assert.equal(fake.stats.recorded[0]?.outcome, 'client_closed');
      assert.equal(fake.stats.usageByModel[MODEL], undefined);
      const t = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(fake.requestsSince(t), 0);
      assert.ok(fake.stats.lastRequestAt !== null && fake.stats.lastRequestAt < t);
    });

    it('close() ends hung requests promptly', async () => {
      const other = await startFakeOpenAI({ behavior: { timeoutEvery: 1 } });
      const c = new OpenAI({ baseURL: other.url, apiKey: FAKE_OPENAI_API_KEY, maxRetries: 0, timeout: 60_000 });
      const hung = ask(c).then(
        () => 'answered',
        (e: unknown) => e,
      );
      for (let i = 0; i < 400 && other.stats.byOutcome.timeout !== 1; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(other.stats.byOutcome.timeout, 1);
      const started = Date.now();
      await other.close();
      const result = await hung;
      assert.ok(result instanceof APIConnectionError);
      assert.ok(Date.now() - started < 1_000);
    });
  });

  describe('accounting', () => {
    it('maxInFlight with 20 concurrent calls held 1 s each', async () => {
      // Long enough that all 20 overlap even on a loaded machine (at 50 ms one call sometimes
      // finished before the last started).
      fake.setBehavior({ latencyMs: 1000 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.chat.completions.create({ model: i % 2 ? MODEL : 'gpt-4.1', messages: [{ role: 'user', content: `row ${i}` }] })),
      );
      assert.equal(results.length, 20);
      assert.equal(fake.stats.maxInFlight, 20);
      assert.equal(fake.stats.maxInFlightByModel[MODEL], 10);
      assert.equal(fake.stats.maxInFlightByModel['gpt-4.1'], 10);
      assert.equal(fake.stats.inFlight, 0);
      assert.deepEqual(fake.stats.inFlightByModel, { [MODEL]: 0, 'gpt-4.1': 0 });
      const sum = results.reduce((acc, r) => acc + (r.usage?.total_tokens ?? 0), 0);
      const reported = Object.values(fake.stats.usageByModel).reduce((acc, u) => acc + u.total_tokens, 0);
      assert.equal(reported, sum);
      assert.equal(fake.stats.requestTimes.length, 20);
    });

    it('recordRequests is bounded', async () => {
      const small = await startFakeOpenAI({ recordRequests: 3 });
      try {
        const c = new OpenAI({ baseURL: small.url, apiKey: FAKE_OPENAI_API_KEY, maxRetries: 0 });
        for (let i = 0; i < 5; i++) await c.embeddings.create({ model: 'text-embedding-3-small', input: `x${i}` });
        assert.equal(small.stats.recorded.length, 3);
        assert.equal(small.stats.byEndpoint.embeddings, 5);
      } finally {
        await small.close();
      }
    });

    it('throughput: plain fetch, 32 in flight, 3 s', async (t) => {
      const url = `${fake.url}/chat/completions`;
      const init = {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${FAKE_OPENAI_API_KEY}` },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'system', content: 'Grade the answer.' }, { role: 'user', content: 'The quick brown fox jumps over the lazy dog.' }] }),
      };
      const deadline = Date.now() + 3_000;
      let calls = 0;
      const worker = async () => {
        while (Date.now() < deadline) {
          const r = await fetch(url, init);
          await r.json();
          calls++;
        }
      };
      const started = Date.now();
      await Promise.all(Array.from({ length: 32 }, worker));
      const perSecond = Math.round(calls / ((Date.now() - started) / 1000));
      t.diagnostic(`fake-openai throughput: ${perSecond} calls/s (${calls} calls, 32 in flight)`);
      console.log(`fake-openai throughput: ${perSecond} calls/s (${calls} calls, 32 in flight)`);
      assert.equal(fake.stats.byOutcome.ok, calls);
      assert.equal(fake.stats.maxInFlight <= 32, true);
    });
  });
});
