import type { Logger } from '../logger.ts';
import type { ConcurrencyGate } from './concurrency-limiter.ts';
import type { LimitStore } from './limit-store.ts';

interface Waiter {
  resolve(granted: boolean): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** While calls wait, look for slots other processes freed at least this often (NOTIFY is faster). */
const POLL_MS = 200;
/** Idle slots are given back after this long without a waiter (a burst right after keeps them). */
const LINGER_MS = 100;

/**
 * A model's `max_concurrency` held across every process on the database. This process leases a
 * number of slots from the store (`held`) and hands them to its calls locally, so a call costs no
 * round trip while the process keeps its share; the store is asked only when demand changes: calls
 * wait and every held slot is busy (take more), slots sit idle (give them back), or this process
 * holds more than its fair share while another waits (give back as calls end). The leases expire
 * unless renewed (process heartbeat), so a dead process's slots return within seconds.
 */
export class SharedConcurrency implements ConcurrencyGate {
  readonly #key: string;
  readonly #limit: number;
  readonly #store: LimitStore;
  readonly #logger: Logger;
  #cap: number;
  #held = 0;
  #target = 0;
  #active = 0;
  readonly #waiters: Waiter[] = [];
  #syncing = false;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(key: string, limit: number, store: LimitStore, logger: Logger) {
    this.#key = key;
    this.#limit = limit;
    this.#cap = limit;
    this.#store = store;
    this.#logger = logger;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Slots this process holds in the store now. */
  get held(): number {
    return this.#held;
  }

  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#waiters.length === 0 && this.#active < this.#room()) {
      this.#active++;
      return Promise.resolve(true);
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
      this.#sync();
    });
  }

  release(): void {
    if (this.#active === 0) throw new Error('SharedConcurrency.release() without a held slot');
    this.#active--;
    if (this.#held > this.#target) {
      // Above our share while another process waits: this slot goes back, not to our next call.
      this.#sync();
      return;
    }
    this.#admit();
    if (this.#waiters.length === 0 && this.#active < this.#held) this.#later(LINGER_MS);
  }

  setCap(cap: number): void {
    this.#cap = Math.max(1, Math.min(this.#limit, Math.floor(cap)));
    this.#admit();
    this.#sync();
  }

  /** Another process gave slots back, or our leases lapsed: ask the store again. */
  poke(lost = false): void {
    if (lost) {
      this.#held = 0;
      this.#target = 0;
    }
    if (this.#waiters.length > 0 || lost) this.#sync();
  }

  #room(): number {
    return Math.min(this.#held, this.#cap);
  }

  #admit(): void {
    while (this.#waiters.length > 0 && this.#active < this.#room()) {
      const next = this.#waiters.shift()!;
      next.signal?.removeEventListener('abort', next.onAbort);
      this.#active++;
      next.resolve(true);
    }
  }

  #later(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sync();
    }, ms);
    this.#timer.unref();
  }

  #sync(): void {
    if (this.#syncing) {
      this.#dirty = true;
      return;
    }
    this.#syncing = true;
    void this.#balance();
  }

  async #balance(): Promise<void> {
    try {
      do {
        this.#dirty = false;
        const want = Math.min(this.#cap, this.#limit, this.#active + this.#waiters.length);
        // Nothing to ask: holding exactly what we use, nobody waiting.
        if (want === this.#held && this.#held <= this.#target && this.#waiters.length === 0) break;
        const balance = await this.#store.balance(this.#key, this.#limit, want, this.#active);
        this.#held = balance.held;
        this.#target = balance.target;
        this.#failures = 0;
        this.#admit();
      } while (this.#dirty);
    } catch (error) {
      if (this.#failures++ === 0) this.#logger.warn('shared model limit unavailable; retrying', { model: this.#key, error });
    } finally {
      this.#syncing = false;
    }
    if (this.#waiters.length > 0) this.#later(this.#failures > 0 ? 1000 : POLL_MS);
    else if (this.#active < this.#held) this.#later(LINGER_MS);
  }
}
