import { sql, type Kysely } from 'kysely';

/**
 * What the run comparison pairs two runs by, so it reads the grades index instead of expanding
 * every item's json `results` (77 s at a million items per run):
 * - `output_item_grades.graded`: the item has a result at this position (false for a row that
 *   errored before grading: it fails every criterion in the report but is not paired);
 *   `errored`: that result carries an error; `error_score`: the score an errored result still
 *   carries (the comparison's score means count it, `score` does not).
 * - `run_comparisons` / `run_comparison_flips`: the comparison of two finished runs, filled on the
 *   first request. `base_items` / `head_items` are the runs' item counts it was computed at: a run
 *   only ever gains items, so a count that moved (a batch committed after a cancel) means stale.
 * Existing grade rows are backfilled from the json (only rows that errored or lack a result differ
 * from the defaults).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table proctor.output_item_grades add column graded boolean not null default true`.execute(db);
  await sql`alter table proctor.output_item_grades add column errored boolean not null default false`.execute(db);
  await sql`alter table proctor.output_item_grades add column error_score double precision`.execute(db);
  await sql`
    update proctor.output_item_grades g
    set (graded, errored, error_score) = (
      select r.v is not null,
             coalesce(json_typeof(r.v -> 'error') <> 'null', false),
             case when json_typeof(r.v -> 'error') <> 'null' and json_typeof(r.v -> 'score') = 'number' then (r.v ->> 'score')::double precision end
      from (select (select x.v from json_array_elements(o.results) with ordinality as x(v, i) where x.i = g.position + 1) as v) r)
    from proctor.output_items o
    where o.run_id = g.run_id and o.datasource_item_id = g.datasource_item_id
      and (o.error_code is not null or json_array_length(o.results) <= g.position)`.execute(db);

  await sql`
    create table proctor.run_comparisons (
      base_run_id text not null references proctor.runs (id) on delete cascade,
      head_run_id text not null references proctor.runs (id) on delete cascade,
      base_items integer not null,
      head_items integer not null,
      counts text not null,
      primary key (base_run_id, head_run_id)
    )`.execute(db);
  await sql`create index run_comparisons_head on proctor.run_comparisons (head_run_id)`.execute(db);
  await sql`
    create table proctor.run_comparison_flips (
      base_run_id text not null,
      head_run_id text not null,
      direction text not null,
      datasource_item_id integer not null,
      criteria text not null,
      primary key (base_run_id, head_run_id, direction, datasource_item_id),
      foreign key (base_run_id, head_run_id) references proctor.run_comparisons (base_run_id, head_run_id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists proctor.run_comparison_flips`.execute(db);
  await sql`drop table if exists proctor.run_comparisons`.execute(db);
  await sql`alter table proctor.output_item_grades drop column if exists error_score`.execute(db);
  await sql`alter table proctor.output_item_grades drop column if exists errored`.execute(db);
  await sql`alter table proctor.output_item_grades drop column if exists graded`.execute(db);
}
