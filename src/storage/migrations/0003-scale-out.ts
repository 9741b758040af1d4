import { sql, type Kysely } from 'kysely';

/**
 * Scaling out on one PostgreSQL (docs/scaling.md): live processes and their leases, model limits
 * shared by every process, claims of running jobs (failover), the response cache, and a NOTIFY
 * when a run stops so every process's batches of it stop at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A process renews its row; one that stops renewing is dead once expires_at passes.
  await sql`
    create table proctor.processes (
      id text primary key,
      kind text not null,
      started_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);

  // Slots of a model's max_concurrency each process holds (and wants), leased like the process.
  await sql`
    create table proctor.limit_holds (
      model_key text not null,
      holder text not null,
      slots integer not null,
      want integer not null,
      expires_at timestamptz not null,
      primary key (model_key, holder)
    )`.execute(db);
  await sql`create index limit_holds_holder on proctor.limit_holds (holder)`.execute(db);

  // Requests and tokens granted per model per second: rpm/tpm over a sliding window.
  await sql`
    create table proctor.limit_rate (
      model_key text not null,
      second bigint not null,
      requests integer not null,
      tokens bigint not null,
      primary key (model_key, second)
    )`.execute(db);

  // One atomic grant per request: the advisory lock serialises grants of one model across processes.
  // The window counts one second more than asked, so a request granted at the end of a second and
  // arriving in the next is still inside every minute the provider may count.
  await sql`
    create function proctor.limit_take_rate(p_key text, p_rpm integer, p_tpm bigint, p_tokens bigint, p_window integer) returns integer
    language plpgsql as $$
    declare
      now_ms bigint := floor(extract(epoch from clock_timestamp()) * 1000);
      now_s bigint := now_ms / 1000;
      used_requests bigint;
      used_tokens bigint;
      oldest bigint;
    begin
      perform pg_advisory_xact_lock(hashtextextended('proctor.rate ' || p_key, 0));
      select coalesce(sum(requests), 0), coalesce(sum(tokens), 0), min(second) into used_requests, used_tokens, oldest
        from proctor.limit_rate where model_key = p_key and second >= now_s - p_window - 1;
      if (p_rpm is null or used_requests + 1 <= p_rpm) and (p_tpm is null or used_tokens + p_tokens <= p_tpm) then
        insert into proctor.limit_rate as r (model_key, second, requests, tokens) values (p_key, now_s, 1, p_tokens)
          on conflict (model_key, second) do update set requests = r.requests + 1, tokens = r.tokens + excluded.tokens;
        if random() < 0.01 then
          delete from proctor.limit_rate where model_key = p_key and second < now_s - 2 * p_window - 2;
        end if;
        return 0;
      end if;
      return greatest(1, ((coalesce(oldest, now_s) + p_window + 2) * 1000 - now_ms)::integer);
    end $$`.execute(db);

  // Which process runs which pg-boss job: a dead process's jobs are failed over at once.
  await sql`
    create table proctor.job_claims (
      job_id text primary key,
      queue text not null,
      holder text not null,
      attempt integer not null,
      retry_limit integer not null,
      run_id text not null,
      claimed_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index job_claims_holder on proctor.job_claims (holder)`.execute(db);

  // Upstream answers by the sha256 of their canonical request.
  await sql`
    create table proctor.response_cache (
      key text primary key,
      model text not null,
      body text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index response_cache_expires on proctor.response_cache (expires_at)`.execute(db);

  await sql`alter table proctor.runs add column cache_hits integer not null default 0`.execute(db);

  await sql`
    create function proctor.notify_run_stopped() returns trigger
    language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform pg_notify('proctor_run_stopped', old.id);
      else
        perform pg_notify('proctor_run_stopped', new.id);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger runs_stopped after update of status on proctor.runs for each row
    when (old.status in ('queued', 'in_progress') and new.status not in ('queued', 'in_progress'))
    execute function proctor.notify_run_stopped()`.execute(db);
  await sql`create trigger runs_deleted after delete on proctor.runs for each row execute function proctor.notify_run_stopped()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists runs_deleted on proctor.runs`.execute(db);
  await sql`drop trigger if exists runs_stopped on proctor.runs`.execute(db);
  await sql`drop function if exists proctor.notify_run_stopped()`.execute(db);
  await sql`alter table proctor.runs drop column if exists cache_hits`.execute(db);
  for (const t of ['response_cache', 'job_claims', 'limit_rate', 'limit_holds', 'processes']) await sql`drop table if exists ${sql.table(`proctor.${t}`)}`.execute(db);
  await sql`drop function if exists proctor.limit_take_rate(text, integer, bigint, bigint, integer)`.execute(db);
}
