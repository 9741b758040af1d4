import { sql, type Kysely } from 'kysely';
import type { Tables } from './tables.ts';

interface Hold {
  holder: string;
  slots: number;
  want: number;
}

/** Max-min fair shares of `limit` slots among wants: nobody gets more than it wants, the rest is split evenly. */
export function fairShares(limit: number, holds: readonly Hold[]): Map<string, number> {
  const order = [...holds].sort((a, b) => a.want - b.want || a.holder.localeCompare(b.holder));
  const shares = new Map<string, number>();
  let remaining = limit;
  for (let i = 0; i < order.length; i++) {
    const hold = order[i]!;
    const share = Math.min(hold.want, Math.floor(remaining / (order.length - i)));
    shares.set(hold.holder, share);
    remaining -= share;
  }
  // Slots the floors left over go to those who want more, in order.
  for (const hold of order) {
    if (remaining <= 0) break;
    const share = shares.get(hold.holder)!;
    if (share < hold.want) {
      shares.set(hold.holder, share + 1);
      remaining--;
    }
  }
  return shares;
}

/**
 * Model limits shared by every process on one PostgreSQL (the `LimitStore` of providers/): slot
 * leases of max_concurrency in `limit_holds`, rpm/tpm per second in `limit_rate`. Every grant runs
 * under a per-model advisory lock, so no interleaving of processes ever hands out more than the
 * limit; leases carry the holder's expiry, renewed by its ProcessRegistry.
 */
export class LimitLeaseRepository {
  readonly #db: Kysely<Tables>;
  readonly #holder: string;
  readonly #ttlMs: number;
  readonly #freed = new Set<(key: string) => void>();
  readonly #lost = new Set<() => void>();

  constructor(db: Kysely<Tables>, holder: string, ttlMs: number) {
    this.#db = db;
    this.#holder = holder;
    this.#ttlMs = ttlMs;
  }

  async balance(key: string, limit: number, want: number, keep: number): Promise<{ held: number; target: number }> {
    const ttl = `${this.#ttlMs} milliseconds`;
    const result = await this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`proctor.slots ${key}`}, 0))`.execute(trx);
      const live = await sql<Hold>`select holder, slots, want from proctor.limit_holds where model_key = ${key} and expires_at > now()`.execute(trx);
      const mine = live.rows.find((h) => h.holder === this.#holder);
      const heldBefore = mine?.slots ?? 0;
      const others = live.rows.filter((h) => h.holder !== this.#holder);
      const othersHeld = others.reduce((sum, h) => sum + h.slots, 0);
      const shares = fairShares(limit, [...others, { holder: this.#holder, slots: heldBefore, want }]);
      const othersShort = others.some((h) => h.slots < (shares.get(h.holder) ?? 0));
      // Our share is ours to wait for; beyond it we may take what nobody short of theirs is owed.
      const share = shares.get(this.#holder) ?? 0;
      const target = othersShort ? share : Math.max(share, Math.min(want, limit - othersHeld));
      const held = heldBefore > target ? Math.max(target, Math.min(keep, heldBefore)) : Math.max(0, Math.min(target, limit - othersHeld));
      await sql`
        insert into proctor.limit_holds (model_key, holder, slots, want, expires_at)
        values (${key}, ${this.#holder}, ${held}, ${want}, now() + ${ttl}::interval)
        on conflict (model_key, holder) do update set slots = excluded.slots, want = excluded.want, expires_at = excluded.expires_at`.execute(trx);
      // Others wait on what we give back: wake them (delivered at commit).
      if (held < heldBefore && others.some((h) => h.want > h.slots)) await sql`select pg_notify('proctor_limits', ${key})`.execute(trx);
      return { held, target };
    });
    return result;
  }

  async takeRate(key: string, rpm: number | null, tpm: number | null, tokens: number, windowSeconds: number): Promise<{ granted: true } | { granted: false; waitMs: number }> {
    const { rows } = await sql<{ wait: number }>`select proctor.limit_take_rate(${key}, ${rpm}::integer, ${tpm}::bigint, ${Math.round(tokens)}::bigint, ${windowSeconds}::integer) as wait`.execute(this.#db);
    const wait = Number(rows[0]?.wait ?? 0);
    return wait === 0 ? { granted: true } : { granted: false, waitMs: wait };
  }

  async adjustTokens(key: string, deltaTokens: number): Promise<void> {
    await sql`
      insert into proctor.limit_rate as r (model_key, second, requests, tokens)
      values (${key}, floor(extract(epoch from clock_timestamp()))::bigint, 0, ${Math.round(deltaTokens)}::bigint)
      on conflict (model_key, second) do update set tokens = r.tokens + excluded.tokens`.execute(this.#db);
  }

  onFreed(listener: (key: string) => void): void {
    this.#freed.add(listener);
  }

  onLost(listener: () => void): void {
    this.#lost.add(listener);
  }

  /** A `proctor_limits` notification arrived ('*': every model). */
  freed(key: string): void {
    for (const listener of this.#freed) listener(key);
  }

  /** This process's leases lapsed. */
  lost(): void {
    for (const listener of this.#lost) listener();
  }
}
