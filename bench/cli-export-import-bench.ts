// `proctor export` and `proctor import` on a big run: rows/s and the CLI process's peak RSS.
//
//   node --import tsx bench/cli-export-import-bench.ts [rows]     (default 100000)
//
// A source Proctor (in-memory PGlite) gets a jsonl run of <rows> items; the built CLI exports it
// (JSONL and CSV, stdout to a file) and imports it into a second in-memory Proctor. Peak RSS is the
// child's maximum resident set (from /usr/bin/time when present, else wait4's ru_maxrss via `ps`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { buildCli } from '../test/integration/cli-process.ts';
import { answerRows, toJsonl } from '../test/integration/api-client.ts';
import { startTestProctor, waitForRun } from '../test/support/start-test-proctor.ts';

const rows = Number(process.argv[2] ?? 100_000);
const cli = await buildCli();
const dir = mkdtempSync(join(os.tmpdir(), 'proctor-cli-bench-'));
const source = await startTestProctor({ kind: 'pglite', dataDir: null });
const target = await startTestProctor({ kind: 'pglite', dataDir: null });

function timed(args: string[], env: Record<string, string>, out: string): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', `${out}.rss`, process.execPath, cli.main, ...args], { env: { ...process.env, ...env, PROCTOR_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}`));
      resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: Number(readFileSync(`${out}.rss`, 'utf8').trim().split('\n').at(-1)) / 1024, stdout });
    });
  });
}

try {
  const client = new OpenAI({ baseURL: `${source.url}/v1`, apiKey: 'x' });
  const ev = await client.evals.create({ name: 'bench', data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { answer: { type: 'string' } } } }, testing_criteria: [{ type: 'string_check', name: 'eq', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' }] });
  const file = await client.files.create({ file: new File([toJsonl(answerRows(rows, (i) => i % 3 !== 0))], 'rows.jsonl'), purpose: 'evals' });
  const run = await client.evals.runs.create(ev.id, { data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } });
  await waitForRun(() => client.evals.runs.retrieve(run.id, { eval_id: ev.id }), 1_800_000);
  const env = { PROCTOR_URL: source.url };
  for (const format of ['jsonl', 'csv']) {
    const out = join(dir, `export.${format}`);
    const r = await timed(['export', run.id, '--eval', ev.id, '--format', format, '-o', out], env, out);
    console.log(`export ${format}: ${rows} rows in ${r.seconds.toFixed(1)} s = ${Math.round(rows / r.seconds)} rows/s, peak RSS ${r.peakRssMb.toFixed(0)} MB, ${(statSync(out).size / 1e6).toFixed(1)} MB written`);
  }
  const imp = await timed(['import', '--from', source.url, '--api-key', 'x', '--json'], { PROCTOR_URL: target.url }, join(dir, 'import'));
  const copied = (JSON.parse(imp.stdout) as { copied: Record<string, number> }).copied;
  const objects = Object.entries(copied).filter(([k]) => !k.includes('skipped') && !k.includes('unavailable')).reduce((n, [, v]) => n + v, 0);
  console.log(`import: ${objects} objects (${JSON.stringify(copied)}) in ${imp.seconds.toFixed(1)} s = ${Math.round(objects / imp.seconds)} objects/s, peak RSS ${imp.peakRssMb.toFixed(0)} MB`);
} finally {
  await source.close();
  await target.close();
  cli.close();
  rmSync(dir, { recursive: true, force: true });
}
