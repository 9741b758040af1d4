import OpenAI from 'openai';
import { CliError, EXIT } from '../cli-error.ts';
import { CONNECTION_OPTIONS, type Command, type CommandIo } from '../command.ts';
import { connect, serverRoot, type Connection } from '../connection.ts';
import { ProgressDisplay } from '../progress-display.ts';

const HELP = `usage: proctor import --from <base_url> --api-key <key> [--azure[=<api-version>]] [--eval <eval_id>]…

Copies evals, their finished runs (status, counts, usage, data source, metadata) and output items,
and the files the runs read when the source lets us download them, from any Evals-API endpoint
(OpenAI, Azure OpenAI / Foundry, another Proctor) into this Proctor. Ids are kept, so code and
links keep working. Idempotent and resumable: run it again and it copies only what is missing
(a killed import continues where it stopped). Runs still queued or in progress are skipped.

Source:
  --from <base_url>          e.g. https://api.openai.com, https://<resource>.openai.azure.com,
                             http://other-proctor:8080
  --api-key <key>            the source's key
  --azure[=<api-version>]    Azure paths: /openai/v1 (no version) or /openai?api-version=<v>,
                             with the api-key and aoai-evals: preview headers
  --eval <eval_id>           only these evals (repeatable); default: every eval
Target (this Proctor):
  --server <url>             a running Proctor (or PROCTOR_URL)
  --server-api-key <key>     its key (or PROCTOR_API_KEY)
  --data-dir <dir>           with no server: Proctor in this process on <dir>
  --json                     print the counts as JSON at the end

Uses Proctor's import extension (POST /v1/proctor/import/...), so the target must be Proctor.
`;

type Values = Record<string, string | boolean | string[] | undefined>;

interface Counts {
  evals: number;
  runs: number;
  output_items: number;
  files: number;
  skipped_runs: number;
  files_unavailable: number;
}

function sourceClient(values: Values): OpenAI {
  const from = values['from'];
  const key = values['api-key'];
  if (typeof from !== 'string') throw new CliError('--from <base_url> is required\nSee: proctor import --help');
  if (typeof key !== 'string') throw new CliError('--api-key <key> (the source\'s key) is required\nSee: proctor import --help');
  const root = serverRoot(from).replace(/\/openai(\/v1)?$/, '');
  const azure = values['azure'];
  if (typeof azure === 'string') {
    const headers = { 'api-key': key, 'aoai-evals': 'preview' };
    if (azure === '' || azure === 'v1') return new OpenAI({ baseURL: `${root}/openai/v1`, apiKey: key, defaultHeaders: headers, maxRetries: 4 });
    return new OpenAI({ baseURL: `${root}/openai`, apiKey: key, defaultHeaders: headers, defaultQuery: { 'api-version': azure }, maxRetries: 4 });
  }
  return new OpenAI({ baseURL: `${root}/v1`, apiKey: key, maxRetries: 4 });
}

export const importCommand: Command = {
  name: 'import',
  summary: 'copy evals, runs, output items and files from another Evals-API endpoint (ids kept)',
  help: HELP,
  options: {
    ...CONNECTION_OPTIONS,
    from: { type: 'string' },
    azure: { type: 'string' },
    eval: { type: 'string', multiple: true },
    'server-api-key': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new CliError(`proctor import takes no positional arguments (got '${positionals[0]}')\nSee: proctor import --help`);
    const source = sourceClient(values);
    const target = await connect({ ...values, 'api-key': values['server-api-key'] }, io);
    try {
      const started = Date.now();
      const counts = await importAll(source, target, (values['eval'] as string[] | undefined) ?? [], io);
      const seconds = (Date.now() - started) / 1000;
      const objects = counts.evals + counts.runs + counts.output_items + counts.files;
      if (values['json'] === true) io.stdout.write(`${JSON.stringify({ copied: counts, seconds, objects_per_second: seconds > 0 ? objects / seconds : null })}\n`);
      else {
        io.stdout.write(
          `Copied ${counts.evals} evals, ${counts.runs} runs, ${counts.output_items} output items, ${counts.files} files in ${seconds.toFixed(1)} s` +
            `${objects > 0 && seconds > 0 ? ` (${Math.round(objects / seconds)} objects/s)` : ''}` +
            `${counts.skipped_runs > 0 ? `; skipped ${counts.skipped_runs} runs still in progress` : ''}` +
            `${counts.files_unavailable > 0 ? `; ${counts.files_unavailable} files could not be read from the source` : ''}\n`,
        );
      }
      return io.interrupted.aborted ? EXIT.interrupted : EXIT.ok;
    } finally {
      await target.close();
    }
  },
};

