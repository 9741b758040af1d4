/**
 * The one retry policy for upstream model calls, as pure functions (openai-node's rules): retry
 * 408, 409, 429, ≥ 500, connection errors, timeouts and malformed bodies; `x-should-retry` overrides the status;
 * wait `retry-after-ms`, else `retry-after` (seconds or an HTTP date), else exponential backoff
 * with jitter. Unlike openai-node, a server asking for more than `maxRetryAfterMs` is not retried
 * early (that only earns another 429): the call gives up and says why.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A longer `retry-after` gives up instead of waiting. */
  readonly maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 });

/** Header lookup, as `Headers#get` (null when absent). */
export interface HeaderSource {
  get(name: string): string | null;
}

/** What went wrong with one attempt, as far as retrying cares. */
export type AttemptFailure =
  | { readonly kind: 'status'; readonly status: number; readonly headers: HeaderSource | undefined }
  | { readonly kind: 'connection' }
  | { readonly kind: 'timeout' }
  /**
   * A 200 whose body is not the JSON asked for (cut short, an HTML page from a proxy). Retried,
   * unlike openai-node: behind gateways and load balancers it is usually transient, and a row lost
   * to it costs more than one more call.
   */
  | { readonly kind: 'malformed' }
  /** A request the server rejected for good, a bug: never retried. */
  | { readonly kind: 'fatal' };

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly reason: string };

export function isRetryableStatus(status: number, headers?: HeaderSource): boolean {
  const explicit = headers?.get('x-should-retry');
  if (explicit === 'true') return true;
  if (explicit === 'false') return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The wait the server asked for, in ms; undefined when it asked for none (or nothing sensible). */
export function retryAfterMs(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Backoff before retry number `retryIndex` (0 = the first retry): initial × 2^n, capped, minus up to 25 % jitter. */
export function backoffMs(retryIndex: number, policy: RetryPolicy = defaultRetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.initialDelayMs * 2 ** retryIndex, policy.maxDelayMs);
  return base * (1 - random() * 0.25);
}

/**
 * Whether to try again after attempt number `attempt` (1-based) failed, and after how long.
 */
export function decideRetry(
  failure: AttemptFailure,
  attempt: number,
  policy: RetryPolicy = defaultRetryPolicy,
  clock: { now?: number; random?: () => number } = {},
): RetryDecision {
  if (failure.kind === 'fatal') return { retry: false, reason: 'not retryable' };
  if (failure.kind === 'status' && !isRetryableStatus(failure.status, failure.headers)) return { retry: false, reason: 'not retryable' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}` };
  if (failure.kind === 'status') {
    const asked = retryAfterMs(failure.headers, clock.now ?? Date.now());
    if (asked !== undefined) {
      if (asked > policy.maxRetryAfterMs) return { retry: false, reason: `upstream asked to retry after ${Math.ceil(asked / 1000)} s` };
      return { retry: true, delayMs: asked };
    }
  }
  return { retry: true, delayMs: backoffMs(attempt - 1, policy, clock.random) };
}
