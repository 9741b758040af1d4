import { CliError, EXIT } from '../cli-error.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, str, type Command } from '../command.ts';
import { connect } from '../connection.ts';
import { evalOfRun } from '../find-run.ts';
import { textTable } from '../text-table.ts';

const when = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
const pct = (passed: number, total: number) => (total === 0 ? '—' : `${((passed / total) * 100).toFixed(1)} %`);

export const evalsCommand: Command = {
  name: 'evals',
  summary: '`evals list`: the evals of this project',
  help: `usage: proctor evals list [--limit <n>] [--json]

Lists the evals, newest first (default 50; --limit 0 for all).
${CONNECTION_HELP}
`,
  options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, limit: { type: 'string' } },
  async run(values, positionals, io) {
    if (positionals[0] !== 'list' || positionals.length !== 1) throw new CliError('usage: proctor evals list\nSee: proctor evals --help');
    const limit = parseLimit(values['limit']);
    const conn = await connect(values, io);
    try {
      const rows: string[][] = [];
      const all = [];
      for await (const e of conn.client.evals.list({ limit: 100, order: 'desc' })) {
        if (limit > 0 && all.length >= limit) break;
        all.push(e);
        rows.push([e.id, e.name, String(e.testing_criteria.length), when(e.created_at)]);
      }
      io.stdout.write(values['json'] === true ? `${JSON.stringify(all)}\n` : textTable(['id', 'name', 'criteria', 'created (UTC)'], rows));
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};

export const runsCommand: Command = {
  name: 'runs',
  summary: '`runs list <eval>`, `runs get <run>`: runs and their results',
  help: `usage: proctor runs list <eval_id> [--limit <n>] [--json]
       proctor runs get <run_id> [--eval <eval_id>] [--json]

list: the eval's runs, newest first (default 50; --limit 0 for all).
get:  one run: status, counts, per-criterion pass rates, usage, report URL.
${CONNECTION_HELP}
`,
  options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, limit: { type: 'string' }, eval: { type: 'string' } },
  async run(values, positionals, io) {
    const [verb, id] = positionals;
    if ((verb !== 'list' && verb !== 'get') || id === undefined || positionals.length !== 2) throw new CliError('usage: proctor runs list <eval_id> | proctor runs get <run_id>\nSee: proctor runs --help');
    const limit = parseLimit(values['limit']);
    const conn = await connect(values, io);
    try {
      if (verb === 'list') {
        const rows: string[][] = [];
        const all = [];
        for await (const r of conn.client.evals.runs.list(id, { limit: 100, order: 'desc' })) {
          if (limit > 0 && all.length >= limit) break;
          all.push(r);
          const c = r.result_counts;
          rows.push([r.id, r.name, r.status, String(c.total), pct(c.passed, c.total), String(c.errored), when(r.created_at)]);
        }
        io.stdout.write(values['json'] === true ? `${JSON.stringify(all)}\n` : textTable(['id', 'name', 'status', 'rows', 'passed', 'errored', 'created (UTC)'], rows));
        return EXIT.ok;
      }
      const evalId = await evalOfRun(conn.client, id, str(values['eval']));
      const r = await conn.client.evals.runs.retrieve(id, { eval_id: evalId });
      const ev = await conn.client.evals.retrieve(evalId);
      const names = new Map((ev.testing_criteria as { id?: string; name: string }[]).map((c) => [c.id ?? c.name, c.name]));
      if (values['json'] === true) {
        io.stdout.write(`${JSON.stringify(r)}\n`);
        return EXIT.ok;
      }
      const c = r.result_counts;
      const lines = [
        `Run ${r.id} (${r.name}) of eval ${r.eval_id}: ${r.status}`,
        `  model ${r.model || '—'}, created ${when(r.created_at)} UTC`,
        `  ${c.total} rows: ${c.passed} passed, ${c.failed} failed, ${c.errored} errored`,
      ];
      if (r.error && r.error.message) lines.push(`  error: ${r.error.code ?? ''} ${r.error.message}`);
      const crit = (r.per_testing_criteria_results ?? []).map((k) => [names.get(k.testing_criteria) ?? k.testing_criteria, String(k.passed), String(k.failed), pct(k.passed, k.passed + k.failed)]);
      const usage = (r.per_model_usage ?? []).map((u) => [u.model_name, String(u.invocation_count), String(u.prompt_tokens), String(u.completion_tokens)]);
      let out = `${lines.join('\n')}\n`;
      if (crit.length > 0) out += `\n${textTable(['criterion', 'passed', 'failed', 'pass rate'], crit)}`;
      if (usage.length > 0) out += `\n${textTable(['model', 'calls', 'prompt tokens', 'completion tokens'], usage)}`;
      out += `\nReport: ${r.report_url}\n`;
      io.stdout.write(out);
      return EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};

function parseLimit(v: string | boolean | string[] | undefined): number {
  if (v === undefined) return 50;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError('--limit: expected a whole number (0 for all)');
  return n;
}
