/** What one attempt learned about the provider's capacity. */
export type AttemptSignal = 'ok' | 'throttled' | 'pressure' | 'other';

/** Handed out when an attempt is sent, handed back when it ends. */
export interface AttemptTicket {
  readonly epoch: number;
  /** Attempts in flight to this model from this process when it was sent, itself included. */
  readonly inFlight: number;
}

interface Waiter {
  resolve(ticket: AttemptTicket | null): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface AdaptiveConcurrencyOptions {
  /** The ceiling: the configured `max_concurrency`, or the default. */
  readonly max: number;
  /** Where to start; default `max` (a configured limit is trusted until the provider objects). */
  readonly initial?: number;
  /** Called after every change of the limit (to log and export it). */
  readonly onChange?: (limit: number, reason: 'throttled' | 'pressure' | 'recovered') => void;
}

/** Multiplicative decrease: a little below what the provider refused. */
const DECREASE = 0.9;

/**
 * AIMD on a model's effective concurrency, like TCP's congestion window: a gate on the attempts
 * in flight upstream (a call sleeping in its retry backoff holds none, only its max_concurrency
 * slot). A 429/503 (`throttled`)
 * cuts the limit to 90 % of the attempts that were in flight when the refused one was sent — the
 * provider just told us that many is too many — and `pressure` (x-ratelimit-remaining-* running
 * low) cuts it by 10 %. Only one cut per round: answers to attempts sent before the last cut say
 * nothing new. Every `limit` successful attempts while the limit was reached add one back, up to
 * `max`. A provider that allows 20 in flight therefore sees the limit sawtooth between 18 and 21,
 * one refused attempt per climb. This is the one place that decides the effective concurrency; it
 * retries nothing (retry-policy.ts does, once per hop).
 */
export class AdaptiveConcurrency {
  readonly max: number;
  readonly #onChange: AdaptiveConcurrencyOptions['onChange'];
  #limit: number;
  #epoch = 0;
  #inFlight = 0;
  #successes = 0;
  /** Whether the limit was reached since it last changed: only a used limit grows. */
  #saturated = false;
  #throttles = 0;
  readonly #waiters: Waiter[] = [];

  constructor(options: AdaptiveConcurrencyOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError(`max concurrency must be a positive integer, got ${options.max}`);
    this.max = options.max;
    this.#limit = Math.min(this.max, Math.max(1, options.initial ?? this.max));
    this.#onChange = options.onChange;
  }

  get limit(): number {
    return this.#limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Throttled answers seen (all of them, not only those that cut the limit). */
  get throttles(): number {
    return this.#throttles;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Waits (FIFO) until an attempt may be sent; null when `signal` aborted first. */
  begin(signal?: AbortSignal): Promise<AttemptTicket | null> {
    if (signal?.aborted) return Promise.resolve(null);
    if (this.#waiters.length === 0 && this.#inFlight < this.#limit) return Promise.resolve(this.#send());
    this.#saturated = true;
    return new Promise<AttemptTicket | null>((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const at = this.#waiters.indexOf(waiter);
          if (at !== -1) this.#waiters.splice(at, 1);
          resolve(null);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #send(): AttemptTicket {
    this.#inFlight++;
    if (this.#inFlight >= this.#limit) this.#saturated = true;
    return { epoch: this.#epoch, inFlight: this.#inFlight };
  }

  #admit(): void {
    while (this.#waiters.length > 0 && this.#inFlight < this.#limit) {
      const next = this.#waiters.shift()!;
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve(this.#send());
    }
  }

  ended(ticket: AttemptTicket, signal: AttemptSignal): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#react(ticket, signal);
    this.#admit();
  }

  #react(ticket: AttemptTicket, signal: AttemptSignal): void {
    if (signal === 'throttled') this.#throttles++;
    if (signal === 'throttled' || signal === 'pressure') {
      if (ticket.epoch !== this.#epoch) return;
      const base = signal === 'throttled' ? Math.min(this.#limit, ticket.inFlight) : this.#limit;
      const next = Math.max(1, Math.min(this.#limit - (signal === 'pressure' ? 1 : 0), Math.floor(base * DECREASE)));
      this.#set(next, signal);
      return;
    }
    if (signal !== 'ok' || this.#limit >= this.max) return;
    this.#successes++;
    if (this.#successes >= this.#limit && this.#saturated) this.#set(this.#limit + 1, 'recovered');
  }

  #set(limit: number, reason: 'throttled' | 'pressure' | 'recovered'): void {
    // A cut starts a new round; growth does not (earlier attempts may still report a refusal).
    if (reason !== 'recovered') this.#epoch++;
    this.#successes = 0;
    this.#saturated = false;
    if (limit === this.#limit) return;
    this.#limit = limit;
    this.#onChange?.(limit, reason);
  }
}
