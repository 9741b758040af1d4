import type { Logger } from '../logger.ts';
import { abortableSleep } from './abortable-sleep.ts';
import type { LimitStore } from './limit-store.ts';
import type { RateGate } from './rate-limiter.ts';

interface Waiter {
  tokens: number;
  resolve(granted: boolean): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A model's rpm/tpm counted by every process on the database: each request is granted by the
 * store (one atomic round trip), which counts requests and tokens per second and refuses one that
 * would put the last `windowSeconds` over the limit — a sliding window, so no minute ever holds
 * more than `rpm` requests, even across a window boundary. Waiters queue here in FIFO order and
 * only the head asks the store, so a process adds one query per request, not per waiter.
 */
export class SharedRateLimiter implements RateGate {
  readonly #key: string;
  readonly #rpm: number | null;
  readonly #tpm: number | null;
  readonly #windowSeconds: number;
  readonly #store: LimitStore;
  readonly #logger: Logger;
  readonly #waiters: Waiter[] = [];
  #pumping = false;

  constructor(key: string, limits: { rpm: number | null; tpm: number | null; windowSeconds: number }, store: LimitStore, logger: Logger) {
    this.#key = key;
    this.#rpm = limits.rpm;
    this.#tpm = limits.tpm;
    this.#windowSeconds = limits.windowSeconds;
    this.#store = store;
    this.#logger = logger;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  acquire(tokens: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    const cost = Math.min(Math.max(0, Math.ceil(tokens)), this.#tpm ?? Number.POSITIVE_INFINITY);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { tokens: cost, resolve, signal, onAbort: () => this.#drop(waiter) };
      // An aborted wait ends at once, wherever it is in the queue (a grant already under way for it is wasted).
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      if (!this.#pumping) void this.#pump();
    });
  }

  adjust(deltaTokens: number): void {
    if (this.#tpm === null || deltaTokens === 0) return;
    this.#store.adjustTokens(this.#key, Math.round(deltaTokens)).catch((error: unknown) => this.#logger.warn('shared token count not corrected', { model: this.#key, error }));
  }

  #drop(waiter: Waiter): void {
    const at = this.#waiters.indexOf(waiter);
    if (at !== -1) this.#waiters.splice(at, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(false);
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (;;) {
        const head = this.#waiters[0];
        if (head === undefined) return;
        if (head.signal?.aborted) {
          this.#drop(head);
          continue;
        }
        let waitMs: number;
        try {
          const grant = await this.#store.takeRate(this.#key, this.#rpm, this.#tpm, head.tokens, this.#windowSeconds);
          if (grant.granted) {
            const at = this.#waiters.indexOf(head);
            if (at !== -1) this.#waiters.splice(at, 1);
            head.signal?.removeEventListener('abort', head.onAbort);
            head.resolve(!head.signal?.aborted);
            continue;
          }
          waitMs = grant.waitMs;
        } catch (error) {
          this.#logger.warn('shared rate limit unavailable; retrying', { model: this.#key, error });
          waitMs = 1000;
        }
        // Sleep until the window frees enough (capped, so other processes' refunds are noticed).
        await abortableSleep(Math.max(10, Math.min(waitMs, 1000)), head.signal);
      }
    } finally {
      this.#pumping = false;
    }
  }
}
