import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import { LimiterRegistry } from './limiter-registry.ts';
import type { ModelTarget } from './model-resolver.ts';

describe('ConcurrencyLimiter', () => {
  it('never lets more than the limit in, under 200 concurrent acquires, and serves all in order', async () => {
    const limiter = new ConcurrencyLimiter(7);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        assert.equal(await limiter.acquire(), true);
        order.push(i);
        active++;
        peak = Math.max(peak, active);
        await delay(i % 3);
        active--;
        limiter.release();
      }),
    );
    assert.equal(peak, 7);
    assert.deepEqual(order, Array.from({ length: 200 }, (_, i) => i));
    assert.equal(limiter.active, 0);
    assert.equal(limiter.waiting, 0);
  });

  it('an aborted wait resolves false at once, holds nothing, and frees its place in line', async () => {
    const limiter = new ConcurrencyLimiter(1);
    assert.equal(await limiter.acquire(), true);
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    assert.equal(limiter.waiting, 2);
    controller.abort();
    assert.equal(await aborted, false);
    assert.equal(limiter.waiting, 1);
    limiter.release();
    assert.equal(await next, true);
    assert.equal(limiter.active, 1);
    limiter.release();
    assert.equal(limiter.active, 0);
  });

  it('an already aborted signal never acquires, even with free slots', async () => {
    const limiter = new ConcurrencyLimiter(2);
    assert.equal(await limiter.acquire(AbortSignal.abort()), false);
    assert.equal(limiter.active, 0);
  });

  it('a slot granted before the abort stays granted (release once)', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    limiter.release();
    controller.abort();
    assert.equal(await waiting, true);
    assert.equal(limiter.active, 1);
    limiter.release();
    assert.throws(() => limiter.release(), /without a held slot/);
  });

  it('refuses a nonsense limit', () => {
    assert.throws(() => new ConcurrencyLimiter(0), RangeError);
    assert.throws(() => new ConcurrencyLimiter(1.5), RangeError);
  });
});

describe('LimiterRegistry', () => {
  const target = (key: string, maxConcurrency = 2): ModelTarget => ({
    key,
    providerName: 'p',
    provider: { type: 'openai', baseURL: 'http://127.0.0.1/v1', apiKey: 'k' },
    upstreamModel: key,
    limits: { maxConcurrency, rpm: null, tpm: null },
    cache: { mode: 'off', ttlSeconds: 60, nonzeroTemperature: false },
  });

  it('one limiter per key, fixed by the first resolution; idle ones swept past 1,024 keys', async () => {
    const registry = new LimiterRegistry();
    const busy = registry.get(target('busy', 2));
    assert.equal(registry.get(target('busy', 9)), busy);
    assert.equal(busy.adaptive.limit, 2);
    assert.equal(busy.rate, null);
    assert.notEqual(registry.get({ ...target('paced'), limits: { maxConcurrency: 1, rpm: 5, tpm: null } }).rate, null);
    await busy.concurrency.acquire();
    for (let i = 0; i < 1100; i++) registry.get(target(`m${i}`));
    assert.ok(registry.size < 1100);
    assert.equal(registry.get(target('busy')), busy);
    busy.concurrency.release();
  });
});
