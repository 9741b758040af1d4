import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from './rate-limiter.ts';

const elapsed = (start: number) => performance.now() - start;

describe('RateLimiter', () => {
  it('rpm: a full window bursts, the 11th of rpm=10 waits for the refill', async () => {
    // rpm 10 over a 200 ms "minute": one request back every 20 ms.
    const limiter = new RateLimiter({ rpm: 10, tpm: null, windowMs: 200 });
    const start = performance.now();
    for (let i = 0; i < 10; i++) assert.equal(await limiter.acquire(0), true);
    assert.ok(elapsed(start) < 15, `burst took ${elapsed(start)} ms`);
    assert.equal(await limiter.acquire(0), true);
    const waited = elapsed(start);
    assert.ok(waited >= 15 && waited < 150, `11th waited ${waited} ms`);
  });

  it('rpm: waiters are admitted in order, evenly spaced', async () => {
    const limiter = new RateLimiter({ rpm: 5, tpm: null, windowMs: 100 });
    for (let i = 0; i < 5; i++) await limiter.acquire(0);
    const start = performance.now();
    const order: number[] = [];
    await Promise.all([0, 1, 2].map(async (i) => {
      await limiter.acquire(0);
      order.push(i);
    }));
    assert.deepEqual(order, [0, 1, 2]);
    const total = elapsed(start);
    assert.ok(total >= 50 && total < 200, `3 more at 20 ms each took ${total} ms`);
  });

  it('tpm: estimates reserve tokens; overspend (actual > estimate) makes later calls wait, a refund frees budget', async () => {
    const limiter = new RateLimiter({ rpm: null, tpm: 1000, windowMs: 100 }); // 10 tokens per ms
    assert.equal(await limiter.acquire(600), true);
    limiter.adjust(-600); // the call failed: refund
    assert.equal(await limiter.acquire(900), true);
    limiter.adjust(900); // it used 1800
    let start = performance.now();
    await limiter.acquire(100); // bucket at -800 → ~90 ms until 100 are back
    assert.ok(elapsed(start) >= 70, `waited only ${elapsed(start)} ms`);
    // A request larger than the whole budget waits for a full bucket, not forever.
    start = performance.now();
    assert.equal(await limiter.acquire(5000), true);
    assert.ok(elapsed(start) < 250);
  });

  it('an aborted wait resolves false, takes nothing and lets the next waiter through', async () => {
    const limiter = new RateLimiter({ rpm: 1, tpm: null, windowMs: 60_000 });
    assert.equal(await limiter.acquire(0), true);
    const controller = new AbortController();
    const waiting = limiter.acquire(0, controller.signal);
    const behind = limiter.acquire(0, AbortSignal.timeout(30));
    assert.equal(limiter.waiting, 2);
    const start = performance.now();
    controller.abort();
    assert.equal(await waiting, false);
    assert.equal(await behind, false);
    assert.ok(elapsed(start) < 100);
    assert.equal(limiter.waiting, 0);
    assert.equal(await limiter.acquire(0, AbortSignal.abort()), false);
  });

  it('no limits: always admitted', async () => {
    const limiter = new RateLimiter({ rpm: null, tpm: null });
    for (let i = 0; i < 10_000; i++) assert.equal(await limiter.acquire(1e9), true);
  });
});
