import type { RunStatus } from '../domain/run-requests.ts';
import type { RunRepository } from '../storage/run-repository.ts';

/**
 * Workers check between rows whether their run is still live. Reading the status for every row
 * would cost a query per row, so the answer is cached for `ttlMs` per run.
 */
export class RunStatusWatch {
  readonly #runs: RunRepository;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { status: RunStatus | undefined; at: number }>();

  constructor(runs: RunRepository, ttlMs = 250) {
    this.#runs = runs;
    this.#ttlMs = ttlMs;
  }

  async isLive(runId: string): Promise<boolean> {
    const now = Date.now();
    let hit = this.#cache.get(runId);
    if (!hit || now - hit.at > this.#ttlMs) {
      hit = { status: await this.#runs.status(runId), at: now };
      this.#cache.set(runId, hit);
      if (this.#cache.size > 1000) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return hit.status === 'queued' || hit.status === 'in_progress';
  }
}
