interface Waiter {
  resolve(granted: boolean): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const GRANTED: Promise<boolean> = Promise.resolve(true);
const REFUSED: Promise<boolean> = Promise.resolve(false);

/**
 * A FIFO semaphore. `acquire` resolves true once the caller holds a slot (release it exactly once),
 * or false when its signal aborted first: an aborted wait holds nothing and starts nothing.
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  #active = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return REFUSED;
    if (this.#active < this.limit && this.#waiters.length === 0) {
      this.#active++;
      return GRANTED;
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const at = this.#waiters.indexOf(waiter);
          if (at !== -1) this.#waiters.splice(at, 1);
          resolve(false);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives the slot back, straight to the longest waiter if there is one. */
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      if (this.#active === 0) throw new Error('ConcurrencyLimiter.release() without a held slot');
      this.#active--;
      return;
    }
    next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve(true);
  }
}
