import { silentLogger, type Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { AdaptiveConcurrency } from './adaptive-concurrency.ts';
import { ConcurrencyLimiter, type ConcurrencyGate } from './concurrency-limiter.ts';
import type { LimitStore } from './limit-store.ts';
import type { ModelTarget } from './model-resolver.ts';
import { RateLimiter, type RateGate } from './rate-limiter.ts';
import { SharedConcurrency } from './shared-concurrency.ts';
import { SharedRateLimiter } from './shared-rate-limiter.ts';

export interface ModelLimiter {
  readonly key: string;
  readonly concurrency: ConcurrencyGate;
  /** null when the model has neither an rpm nor a tpm limit. */
  readonly rate: RateGate | null;
  /** The effective concurrency: AIMD on the attempts in flight, under max_concurrency. */
  readonly adaptive: AdaptiveConcurrency;
}

export interface LimiterRegistryOptions {
  /** The window rpm/tpm are counted over: a minute, shorter in tests. */
  readonly windowMs?: number;
  /**
   * Limits shared by every process on the database (PostgreSQL deployments); without it each
   * process keeps its own in-process limiters (embedded mode).
   */
  readonly store?: LimitStore;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

const SWEEP_AT = 1024;

const idle = (l: ModelLimiter): boolean => l.concurrency.active === 0 && l.concurrency.waiting === 0 && (l.rate === null || l.rate.waiting === 0);

/**
 * One limiter per resolved model (`provider/upstream model`), shared by every run in the process
 * that holds this registry — and, given a `store`, by every process on the database. The first
 * resolution of a key fixes its limits. Model names come from API callers, so past 1,024 keys
 * idle limiters are dropped (they hold nothing; a dropped rpm/tpm bucket starts full again).
 */
export class LimiterRegistry {
  readonly #byKey = new Map<string, ModelLimiter>();
  readonly #windowMs: number;
  readonly #store: LimitStore | undefined;
  readonly #logger: Logger;
  readonly #metrics: Metrics | undefined;

  constructor(options: LimiterRegistryOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#store = options.store;
    this.#logger = options.logger ?? silentLogger;
    this.#metrics = options.metrics;
    this.#store?.onFreed((key) => {
      // '*': a process ended and its slots of every model came free.
      const limiters = key === '*' ? [...this.#byKey.values()] : [this.#byKey.get(key)];
      for (const limiter of limiters) if (limiter?.concurrency instanceof SharedConcurrency) limiter.concurrency.poke();
    });
    this.#store?.onLost(() => {
      this.#logger.warn('shared model limits lapsed (database unreachable for too long); taking them again');
      for (const limiter of this.#byKey.values()) if (limiter.concurrency instanceof SharedConcurrency) limiter.concurrency.poke(true);
    });
  }

  get size(): number {
    return this.#byKey.size;
  }

  get(target: ModelTarget): ModelLimiter {
    let limiter = this.#byKey.get(target.key);
    if (limiter === undefined) {
      limiter = this.#create(target);
      if (this.#byKey.size >= SWEEP_AT) for (const [key, l] of this.#byKey) if (idle(l)) this.#byKey.delete(key);
      this.#byKey.set(target.key, limiter);
    }
    return limiter;
  }

  #create(target: ModelTarget): ModelLimiter {
    const { key } = target;
    const { maxConcurrency, rpm, tpm } = target.limits;
    const store = this.#store;
    const concurrency: ConcurrencyGate = store ? new SharedConcurrency(key, maxConcurrency, store, this.#logger) : new ConcurrencyLimiter(maxConcurrency);
    const adaptive = new AdaptiveConcurrency({
      max: maxConcurrency,
      onChange: (limit, reason) => {
        // Cuts are news; the climb back is one step per round, so it is only a debug line.
        this.#logger[reason === 'recovered' ? 'debug' : 'info']('model concurrency', { model: key, effective_concurrency: limit, max_concurrency: maxConcurrency, reason });
      },
    });
    let rate: RateGate | null = null;
    if (rpm !== null || tpm !== null) {
      rate = store
        ? new SharedRateLimiter(key, { rpm, tpm, windowSeconds: Math.max(1, Math.round(this.#windowMs / 1000)) }, store, this.#logger)
        : new RateLimiter({ rpm, tpm, windowMs: this.#windowMs });
    }
    const m = this.#metrics;
    if (m) {
      const labels = { model: key };
      m.set('proctor_model_concurrency_effective', 'Effective concurrency of a model in this process (AIMD under max_concurrency)', labels, () => adaptive.limit);
      m.set('proctor_model_concurrency_max', 'Configured (or default) max_concurrency of a model', labels, maxConcurrency);
      m.set('proctor_model_calls_active', 'Calls holding a concurrency slot of a model in this process', labels, () => concurrency.active);
      m.set('proctor_model_calls_waiting', 'Calls waiting for a concurrency slot of a model in this process', labels, () => concurrency.waiting);
      m.set('proctor_model_attempts_in_flight', 'Attempts sent upstream and not yet answered, per model in this process', labels, () => adaptive.inFlight);
      if (concurrency instanceof SharedConcurrency) m.set('proctor_model_slots_held', "Slots of a model's shared max_concurrency this process holds", labels, () => concurrency.held);
    }
    return { key, concurrency, rate, adaptive };
  }
}
