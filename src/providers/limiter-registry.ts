import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import type { ModelTarget } from './model-resolver.ts';
import { RateLimiter } from './rate-limiter.ts';

export interface ModelLimiter {
  readonly concurrency: ConcurrencyLimiter;
  /** null when the model has neither an rpm nor a tpm limit. */
  readonly rate: RateLimiter | null;
}

const SWEEP_AT = 1024;

const idle = (l: ModelLimiter): boolean => l.concurrency.active === 0 && l.concurrency.waiting === 0 && (l.rate === null || l.rate.waiting === 0);

/**
 * One limiter per resolved model (`provider/upstream model`), shared by every run in the process
 * that holds this registry. The first resolution of a key fixes its limits. Model names come from
 * API callers, so past 1,024 keys idle limiters are dropped (they hold nothing; a dropped rpm/tpm
 * bucket starts full again).
 */
export class LimiterRegistry {
  readonly #byKey = new Map<string, ModelLimiter>();
  readonly #windowMs: number;

  constructor(options: { windowMs?: number } = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
  }

  get size(): number {
    return this.#byKey.size;
  }

  get(target: ModelTarget): ModelLimiter {
    let limiter = this.#byKey.get(target.key);
    if (limiter === undefined) {
      const { maxConcurrency, rpm, tpm } = target.limits;
      limiter = {
        concurrency: new ConcurrencyLimiter(maxConcurrency),
        rate: rpm === null && tpm === null ? null : new RateLimiter({ rpm, tpm, windowMs: this.#windowMs }),
      };
      if (this.#byKey.size >= SWEEP_AT) for (const [key, l] of this.#byKey) if (idle(l)) this.#byKey.delete(key);
      this.#byKey.set(target.key, limiter);
    }
    return limiter;
  }
}
