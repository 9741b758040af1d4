interface Waiter {
  resolve(granted: boolean): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const GRANTED: Promise<boolean> = Promise.resolve(true);
const REFUSED: Promise<boolean> = Promise.resolve(false);

/** What a model call needs of a concurrency limit, in-process or shared by every process. */
export interface ConcurrencyGate {
  readonly active: number;
  readonly waiting: number;
  /** Resolves true once the caller holds a slot (release it exactly once); false if aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean>;
  release(): void;
  /** The effective limit changed (adaptive concurrency); the gate never admits more than this. */
  setCap(cap: number): void;
}

/**
 * A FIFO semaphore. `acquire` resolves true once the caller holds a slot (release it exactly once),
 * or false when its signal aborted first: an aborted wait holds nothing and starts nothing. The
 * limit may change while calls hold slots: a lower one admits nobody until enough are released.
 */
export class ConcurrencyLimiter implements ConcurrencyGate {
  #limit: number;
  #active = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  setCap(cap: number): void {
    this.#limit = Math.max(1, Math.floor(cap));
    while (this.#active < this.#limit && this.#waiters.length > 0) {
      const next = this.#waiters.shift()!;
      next.signal?.removeEventListener('abort', next.onAbort);
      this.#active++;
      next.resolve(true);
    }
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return REFUSED;
    if (this.#active < this.#limit && this.#waiters.length === 0) {
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

  /** Gives the slot back, straight to the longest waiter if there is one (and the limit allows). */
  release(): void {
    if (this.#active === 0) throw new Error('ConcurrencyLimiter.release() without a held slot');
    if (this.#active > this.#limit || this.#waiters.length === 0) {
      this.#active--;
      return;
    }
    const next = this.#waiters.shift()!;
    next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve(true);
  }
}
