import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Tables } from './tables.ts';

export interface ProcessRegistryOptions {
  readonly kind: 'serve' | 'worker';
  /** A process that has not renewed for this long is dead. It renews every quarter of it. */
  readonly ttlMs: number;
  /** Called with the ids of dead processes this process found (each dead id is found by exactly one). */
  readonly onDead?: (ids: readonly string[]) => Promise<void>;
  /** Called when this process's own lease lapsed (renewal failed for longer than the TTL, or another process declared it dead). */
  readonly onLost?: () => void;
  readonly onError?: (error: unknown) => void;
}

/**
 * The live processes on one PostgreSQL. Each process leases a row and renews it (with its shared
 * model slots) every quarter of the TTL; every process also sweeps: a row past its lease is
 * deleted — by exactly one sweeper, whose `onDead` then fails that process's jobs over and whose
 * delete frees its model slots. A clean stop deletes its own row at once.
 */
export class ProcessRegistry {
  readonly id: string;
  readonly #db: Kysely<Tables>;
  readonly #o: ProcessRegistryOptions;
  #timer: NodeJS.Timeout | undefined;
  #lastRenewed = 0;
  #ticking = false;

  constructor(db: Kysely<Tables>, options: ProcessRegistryOptions) {
    this.#db = db;
    this.#o = options;
    this.id = `${os.hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  get ttlMs(): number {
    return this.#o.ttlMs;
  }

  async start(): Promise<void> {
    await this.#register();
    this.#timer = setInterval(() => void this.#tick(), Math.max(250, Math.floor(this.#o.ttlMs / 4)));
    this.#timer.unref();
  }

  /** Stops renewing without giving the lease up, as a killed process would (tests). */
  halt(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await sql`delete from proctor.limit_holds where holder = ${this.id}`.execute(this.#db).catch(() => undefined);
    await sql`delete from proctor.processes where id = ${this.id}`.execute(this.#db).catch(() => undefined);
    await sql`select pg_notify('proctor_limits', '*')`.execute(this.#db).catch(() => undefined);
  }

  async #register(): Promise<void> {
    const ttl = `${this.#o.ttlMs} milliseconds`;
    await sql`
      insert into proctor.processes (id, kind, expires_at) values (${this.id}, ${this.#o.kind}, now() + ${ttl}::interval)
      on conflict (id) do update set expires_at = excluded.expires_at`.execute(this.#db);
    this.#lastRenewed = Date.now();
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.#renew();
      await this.#sweep();
    } catch (error) {
      this.#o.onError?.(error);
      if (this.#lastRenewed > 0 && Date.now() - this.#lastRenewed > this.#o.ttlMs) {
        this.#lastRenewed = 0;
        this.#o.onLost?.();
      }
    } finally {
      this.#ticking = false;
    }
  }

  async #renew(): Promise<void> {
    const ttl = `${this.#o.ttlMs} milliseconds`;
    const renewed = await sql<{ id: string }>`update proctor.processes set expires_at = now() + ${ttl}::interval where id = ${this.id} returning id`.execute(this.#db);
    if (renewed.rows.length === 0) {
      // Declared dead (a stall longer than the TTL): our slots are gone, our jobs failed over.
      await this.#register();
      this.#o.onLost?.();
      return;
    }
    await sql`update proctor.limit_holds set expires_at = now() + ${ttl}::interval where holder = ${this.id}`.execute(this.#db);
    this.#lastRenewed = Date.now();
  }

  async #sweep(): Promise<void> {
    const dead = await sql<{ id: string }>`delete from proctor.processes where expires_at < now() returning id`.execute(this.#db);
    await sql`delete from proctor.limit_holds where expires_at < now() - interval '1 minute'`.execute(this.#db);
    if (dead.rows.length === 0) return;
    const ids = dead.rows.map((r) => r.id);
    await sql`delete from proctor.limit_holds where holder = any(${ids}::text[])`.execute(this.#db);
    await sql`select pg_notify('proctor_limits', '*')`.execute(this.#db);
    await this.#o.onDead?.(ids);
  }
}
