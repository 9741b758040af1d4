import { sql, type Kysely } from 'kysely';
import type { Tables } from './tables.ts';

export interface JobClaim {
  job_id: string;
  queue: string;
  /** pg-boss's retryCount of the attempt this process runs (fences the failover's fail). */
  attempt: number;
  retry_limit: number;
  run_id: string;
}

/**
 * Which process runs which queue job, so that the process that finds another dead can fail its
 * jobs over at once instead of waiting for pg-boss's heartbeat to lapse.
 */
export class JobClaimRepository {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async claim(holder: string, c: JobClaim): Promise<void> {
    await sql`
      insert into proctor.job_claims (job_id, queue, holder, attempt, retry_limit, run_id)
      values (${c.job_id}, ${c.queue}, ${holder}, ${c.attempt}, ${c.retry_limit}, ${c.run_id})
      on conflict (job_id) do update set holder = excluded.holder, attempt = excluded.attempt, claimed_at = now()`.execute(this.#db);
  }

  async release(holder: string, jobId: string): Promise<void> {
    await sql`delete from proctor.job_claims where job_id = ${jobId} and holder = ${holder}`.execute(this.#db);
  }

  /** Takes the claims of dead processes (each claim is taken by exactly one caller). */
  async takeFrom(holders: readonly string[]): Promise<JobClaim[]> {
    const { rows } = await sql<JobClaim>`
      delete from proctor.job_claims where holder = any(${holders}::text[])
      returning job_id, queue, attempt, retry_limit, run_id`.execute(this.#db);
    return rows;
  }

  /** Claims whose holder no longer has a process row (it died while nobody was sweeping). */
  async orphaned(): Promise<string[]> {
    const { rows } = await sql<{ holder: string }>`
      select distinct holder from proctor.job_claims c
      where not exists (select 1 from proctor.processes p where p.id = c.holder)`.execute(this.#db);
    return rows.map((r) => r.holder);
  }
}
