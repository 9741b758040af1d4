import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type OpenAI from 'openai';
import { CliError, EXIT } from '../cli-error.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, str, type Command } from '../command.ts';
import { connect } from '../connection.ts';
import { csvRow, outputTextOf } from '../csv-row.ts';
import { evalOfRun } from '../find-run.ts';
import { ProgressDisplay } from '../progress-display.ts';

const HELP = `usage: proctor export <run_id> [--eval <eval_id>] [--format jsonl|csv] [-o <file>]
       proctor export --eval <eval_id> [--format jsonl|csv] [-o <file>]

Streams every output item of the run (or of every run of the eval) page by page, in constant
memory. jsonl: one output item object per line, as the API returns it. csv: one row per item with
run_id, output_item_id, datasource_item_id, status, one column per item field (item.<field>;
nested values as JSON), the model's output text, and <criterion>.score / <criterion>.passed.

Options:
  --format jsonl|csv   default jsonl (csv when -o ends in .csv)
  -o, --output <file>  write here instead of stdout
${CONNECTION_HELP}
`;

type OutputItem = OpenAI.Evals.Runs.OutputItemListResponse;

/** Writes with backpressure: a slow disk or pipe slows the export, it does not grow memory. */
async function put(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

interface Columns {
  fields: string[];
  criteria: { id: string; name: string }[];
}

function columnsFor(ev: OpenAI.Evals.EvalRetrieveResponse, first: OutputItem | undefined): Columns {
  const schema = (ev.data_source_config as { schema?: { properties?: { item?: { properties?: Record<string, unknown> } } } }).schema;
  const fields = new Set(Object.keys(schema?.properties?.item?.properties ?? {}));
  for (const k of Object.keys(first?.datasource_item ?? {})) fields.add(k);
  const criteria = (ev.testing_criteria as { id?: string; name: string }[]).map((c) => ({ id: c.id ?? c.name, name: c.name }));
  for (const r of first?.results ?? []) if (!criteria.some((c) => c.id === r.name)) criteria.push({ id: r.name, name: r.name });
  return { fields: [...fields], criteria };
}

const header = (c: Columns) => csvRow(['run_id', 'output_item_id', 'datasource_item_id', 'status', ...c.fields.map((f) => `item.${f}`), 'output_text', ...c.criteria.flatMap((k) => [`${k.name}.score`, `${k.name}.passed`])]);

function csvLine(c: Columns, o: OutputItem): string {
  const byName = new Map(o.results.map((r) => [r.name, r]));
  return csvRow([
    o.run_id,
    o.id,
    o.datasource_item_id,
    o.status,
    ...c.fields.map((f) => o.datasource_item[f]),
    outputTextOf(o.sample),
    ...c.criteria.flatMap((k) => {
      const r = byName.get(k.id);
      return [r?.score, r === undefined ? null : r.passed];
    }),
  ]);
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'stream a run’s (or an eval’s) output items to JSONL or CSV',
  help: HELP,
  options: { ...CONNECTION_OPTIONS, eval: { type: 'string' }, format: { type: 'string' }, output: { type: 'string', short: 'o' } },
  async run(values, positionals, io) {
    const runId = positionals[0];
    const evalOpt = str(values['eval']);
    if (positionals.length > 1 || (runId === undefined && evalOpt === undefined)) throw new CliError('usage: proctor export <run_id> [--eval <eval_id>] | proctor export --eval <eval_id>\nSee: proctor export --help');
    const file = str(values['output']);
    const format = str(values['format']) ?? (file?.endsWith('.csv') ? 'csv' : 'jsonl');
    if (format !== 'jsonl' && format !== 'csv') throw new CliError(`--format: expected jsonl or csv (got '${format}')`);
    const conn = await connect(values, io);
    try {
      const evalId = runId === undefined ? evalOpt! : await evalOfRun(conn.client, runId, evalOpt);
      const ev = await conn.client.evals.retrieve(evalId);
      const runIds: { id: string; total: number }[] = [];
      if (runId !== undefined) {
        const r = await conn.client.evals.runs.retrieve(runId, { eval_id: evalId });
        runIds.push({ id: r.id, total: r.result_counts.total });
      } else {
        for await (const r of conn.client.evals.runs.list(evalId, { limit: 100, order: 'asc' })) runIds.push({ id: r.id, total: r.result_counts.total });
      }
      const out: Writable = file === undefined ? io.stdout : createWriteStream(file);
      const total = runIds.reduce((n, r) => n + r.total, 0);
      const progress = io.stderr.isTTY === true && file !== undefined ? new ProgressDisplay(io.stderr, { tty: true, total, label: 'export', verdicts: false }) : null;
      let columns: Columns | null = null;
      let rows = 0;
      let passed = 0;
      for (const { id } of runIds) {
        if (io.interrupted.aborted) break;
        for await (const item of conn.client.evals.runs.outputItems.list(id, { eval_id: evalId, limit: 100, order: 'asc' })) {
          if (format === 'jsonl') {
            await put(out, `${JSON.stringify(item)}\n`);
          } else {
            if (columns === null) {
              columns = columnsFor(ev, item);
              await put(out, header(columns));
            }
            await put(out, csvLine(columns, item));
          }
          rows++;
          if (item.status === 'pass') passed++;
          if (progress !== null && rows % 1000 === 0) progress.update({ done: rows, passed, failed: rows - passed, errored: 0 });
          if (io.interrupted.aborted) break;
        }
      }
      if (format === 'csv' && columns === null) await put(out, header(columnsFor(ev, undefined)));
      progress?.finish();
      if (file !== undefined) {
        out.end();
        await once(out, 'finish');
        io.stderr.write(`Exported ${rows} output items from ${runIds.length} run${runIds.length === 1 ? '' : 's'} to ${file}\n`);
      }
      return io.interrupted.aborted ? EXIT.interrupted : EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};

