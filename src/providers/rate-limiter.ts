interface Waiter {
  tokens: number;
  resolve(granted: boolean): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface RateLimiterOptions {
  /** Requests per window; null: unlimited. */
  readonly rpm: number | null;
  /** Tokens per window; null: unlimited. */
  readonly tpm: number | null;
  /** The window the limits are per: a minute, shorter in tests. */
  readonly windowMs?: number;
  readonly now?: () => number;
}

/** What a model call needs of rpm/tpm limits, in-process or shared by every process. */
export interface RateGate {
  readonly waiting: number;
  /** Resolves true once one request with `tokens` estimated tokens may start; false if aborted first. */
  acquire(tokens: number, signal?: AbortSignal): Promise<boolean>;
  /** Corrects the token budget once the real usage is known (negative: a refund). */
  adjust(deltaTokens: number): void;
}

const GRANTED: Promise<boolean> = Promise.resolve(true);
const REFUSED: Promise<boolean> = Promise.resolve(false);

/**
 * Request- and token-per-minute limits as two token buckets that start full and refill
 * continuously (a full minute's budget may burst; then calls are spaced evenly). Callers wait in
 * FIFO order. A call reserves its estimated tokens up front and `adjust`s by (actual − estimate)
 * afterwards; overspending drives the bucket negative, so later calls wait it off.
 */
export class RateLimiter implements RateGate {
  readonly #requestCapacity: number;
  readonly #tokenCapacity: number;
  readonly #requestRate: number;
  readonly #tokenRate: number;
  readonly #now: () => number;
  #requests: number;
  #tokens: number;
  #stamp: number;
  readonly #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    const windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? (() => performance.now());
    this.#requestCapacity = options.rpm ?? Number.POSITIVE_INFINITY;
    this.#tokenCapacity = options.tpm ?? Number.POSITIVE_INFINITY;
    this.#requestRate = this.#requestCapacity / windowMs;
    this.#tokenRate = this.#tokenCapacity / windowMs;
    this.#requests = this.#requestCapacity;
    this.#tokens = this.#tokenCapacity;
    this.#stamp = this.#now();
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves true once one request with `tokens` estimated tokens may start; false if aborted first. */
  acquire(tokens: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return REFUSED;
    // A call larger than the whole budget waits for a full bucket rather than forever.
    const cost = Math.min(Math.max(0, tokens), this.#tokenCapacity);
    if (this.#waiters.length === 0) {
      this.#refill();
      if (this.#fits(cost)) {
        this.#take(cost);
        return GRANTED;
      }
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        tokens: cost,
        resolve,
        signal,
        onAbort: () => {
          const at = this.#waiters.indexOf(waiter);
          if (at !== -1) this.#waiters.splice(at, 1);
          resolve(false);
          if (at === 0) this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      if (this.#waiters.length === 1) this.#pump();
    });
  }

  /** Corrects the token bucket once the real usage is known (negative: a refund). */
  adjust(deltaTokens: number): void {
    if (deltaTokens === 0 || !Number.isFinite(this.#tokenCapacity)) return;
    this.#refill();
    this.#tokens = Math.min(this.#tokenCapacity, this.#tokens - deltaTokens);
    if (deltaTokens < 0 && this.#waiters.length > 0) this.#pump();
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#stamp;
    if (elapsed <= 0) return;
    this.#stamp = now;
    if (Number.isFinite(this.#requestCapacity)) this.#requests = Math.min(this.#requestCapacity, this.#requests + elapsed * this.#requestRate);
    if (Number.isFinite(this.#tokenCapacity)) this.#tokens = Math.min(this.#tokenCapacity, this.#tokens + elapsed * this.#tokenRate);
  }

  #fits(cost: number): boolean {
    return this.#requests >= 1 && this.#tokens >= cost;
  }

  #take(cost: number): void {
    if (Number.isFinite(this.#requestCapacity)) this.#requests -= 1;
    if (Number.isFinite(this.#tokenCapacity)) this.#tokens -= cost;
  }

  /** Admits waiters from the head while they fit; otherwise sleeps until the head will. */
  #pump(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#refill();
    let head = this.#waiters[0];
    while (head !== undefined && this.#fits(head.tokens)) {
      this.#waiters.shift();
      this.#take(head.tokens);
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve(true);
      head = this.#waiters[0];
    }
    if (head === undefined) return;
    const forRequest = this.#requests >= 1 ? 0 : (1 - this.#requests) / this.#requestRate;
    const forTokens = this.#tokens >= head.tokens ? 0 : (head.tokens - this.#tokens) / this.#tokenRate;
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, Math.ceil(Math.max(forRequest, forTokens))));
  }
}
