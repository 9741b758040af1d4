import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, decideRetry, defaultRetryPolicy, isRetryableStatus, retryAfterMs, type AttemptFailure } from './retry-policy.ts';

const headers = (h: Record<string, string>) => new Headers(h);
const status = (code: number, h: Record<string, string> = {}): AttemptFailure => ({ kind: 'status', status: code, headers: headers(h) });
const noJitter = { random: () => 0 };

describe('retry policy', () => {
  it('retries 408, 409, 429 and 5xx; not other 4xx; x-should-retry overrides', () => {
    for (const s of [408, 409, 429, 500, 502, 503, 504, 599]) assert.equal(isRetryableStatus(s), true, String(s));
    for (const s of [400, 401, 403, 404, 422]) assert.equal(isRetryableStatus(s), false, String(s));
    assert.equal(isRetryableStatus(400, headers({ 'x-should-retry': 'true' })), true);
    assert.equal(isRetryableStatus(503, headers({ 'x-should-retry': 'false' })), false);
  });

  it('reads retry-after-ms first, then retry-after seconds or an HTTP date', () => {
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '50', 'retry-after': '9' })), 50);
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '12.5' })), 12.5);
    assert.equal(retryAfterMs(headers({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(headers({ 'retry-after': '0.25' })), 250);
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': 'soon', 'retry-after': '1' })), 1000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now), 3000);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }), now), 0);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'whenever' })), undefined);
    assert.equal(retryAfterMs(headers({ 'retry-after': '-1' })), undefined);
    assert.equal(retryAfterMs(headers({})), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });

  it('backs off 0.5 s × 2^n capped at 8 s, with up to 25 % jitter taken off', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((n) => backoffMs(n, defaultRetryPolicy, () => 0)), [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(backoffMs(0, defaultRetryPolicy, () => 1), 375);
    for (let i = 0; i < 100; i++) {
      const d = backoffMs(2, defaultRetryPolicy);
      assert.ok(d > 1500 && d <= 2000, String(d));
    }
  });

  it('honours the server’s wait, backs off otherwise', () => {
    assert.deepEqual(decideRetry(status(429, { 'retry-after-ms': '50' }), 1), { retry: true, delayMs: 50 });
    assert.deepEqual(decideRetry(status(503, { 'retry-after': '3' }), 2), { retry: true, delayMs: 3000 });
    assert.deepEqual(decideRetry(status(500), 1, defaultRetryPolicy, noJitter), { retry: true, delayMs: 500 });
    assert.deepEqual(decideRetry(status(500), 3, defaultRetryPolicy, noJitter), { retry: true, delayMs: 2000 });
    assert.deepEqual(decideRetry({ kind: 'connection' }, 1, defaultRetryPolicy, noJitter), { retry: true, delayMs: 500 });
    assert.deepEqual(decideRetry({ kind: 'timeout' }, 2, defaultRetryPolicy, noJitter), { retry: true, delayMs: 1000 });
    assert.deepEqual(decideRetry({ kind: 'malformed' }, 1, defaultRetryPolicy, noJitter), { retry: true, delayMs: 500 });
    assert.deepEqual(decideRetry({ kind: 'malformed' }, 5), { retry: false, reason: 'gave up after 5 attempts' });
    // retry-after on a status that is not retried does not make it retried
    assert.deepEqual(decideRetry(status(400, { 'retry-after': '1' }), 1), { retry: false, reason: 'not retryable' });
  });

  it('gives up on a retry-after beyond the cap rather than hammering early', () => {
    assert.deepEqual(decideRetry(status(429, { 'retry-after': '120' }), 1), { retry: false, reason: 'upstream asked to retry after 120 s' });
    assert.deepEqual(decideRetry(status(429, { 'retry-after': '60' }), 1), { retry: true, delayMs: 60_000 });
  });

  it('bounds the attempts; fatal failures never retry', () => {
    assert.equal(decideRetry(status(500), 4).retry, true);
    assert.deepEqual(decideRetry(status(500), 5), { retry: false, reason: 'gave up after 5 attempts' });
    assert.deepEqual(decideRetry({ kind: 'timeout' }, 1, { ...defaultRetryPolicy, maxAttempts: 1 }), { retry: false, reason: 'gave up after 1 attempt' });
    assert.deepEqual(decideRetry({ kind: 'fatal' }, 1), { retry: false, reason: 'not retryable' });
  });
});
