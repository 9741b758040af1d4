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

/** Multiplicative decrease, when cutting to what was refused was not enough. */
const DECREASE = 0.9;
/** Rounds to wait before probing the level that was refused last; doubled by each failed probe. */
const PROBE_ROUNDS_MIN = 8;
const PROBE_ROUNDS_MAX = 256;

/**
 * AIMD on a model's effective concurrency, like TCP's congestion window: a gate on the attempts
 * in flight upstream (a call sleeping in its retry backoff holds none, only its max_concurrency
 * slot).
 * - A 429/503 (`throttled`) cuts the limit to one below the attempts that were in flight when the
 *   refused one was sent: the provider just said that many is too many. That level becomes the
 *   ceiling. A refusal again within a round of the cut means the cut was not enough (the provider
 *   limits by rate, not by concurrency): then 90 % of it.
 * - `pressure` (x-ratelimit-remaining-* below 5 % of the limit) cuts by a tenth.
 * - Only one cut per round: answers to attempts sent before the last cut say nothing new.
 * - Every `limit` successful attempts while the limit was in use add one, up to `max`; just below
 *   the ceiling the next step waits 8 rounds, twice as long after each probe that is refused
 *   again (up to 256), so a provider that allows 20 in flight sees the limit sit at 20 with a
 *   refused probe ever more rarely, rather than sawtooth through 21 every few rounds.
 * This is the one place that decides the effective concurrency; it retries nothing
 * (retry-policy.ts does, once per hop).
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
  /** The in-flight level last refused (Infinity: none known). */
  #ceiling = Number.POSITIVE_INFINITY;
  #probeRounds = PROBE_ROUNDS_MIN;
  /** Full rounds of successes since the limit last changed. */
  #rounds = 0;
  /** Full rounds since the last cut (0: a refusal now means the cut was not enough). */
  #roundsSinceCut = 1;

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
      let next: number;
      if (signal === 'throttled') {
        const refused = Math.min(this.#limit, ticket.inFlight);
        // Refused again at the level we probed: wait longer before the next probe.
        this.#probeRounds = this.#limit >= this.#ceiling ? Math.min(PROBE_ROUNDS_MAX, this.#probeRounds * 2) : PROBE_ROUNDS_MIN;
        this.#ceiling = refused;
        next = this.#roundsSinceCut === 0 ? Math.floor(refused * DECREASE) : refused - 1;
      } else {
        next = Math.floor(this.#limit * DECREASE);
      }
      this.#roundsSinceCut = 0;
      this.#set(Math.max(1, Math.min(this.#limit - 1, next)), signal);
      return;
    }
    if (signal !== 'ok') return;
    if (++this.#successes < this.#limit) return;
    // A full round of successes.
    this.#successes = 0;
    this.#roundsSinceCut++;
    this.#rounds++;
    if (!this.#saturated || this.#limit >= this.max) return;
    this.#saturated = false;
    if (this.#limit + 1 >= this.#ceiling && this.#rounds < this.#probeRounds) return;
    // A round at (or above) the ceiling went through: the provider allows more now.
    if (this.#limit >= this.#ceiling) {
      this.#ceiling = Number.POSITIVE_INFINITY;
      this.#probeRounds = PROBE_ROUNDS_MIN;
    }
    this.#set(this.#limit + 1, 'recovered');
  }

  #set(limit: number, reason: 'throttled' | 'pressure' | 'recovered'): void {
    // A cut starts a new round; growth does not (earlier attempts may still report a refusal).
    if (reason !== 'recovered') this.#epoch++;
    this.#successes = 0;
    this.#saturated = false;
    this.#rounds = 0;
    if (limit === this.#limit) return;
    this.#limit = limit;
    this.#onChange?.(limit, reason);
  }
}
