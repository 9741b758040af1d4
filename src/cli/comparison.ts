import type OpenAI from 'openai';
import type { RunComparisonObject } from '../domain/run-comparison.ts';
import { textTable } from './text-table.ts';

/** The server's paired comparison of two runs (Proctor's `GET /evals/{id}/compare`). */
export async function fetchComparison(client: OpenAI, evalId: string, base: string, head: string, limit = 100): Promise<RunComparisonObject> {
  return client.get(`/evals/${encodeURIComponent(evalId)}/compare`, { query: { base, head, limit } });
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;

export function comparisonTable(c: RunComparisonObject): string {
  const rows = c.criteria.map((k) => [
    k.name,
    String(k.paired),
    pct(k.base.pass_rate),
    pct(k.head.pass_rate),
    `${signed(k.difference.estimate)} [${signed(k.difference.low)}, ${signed(k.difference.high)}]`,
    String(k.regressions),
    String(k.fixes),
    k.p_value < 0.001 ? '<0.001' : k.p_value.toFixed(3),
    k.significant ? (k.regressions > k.fixes ? 'REGRESSED' : 'improved') : '',
  ]);
  return textTable(['criterion', 'paired', 'base', 'head', 'Δ pts [95% CI]', 'regressed', 'fixed', 'McNemar p', ''], rows);
}

export function flippedList(title: string, list: RunComparisonObject['regressions'], max: number): string {
  if (list.data.length === 0) return '';
  const shown = list.data.slice(0, max);
  const lines = shown.map((i) => `  item ${i.datasource_item_id}  ${i.base_output_item_id} → ${i.head_output_item_id}  (${i.testing_criteria.join(', ')})`);
  const more = list.data.length > max || list.has_more ? `  … and more\n` : '';
  return `${title}:\n${lines.join('\n')}\n${more}`;
}

export const regressedSignificantly = (c: RunComparisonObject): boolean => c.criteria.some((k) => k.significant && k.regressions > k.fixes);
