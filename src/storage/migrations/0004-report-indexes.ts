import { sql, type Kysely } from 'kysely';

/**
 * What the web report filters, sorts and summarises by, kept so a page at a million items reads a
 * few index entries instead of parsing a million json rows:
 * - `output_items.error_code`: the code of the row's first error (sampling, else grader); null
 *   when the row did not error. A partial index serves the `errored` filter and the error summary.
 * - `output_item_grades`: one row per item and criterion (position in the eval's criteria): the
 *   verdict, and the score when the grader produced one (null when it errored or never ran).
 * - `run_score_bins`: per run and criterion, how many scores fell on each value rounded to two
 *   significant digits (added per batch like the criterion counts), so a histogram is a read of a
 *   few hundred rows at any run size.
 * Existing rows are backfilled here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table proctor.output_items add column error_code text`.execute(db);
  await sql`
    update proctor.output_items o set error_code = e.code
    from (
      select id, coalesce(
        nullif(sample -> 'error' ->> 'code', ''),
        (select coalesce(r -> 'error' ->> 'code', 'grader_error') from json_array_elements(results) r where json_typeof(r -> 'error') = 'object' limit 1),
        case when json_typeof(sample -> 'error') = 'object' then 'error' end
      ) as code
      from proctor.output_items
    ) e
    where o.id = e.id and e.code is not null`.execute(db);
  await sql`create index output_items_run_error on proctor.output_items (run_id, error_code, datasource_item_id) where error_code is not null`.execute(db);

  await sql`
    create table proctor.output_item_grades (
      run_id text not null references proctor.runs (id) on delete cascade,
      position smallint not null,
      datasource_item_id integer not null,
      passed boolean not null,
      score double precision
    )`.execute(db);
  await sql`create index output_item_grades_passed on proctor.output_item_grades (run_id, position, passed, datasource_item_id)`.execute(db);
  await sql`create index output_item_grades_score on proctor.output_item_grades (run_id, position, score, datasource_item_id)`.execute(db);

  await sql`
    create table proctor.run_score_bins (
      run_id text not null references proctor.runs (id) on delete cascade,
      position smallint not null,
      value double precision not null,
      count integer not null,
      primary key (run_id, position, value)
    )`.execute(db);

  // Backfill: every criterion of every stored item (a row that errored before grading has no
  // result and counts as failed, as in the run's per-criterion counts).
  await sql`
    insert into proctor.output_item_grades (run_id, position, datasource_item_id, passed, score)
    select o.run_id, c.position, o.datasource_item_id,
           coalesce((r.v ->> 'passed')::boolean, false),
           case when r.v is null or json_typeof(r.v -> 'error') = 'object' then null else (r.v ->> 'score')::double precision end
    from proctor.output_items o
    join proctor.run_criterion_counts c on c.run_id = o.run_id
    left join lateral (select x.v from json_array_elements(o.results) with ordinality as x(v, i) where x.i = c.position + 1) r on true`.execute(db);
  await sql`
    insert into proctor.run_score_bins (run_id, position, value, count)
    select run_id, position, ${sql.raw(ROUNDED_SQL)}, count(*)::integer
    from proctor.output_item_grades where score is not null
    group by 1, 2, 3`.execute(db);
}

/** Two significant digits, like `roundScore` in output-item-grades.ts (0 stays 0). */
const ROUNDED_SQL = `case when score = 0 then 0::double precision else round((score / power(10, floor(log(abs(score))) - 1))::numeric)::double precision * power(10, floor(log(abs(score))) - 1) end`;

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists proctor.run_score_bins`.execute(db);
  await sql`drop table if exists proctor.output_item_grades`.execute(db);
  await sql`alter table proctor.output_items drop column if exists error_code`.execute(db);
}
