import { setMaxListeners } from 'node:events';
import type { RunStatus } from '../domain/run-requests.ts';
import type { Logger } from '../logger.ts';
import type { RunRepository } from '../storage/run-repository.ts';

/** The channel the database announces a stopped (canceled, failed, completed, deleted) run on. */
export const RUN_STOPPED_CHANNEL = 'proctor_run_stopped';

export interface RunStatusWatchOptions {
  /** NOTIFY on the database (see Database.listen); without it the poll alone notices. */
  readonly listen?: (channel: string, listener: (payload: string) => void) => Promise<() => void>;
  /** How often the runs watched are polled: the fallback behind NOTIFY. */
  readonly pollMs?: number;
  /** How long `isLive` may answer from memory. */
  readonly ttlMs?: number;
  readonly logger?: Logger;
}

interface Watched {
  readonly controller: AbortController;
  users: number;
}

const live = (status: RunStatus | undefined): boolean => status === 'queued' || status === 'in_progress';

/**
 * Whether runs are still live, for every batch of this process at once. A batch takes a run's
 * shared signal (`watch`); it aborts the moment the database announces the run stopped (a trigger
 * NOTIFYs on cancel, failure, completion or deletion, heard by every process), or at the next poll
 * if a notification was lost. Model calls check that signal right before each attempt and abort
 * in flight with it, so after a cancel no new upstream call starts for the run in any batch of
 * any process.
 */
export class RunStatusWatch {
  readonly #runs: RunRepository;
  readonly #o: RunStatusWatchOptions;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { status: RunStatus | undefined; at: number }>();
  readonly #watched = new Map<string, Watched>();
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => void) | null = null;
  #polling = false;

  constructor(runs: RunRepository, options: RunStatusWatchOptions = {}) {
    this.#runs = runs;
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? 250;
  }

  /** Starts hearing the database's announcements (call once; a no-op without `listen`). */
  async start(): Promise<void> {
    if (this.#o.listen === undefined) return;
    this.#unlisten = await this.#o.listen(RUN_STOPPED_CHANNEL, (runId) => this.#stopped(runId, undefined, 'notify'));
  }

  stop(): void {
    this.#unlisten?.();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async isLive(runId: string): Promise<boolean> {
    if (this.#watched.get(runId)?.controller.signal.aborted) return false;
    const now = Date.now();
    let hit = this.#cache.get(runId);
    if (!hit || now - hit.at > this.#ttlMs) {
      hit = { status: await this.#runs.status(runId), at: now };
      this.#remember(runId, hit.status);
    }
    return live(hit.status);
  }

  /** The run's signal, shared with every other batch of it in this process; `release` when done. */
  watch(runId: string): { signal: AbortSignal; release: () => void } {
    let w = this.#watched.get(runId);
    if (w === undefined) {
      w = { controller: new AbortController(), users: 0 };
      // Every batch of the run in this process listens on this one signal.
      setMaxListeners(1000, w.controller.signal);
      this.#watched.set(runId, w);
    }
    w.users++;
    this.#ensurePolling();
    const watched = w;
    let released = false;
    return {
      signal: watched.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        if (--watched.users === 0 && this.#watched.get(runId) === watched) this.#watched.delete(runId);
        if (this.#watched.size === 0) {
          clearInterval(this.#timer);
          this.#timer = undefined;
        }
      },
    };
  }

  #remember(runId: string, status: RunStatus | undefined): void {
    this.#cache.set(runId, { status, at: Date.now() });
    if (this.#cache.size > 1000) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  #stopped(runId: string, status: RunStatus | undefined, via: 'notify' | 'poll'): void {
    this.#remember(runId, status ?? 'canceled');
    const w = this.#watched.get(runId);
    if (w !== undefined && !w.controller.signal.aborted) {
      this.#o.logger?.debug('run stopped; aborting its batches in this process', { run_id: runId, via });
      w.controller.abort();
    }
  }

  #ensurePolling(): void {
    if (this.#timer !== undefined) return;
    const ms = this.#o.pollMs ?? (this.#o.listen === undefined ? 250 : 1000);
    this.#timer = setInterval(() => void this.#poll(), ms);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#watched.size === 0) return;
    this.#polling = true;
    try {
      const ids = [...this.#watched.keys()];
      const statuses = await this.#runs.statuses(ids);
      for (const id of ids) {
        const status = statuses.get(id);
        if (!live(status)) this.#stopped(id, status, 'poll');
        else this.#remember(id, status);
      }
    } catch (error) {
      this.#o.logger?.warn('run status poll failed', { error });
    } finally {
      this.#polling = false;
    }
  }
}
