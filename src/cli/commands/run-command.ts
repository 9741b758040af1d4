import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { CliError, EXIT } from '../cli-error.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type Command, type CommandIo } from '../command.ts';
import { comparisonTable, fetchComparison, flippedList } from '../comparison.ts';
import { connect, type Connection } from '../connection.ts';
import { findOrCreateEval } from '../find-eval.ts';
import { evaluateGates, type GateOutcome } from '../gates.ts';
import { ProgressDisplay } from '../progress-display.ts';
import { readRunSpec, type RunSpec } from '../run-spec.ts';
import { textTable } from '../text-table.ts';
import { wilsonInterval } from '../../stats/wilson-interval.ts';
import { sleepUnlessAborted } from '../sleep.ts';

const HELP = `usage: proctor run <spec.yaml|spec.json> [--json] [--server <url>] [--api-key <key>] [--data-dir <dir>]

Creates (or reuses) the eval the spec describes, starts its run, shows progress, and checks the
gates. The spec:

  eval:   the body of evals.create (found by name; reused while its definition is unchanged)
  run:    the body of runs.create; a source may be a local JSONL: { type: file, path: ./rows.jsonl }
  gate:   min_pass_rate: 0.9 | { <criterion name>: 0.9 }   max_errored: 0 | 0.01
          baseline: latest | <run id>   (fail on a significant paired regression, McNemar p < 0.05)
  Strings may use \${VAR} from the environment.

Options:
  --json             print one JSON object at the end (eval_id, run_id, report_url, status,
                     result_counts, per_testing_criteria_results, gates); progress goes to stderr
  --poll-ms <ms>     how often to ask for progress (default 500)
${CONNECTION_HELP}

Exit codes: 0 every gate passed; 1 a quality gate failed (pass rate, baseline);
2 the run failed, was canceled or errored beyond max_errored; 3 bad spec, config or connection;
130 interrupted (Ctrl-C cancels the run on the server).
`;

type Run = OpenAI.Evals.RunRetrieveResponse;

export const runCommand: Command = {
  name: 'run',
  summary: 'run an eval from a spec file, show progress, check gates (exit code for CI)',
  help: HELP,
  options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, 'poll-ms': { type: 'string' } },
  async run(values, positionals, io) {
    if (positionals.length !== 1) throw new CliError(`proctor run takes one spec file (got ${positionals.length})\nSee: proctor run --help`);
    const pollMs = values['poll-ms'] === undefined ? 500 : Number(values['poll-ms']);
    if (!Number.isFinite(pollMs) || pollMs < 10) throw new CliError('--poll-ms: expected a number of milliseconds ≥ 10');
    const spec = readRunSpec(positionals[0]!, io.client.variables);
    const conn = await connect(values, io);
    try {
      return await runSpec(spec, conn, io, { json: values['json'] === true, pollMs });
    } finally {
      await conn.close();
    }
  },
};

async function countRows(path: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) if (line.trim() !== '') n++;
  return n;
}

async function latestCompletedRun(client: OpenAI, evalId: string): Promise<string | null> {
  const page = await client.evals.runs.list(evalId, { order: 'desc', status: 'completed', limit: 1 });
  return page.data[0]?.id ?? null;
}