/** Rewrites `--azure` (no value) to `--azure=` so the option can take an optional value. */
export function normalizeImportArgv(argv: string[]): string[] {
  return argv.map((a) => (a === '--azure' ? '--azure=' : a));
}

async function importAll(source: OpenAI, target: Connection, only: string[], io: CommandIo): Promise<Counts> {
  const counts: Counts = { evals: 0, runs: 0, output_items: 0, files: 0, skipped_runs: 0, files_unavailable: 0 };
  const evals: OpenAI.Evals.EvalListResponse[] = [];
  if (only.length > 0) for (const id of only) evals.push(await source.evals.retrieve(id));
  else for await (const e of source.evals.list({ limit: 100, order: 'asc' })) evals.push(e);
  const filesDone = new Set<string>();
  for (const ev of evals) {
    if (io.interrupted.aborted) break;
    const put = await target.client.post<{ created: boolean }>(`/proctor/import/evals/${ev.id}`, { body: ev });
    if (put.created) counts.evals++;
    for await (const run of source.evals.runs.list(ev.id, { limit: 100, order: 'asc' })) {
      if (io.interrupted.aborted) break;
      if (run.status === 'queued' || run.status === 'in_progress') {
        counts.skipped_runs++;
        continue;
      }
      const src = (run.data_source as { source?: { type?: string; id?: string } }).source;
      if (src?.type === 'file_id' && typeof src.id === 'string' && !filesDone.has(src.id)) {
        filesDone.add(src.id);
        const copied = await copyFile(source, target, src.id);
        if (copied === 'copied') counts.files++;
        if (copied === 'unavailable') counts.files_unavailable++;
      }
      const state = await target.client.post<{ created: boolean; output_items: number; last_output_item_id: string | null }>(`/proctor/import/evals/${ev.id}/runs/${run.id}`, { body: run });
      if (state.created) counts.runs++;
      if (state.output_items >= run.result_counts.total && !state.created) continue;
      counts.output_items += await copyItems(source, target, ev.id, run, state.last_output_item_id, state.output_items, io);
    }
  }
  return counts;
}

const BATCH = 500;

async function copyItems(source: OpenAI, target: Connection, evalId: string, run: OpenAI.Evals.RunListResponse, after: string | null, already: number, io: CommandIo): Promise<number> {
  const progress = new ProgressDisplay(io.stderr, { tty: io.stderr.isTTY === true, total: run.result_counts.total, label: `import ${run.id}`, verdicts: false });
  let inserted = 0;
  let seen = already;
  let batch: unknown[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await target.client.post<{ inserted: number }>(`/proctor/import/evals/${evalId}/runs/${run.id}/output_items`, { body: { data: batch } });
    inserted += r.inserted;
    seen += batch.length;
    batch = [];
    progress.update({ done: seen, passed: 0, failed: 0, errored: 0 });
  };
  for await (const item of source.evals.runs.outputItems.list(run.id, { eval_id: evalId, limit: 100, order: 'asc', ...(after !== null ? { after } : {}) })) {
    batch.push(item);
    if (batch.length >= BATCH) await flush();
    if (io.interrupted.aborted) break;
  }
  await flush();
  if (inserted > 0) progress.finish();
  return inserted;
}

async function copyFile(source: OpenAI, target: Connection, fileId: string): Promise<'copied' | 'present' | 'unavailable'> {
  let meta;
  let content: Response;
  try {
    meta = await source.files.retrieve(fileId);
    content = await source.files.content(fileId);
  } catch (error) {
    if (error instanceof OpenAI.APIError && error.status !== undefined && error.status < 500) return 'unavailable';
    throw error;
  }
  const query = new URLSearchParams({ filename: meta.filename || 'file', purpose: meta.purpose || 'evals', created_at: String(meta.created_at) });
  const res = await fetch(`${target.root}/v1/proctor/import/files/${encodeURIComponent(fileId)}?${query.toString()}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/octet-stream' },
    body: content.body,
    duplex: 'half',
  });
  const body = (await res.json()) as { created?: boolean; error?: { message?: string } };
  if (!res.ok) throw new CliError(`copying file ${fileId}: the target answered ${res.status}: ${body.error?.message ?? ''}`);
  return body.created ? 'copied' : 'present';
}
