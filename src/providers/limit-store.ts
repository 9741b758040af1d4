/**
 * Where model limits are shared between processes (the scaled deployment: one PostgreSQL). The
 * storage layer implements it; providers/ only sees this port. Every grant is atomic in the store
 * and every lease expires unless its holder keeps renewing it, so a process that dies mid-call
 * leaks no capacity for longer than the lease.
 */
export interface SlotBalance {
  /** Slots this process holds now (never fewer than the `keep` it asked to keep). */
  readonly held: number;
  /** Its fair share: when `held` is above it, slots are given back as calls end. */
  readonly target: number;
}

export type RateGrant = { readonly granted: true } | { readonly granted: false; readonly waitMs: number };

export interface LimitStore {
  /**
   * Records that this process wants `want` slots of `key` (capped by `limit` across all processes),
   * gives back slots above its fair share that it does not use (`keep` are in use), and takes free
   * ones up to its share. Max-min fair: a process that wants little leaves the rest to the others.
   */
  balance(key: string, limit: number, want: number, keep: number): Promise<SlotBalance>;
  /**
   * One request of `tokens` estimated tokens against `rpm`/`tpm` (null: unlimited) counted over the
   * last `windowSeconds` by every process; when refused, roughly how long until it may fit.
   */
  takeRate(key: string, rpm: number | null, tpm: number | null, tokens: number, windowSeconds: number): Promise<RateGrant>;
  /** Corrects the tokens counted for `key` now (negative: a refund). */
  adjustTokens(key: string, deltaTokens: number): Promise<void>;
  /** `listener(key)` when some process gave slots of `key` back (best effort: gates also poll). */
  onFreed(listener: (key: string) => void): void;
  /** This process's leases may have lapsed (renewal failed for too long): every gate starts over. */
  onLost(listener: () => void): void;
}
