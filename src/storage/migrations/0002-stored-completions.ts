import { sql, type Kysely } from 'kysely';

/**
 * Chat completions logged by the proxy (`store: true`): the source of `stored_completions` runs.
 * `metadata` is jsonb so a run's metadata filter is one indexed containment test (`@>`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table proctor.stored_completions (
      id text primary key,
      project text not null,
      model text not null,
      response_model text not null,
      metadata jsonb not null,
      request json not null,
      response json not null,
      created_at bigint not null,
      seq bigint generated always as identity unique
    )`.execute(db);
  await sql`create index stored_completions_project_created on proctor.stored_completions (project, created_at, seq)`.execute(db);
  await sql`create index stored_completions_project_seq on proctor.stored_completions (project, seq)`.execute(db);
  await sql`create index stored_completions_metadata on proctor.stored_completions using gin (metadata jsonb_path_ops)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table proctor.stored_completions`.execute(db);
}
