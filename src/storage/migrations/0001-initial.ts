import { sql, type Kysely } from 'kysely';

/** The first schema. Raw SQL because it is plain Postgres and reads best as such. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table proctor.evals (
      id text primary key,
      project text not null,
      name text not null,
      data_source_config json not null,
      testing_criteria json not null,
      metadata json,
      created_at bigint not null,
      updated_at bigint not null,
      seq bigint generated always as identity unique
    )`.execute(db);
  await sql`create index evals_project_seq on proctor.evals (project, seq)`.execute(db);
  await sql`create index evals_project_updated on proctor.evals (project, updated_at, seq)`.execute(db);

  await sql`
    create table proctor.runs (
      id text primary key,
      project text not null,
      eval_id text not null references proctor.evals (id) on delete cascade,
      name text not null,
      model text not null,
      status text not null,
      data_source json not null,
      metadata json,
      error json,
      created_at bigint not null,
      seq bigint generated always as identity unique,
      row_count integer,
      batch_count integer,
      batches_done integer not null default 0,
      passed integer not null default 0,
      failed integer not null default 0,
      errored integer not null default 0,
      finished_at bigint
    )`.execute(db);
  await sql`create index runs_eval_seq on proctor.runs (eval_id, seq)`.execute(db);
  await sql`create index runs_eval_status_seq on proctor.runs (eval_id, status, seq)`.execute(db);

  await sql`
    create table proctor.run_batches (
      run_id text not null references proctor.runs (id) on delete cascade,
      batch_index integer not null,
      first_row integer not null,
      row_count integer not null,
      done boolean not null default false,
      primary key (run_id, batch_index)
    )`.execute(db);

  await sql`
    create table proctor.run_rows (
      run_id text not null references proctor.runs (id) on delete cascade,
      row_index integer not null,
      item json not null,
      sample json,
      primary key (run_id, row_index)
    )`.execute(db);

  await sql`
    create table proctor.run_criterion_counts (
      run_id text not null references proctor.runs (id) on delete cascade,
      criterion_id text not null,
      position integer not null,
      passed integer not null default 0,
      failed integer not null default 0,
      primary key (run_id, criterion_id)
    )`.execute(db);

  await sql`
    create table proctor.run_model_usage (
      run_id text not null references proctor.runs (id) on delete cascade,
      model_name text not null,
      invocation_count bigint not null default 0,
      prompt_tokens bigint not null default 0,
      completion_tokens bigint not null default 0,
      total_tokens bigint not null default 0,
      cached_tokens bigint not null default 0,
      primary key (run_id, model_name)
    )`.execute(db);

  await sql`
    create table proctor.output_items (
      id text primary key,
      run_id text not null references proctor.runs (id) on delete cascade,
      eval_id text not null,
      datasource_item_id integer not null,
      status text not null,
      datasource_item json not null,
      results json not null,
      sample json not null,
      created_at bigint not null,
      unique (run_id, datasource_item_id)
    )`.execute(db);
  await sql`create index output_items_run_status on proctor.output_items (run_id, status, datasource_item_id)`.execute(db);

  await sql`
    create table proctor.files (
      id text primary key,
      project text not null,
      filename text not null,
      purpose text not null,
      bytes bigint not null default 0,
      created_at bigint not null,
      expires_at bigint,
      complete boolean not null default false,
      seq bigint generated always as identity unique
    )`.execute(db);
  await sql`create index files_project_seq on proctor.files (project, seq)`.execute(db);

  await sql`
    create table proctor.file_chunks (
      file_id text not null references proctor.files (id) on delete cascade,
      chunk_index integer not null,
      data bytea not null,
      primary key (file_id, chunk_index)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['file_chunks', 'files', 'output_items', 'run_model_usage', 'run_criterion_counts', 'run_rows', 'run_batches', 'runs', 'evals']) {
    await sql`drop table if exists ${sql.table(`proctor.${t}`)}`.execute(db);
  }
}
