import { sql, type Kysely } from 'kysely';
import type { Tables } from './tables.ts';

/**
 * Cached upstream answers (the `ResponseCacheStore` of providers/), by the sha256 of the canonical
 * request. A value is the answer's JSON text exactly as first stored; an expired one is a miss
 * and is overwritten by the next answer. Expired rows are deleted in small batches as new ones
 * are written, so the table does not grow without bound.
 */
export class ResponseCacheRepository {
  readonly #db: Kysely<Tables>;
  #writes = 0;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async get(key: string): Promise<string | null> {
    const { rows } = await sql<{ body: string }>`select body from proctor.response_cache where key = ${key} and expires_at > now()`.execute(this.#db);
    return rows[0]?.body ?? null;
  }

  async put(key: string, model: string, body: string, ttlSeconds: number): Promise<void> {
    await sql`
      insert into proctor.response_cache (key, model, body, expires_at) values (${key}, ${model}, ${body}, now() + ${`${ttlSeconds} seconds`}::interval)
      on conflict (key) do update set model = excluded.model, body = excluded.body, created_at = now(), expires_at = excluded.expires_at
      where proctor.response_cache.expires_at <= now()`.execute(this.#db);
    if (++this.#writes % 1000 === 0) {
      await sql`delete from proctor.response_cache where key in (select key from proctor.response_cache where expires_at <= now() limit 1000)`.execute(this.#db);
    }
  }
}