async function runSpec(spec: RunSpec, conn: Connection, io: CommandIo, o: { json: boolean; pollMs: number }): Promise<number> {
  const { client } = conn;
  const say = (text: string) => io.stderr.write(`${text}\n`);
  const choice = await findOrCreateEval(client, spec.eval);
  const ev = choice.eval;
  if (choice.how === 'reused') say(`Eval '${ev.name}' (${ev.id}): definition unchanged, reused`);
  else if (choice.how === 'created') say(`Eval '${ev.name}' (${ev.id}): created`);
  else say(`Eval '${ev.name}': the definition changed, so this is a new eval ${ev.id} (the previous one is ${choice.previousId})`);

  let body = spec.run;
  let total: number | null = null;
  const dataSource = body['data_source'] as Record<string, unknown>;
  const source = dataSource['source'] as Record<string, unknown>;
  if (spec.localSource !== null) {
    let file;
    try {
      total = await countRows(spec.localSource);
      file = await client.files.create({ file: createReadStream(spec.localSource), purpose: 'evals' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`${spec.file}: run.data_source.source.path: no such file ${spec.localSource}`);
      throw error;
    }
    say(`Uploaded ${spec.localSource} (${total} rows) as ${file.id}`);
    body = { ...body, data_source: { ...dataSource, source: { type: 'file_id', id: file.id } } };
  } else if (source['type'] === 'file_content' && Array.isArray(source['content'])) {
    total = source['content'].length;
  }

  // The baseline is fixed before this run exists: `latest` never means the run itself.
  let baseline: string | null = spec.gate.baseline;
  if (baseline === 'latest') {
    baseline = await latestCompletedRun(client, ev.id);
    if (baseline === null) say('Baseline: no completed run of this eval yet — the baseline gate passes by default');
  }

  const created = await client.evals.runs.create(ev.id, body as unknown as OpenAI.Evals.RunCreateParams);
  say(`Run ${created.id} started${created.report_url ? `: ${created.report_url}` : ''}`);
  const progress = new ProgressDisplay(io.stderr, { tty: io.stderr.isTTY === true, total });
  let run: Run = created;
  while (run.status === 'queued' || run.status === 'in_progress') {
    if (!(await sleepUnlessAborted(o.pollMs, io.interrupted))) {
      progress.finish();
      say(`Interrupted: canceling run ${run.id}…`);
      try {
        const canceled = await client.evals.runs.cancel(run.id, { eval_id: ev.id });
        say(`Run ${run.id} is ${canceled.status}`);
      } catch (error) {
        say(`Could not cancel run ${run.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return EXIT.interrupted;
    }
    run = await client.evals.runs.retrieve(run.id, { eval_id: ev.id });
    const c = run.result_counts;
    progress.update({ done: c.total, passed: c.passed, failed: c.failed, errored: c.errored });
  }
  progress.finish();

  const comparison = baseline !== null && run.status === 'completed' ? await fetchComparison(client, ev.id, baseline, run.id) : null;
  const names = new Map((ev.testing_criteria as { id?: string; name: string }[]).map((c) => [c.id ?? c.name, c.name]));
  const outcome = evaluateGates(spec.gate, {
    status: run.status,
    result_counts: run.result_counts,
    per_testing_criteria_results: run.per_testing_criteria_results ?? null,
    names,
    comparison,
  });

  if (o.json) {
    io.stdout.write(
      `${JSON.stringify({
        eval_id: ev.id,
        run_id: run.id,
        report_url: run.report_url,
        status: run.status,
        result_counts: run.result_counts,
        per_testing_criteria_results: run.per_testing_criteria_results ?? null,
        baseline_run_id: baseline,
        gates: outcome.verdicts,
        exit_code: outcome.exitCode,
        ...(run.error ? { error: run.error } : {}),
      })}\n`,
    );
  } else {
    io.stdout.write(summary(run, names, comparison, outcome, conn.embedded));
  }
  return outcome.exitCode;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function summary(run: Run, names: Map<string, string>, comparison: Awaited<ReturnType<typeof fetchComparison>> | null, outcome: GateOutcome, embedded: boolean): string {
  const out: string[] = [];
  const c = run.result_counts;
  out.push(`\nRun ${run.id}: ${run.status} — ${c.total} rows: ${c.passed} passed, ${c.failed} failed, ${c.errored} errored`);
  if (run.error && run.error.message) out.push(`  error: ${run.error.code ?? ''} ${run.error.message}`);
  const rows = (run.per_testing_criteria_results ?? []).map((k) => {
    const n = k.passed + k.failed;
    const ci = wilsonInterval(k.passed, n);
    const name = names.get(k.testing_criteria) ?? k.testing_criteria;
    const delta = comparison?.criteria.find((x) => x.testing_criteria === k.testing_criteria);
    return [
      name,
      n === 0 ? '—' : pct(k.passed / n),
      `[${pct(ci.low)}, ${pct(ci.high)}]`,
      delta ? `${delta.difference.estimate >= 0 ? '+' : ''}${(delta.difference.estimate * 100).toFixed(1)} pts (p ${delta.p_value < 0.001 ? '<0.001' : delta.p_value.toFixed(3)})` : '',
    ];
  });
  if (rows.length > 0) out.push('', textTable(['criterion', 'pass rate', '95% CI', comparison ? `vs ${comparison.base_run_id}` : ''], rows).trimEnd());
  if (comparison) {
    out.push('', comparisonTable(comparison).trimEnd());
    const regressed = flippedList('Regressed items', comparison.regressions, 10);
    if (regressed) out.push('', regressed.trimEnd());
  }
  out.push('', 'Gates:');
  for (const v of outcome.verdicts) out.push(`  ${v.passed ? 'PASS' : 'FAIL'}  ${v.gate}${v.criterion ? ` (${v.criterion})` : ''}: ${v.detail}`);
  out.push('', `Report: ${run.report_url}${embedded ? '  (served while `proctor serve` runs on this data dir)' : ''}`);
  out.push(outcome.exitCode === EXIT.ok ? 'Result: all gates passed' : `Result: ${outcome.exitCode === EXIT.gateFailed ? 'a quality gate failed' : 'the run did not complete cleanly'} (exit ${outcome.exitCode})`);
  return `${out.join('\n')}\n`;
}
