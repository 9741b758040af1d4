import { CliError, EXIT } from '../cli-error.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, str, type Command } from '../command.ts';
import { comparisonTable, fetchComparison, flippedList, regressedSignificantly } from '../comparison.ts';
import { connect } from '../connection.ts';
import { evalOfRun } from '../find-run.ts';

const HELP = `usage: proctor compare <base_run> <head_run> [--eval <eval_id>] [--json] [--items <n>]

Pairs the two runs' output items by datasource_item_id and shows, per testing criterion, both
pass rates, the difference with its 95 % interval (Newcombe, paired), the exact McNemar p, and
the items that regressed (pass → fail) or got fixed. Exits 1 when a criterion regressed
significantly (p < 0.05 and more regressions than fixes), 0 otherwise.

Options:
  --eval <eval_id>   the runs' eval (found by asking each eval when omitted)
  --items <n>        regressed and fixed items to list (default 20)
  --json             print the server's eval.run_comparison object
${CONNECTION_HELP}
`;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare two runs item by item (paired test); exit 1 on a significant regression',
  help: HELP,
  options: { ...CONNECTION_OPTIONS, eval: { type: 'string' }, json: { type: 'boolean' }, items: { type: 'string' } },
  async run(values, positionals, io) {
    if (positionals.length !== 2) throw new CliError('proctor compare takes two run ids: <base_run> <head_run>\nSee: proctor compare --help');
    const items = values['items'] === undefined ? 20 : Number(values['items']);
    if (!Number.isInteger(items) || items < 0 || items > 1000) throw new CliError('--items: expected a whole number from 0 to 1000');
    const [base, head] = positionals as [string, string];
    const conn = await connect(values, io);
    try {
      const evalId = await evalOfRun(conn.client, base, str(values['eval']));
      const cmp = await fetchComparison(conn.client, evalId, base, head, Math.max(1, items));
      if (values['json'] === true) {
        io.stdout.write(`${JSON.stringify(cmp)}\n`);
      } else {
        io.stdout.write(`Eval ${evalId}: ${base} (base) → ${head} (head)\n\n${comparisonTable(cmp)}`);
        const lists = [flippedList('Regressed items', cmp.regressions, items), flippedList('Fixed items', cmp.fixes, items)].filter((s) => s !== '');
        if (lists.length > 0) io.stdout.write(`\n${lists.join('\n')}`);
        io.stdout.write(regressedSignificantly(cmp) ? '\nResult: significant regression (exit 1)\n' : '\nResult: no significant regression\n');
      }
      return regressedSignificantly(cmp) ? EXIT.gateFailed : EXIT.ok;
    } finally {
      await conn.close();
    }
  },
};
