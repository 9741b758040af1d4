import type { TestingCriterion } from '../../domain/grader-config.ts';
import type { EvalObject, EvalRunObject } from '../../domain/wire-objects.ts';
import { PassRateChart, type RateSeries } from '../charts.tsx';
import { criterionRates } from '../criteria.ts';
import { count, percent, when } from '../format.ts';
import { Layout, StatusBadge, type PageContext } from '../layout.tsx';

/** What a criterion checks, in one line: its templates and its threshold. */
function criterionSummary(c: TestingCriterion): string {
  const o = c as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof o['input'] === 'string') parts.push(`input ${o['input']}`);
  if (typeof o['operation'] === 'string') parts.push(String(o['operation']));
  if (typeof o['reference'] === 'string') parts.push(`reference ${o['reference']}`);
  if (typeof o['evaluation_metric'] === 'string') parts.push(`metric ${o['evaluation_metric']}`);
  if (typeof o['model'] === 'string') parts.push(`judge ${o['model']}`);
  if (Array.isArray(o['passing_labels'])) parts.push(`passing labels ${(o['passing_labels'] as unknown[]).join(', ')}`);
  if (typeof o['pass_threshold'] === 'number') parts.push(`pass ≥ ${o['pass_threshold']}`);
  if (Array.isArray(o['range'])) parts.push(`range [${(o['range'] as unknown[]).join(', ')}]`);
  if (typeof o['calculate_output'] === 'string') parts.push(`output = ${o['calculate_output']}`);
  return parts.join(' · ');
}

/** `/evals/{eval_id}`: the eval's criteria, its runs (table and chart), and a compare picker. */
export function EvalPage(props: { ctx: PageContext; evaluation: EvalObject; runs: EvalRunObject[]; hasMore: boolean; after: string | null }) {
  const { evaluation, runs } = props;
  const chronological = [...runs].reverse();
  const series: RateSeries[] = evaluation.testing_criteria.map((c) => {
    const id = (c as { id?: string }).id ?? c.name;
    return {
      name: c.name,
      points: chronological.map((r) => {
        const row = r.per_testing_criteria_results?.find((x) => x.testing_criteria === id);
        const n = row ? row.passed + row.failed : 0;
        return { rate: row && n > 0 ? row.passed / n : null, label: r.name, at: r.created_at };
      }),
    };
  });
  return (
    <Layout
      title={evaluation.name || evaluation.id}
      ctx={props.ctx}
      crumbs={
        <>
          <a href="/">Evals</a> / <span>{evaluation.name || evaluation.id}</span>
        </>
      }
    >
      <h1>{evaluation.name || evaluation.id}</h1>
      <p class="muted mono">{`${evaluation.id} · created ${when(evaluation.created_at)}`}</p>
      {evaluation.metadata && Object.keys(evaluation.metadata).length > 0 ? <p class="muted">{Object.entries(evaluation.metadata).map(([k, v]) => `${k}=${v}`).join(' · ')}</p> : null}

      <h2>Criteria</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>What it checks</th>
            </tr>
          </thead>
          <tbody>
            {evaluation.testing_criteria.map((c) => (
              <tr>
                <td>{c.name}</td>
                <td class="mono">{c.type}</td>
                <td>
                  <div class="mono">{criterionSummary(c)}</div>
                  <details>
                    <summary>Full definition</summary>
                    <pre>{JSON.stringify(c, null, 2)}</pre>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>{`Data source: ${evaluation.data_source_config.type} — generated schema`}</summary>
        <pre>{JSON.stringify(evaluation.data_source_config, null, 2)}</pre>
      </details>

      <h2>Runs</h2>
      {runs.length === 0 ? (
        <p class="muted">No runs yet.</p>
      ) : (
        <>
          {runs.length > 1 ? <PassRateChart series={series} /> : null}
          <form class="filters" method="get" action={`/evals/${evaluation.id}/compare`}>
            <label>
              Base run
              <select name="base">
                {runs.map((r, i) => (
                  <option value={r.id} selected={i === 1}>{`${r.name} · ${when(r.created_at)}`}</option>
                ))}
              </select>
            </label>
            <label>
              Head run
              <select name="head">
                {runs.map((r, i) => (
                  <option value={r.id} selected={i === 0}>{`${r.name} · ${when(r.created_at)}`}</option>
                ))}
              </select>
            </label>
            <button type="submit">Compare</button>
          </form>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Model</th>
                  <th>Status</th>
                  <th class="num">Items</th>
                  <th class="num">Passed</th>
                  <th class="num">Failed</th>
                  <th class="num">Errored</th>
                  <th>Pass rate per criterion</th>
                  <th class="num hide-sm">Tokens</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr>
                    <td>
                      <a href={`/evals/${evaluation.id}/runs/${r.id}`}>{r.name}</a>
                      <div class="muted mono">{r.id}</div>
                    </td>
                    <td class="mono">{r.model || '—'}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td class="num">{count(r.result_counts.total)}</td>
                    <td class="num pass">{count(r.result_counts.passed)}</td>
                    <td class="num fail">{count(r.result_counts.failed)}</td>
                    <td class="num errored">{count(r.result_counts.errored)}</td>
                    <td>
                      {criterionRates(evaluation, r).map((c) => (
                        <div>
                          <span class="mono">{percent(c.rate)}</span> <span class="muted">{c.name}</span>
                        </div>
                      ))}
                    </td>
                    <td class="num hide-sm">{count((r.per_model_usage ?? []).reduce((s, u) => s + u.total_tokens, 0))}</td>
                    <td>{when(r.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {props.hasMore && runs.length > 0 ? (
            <p class="pager">
              <a href={`/evals/${evaluation.id}?after=${runs.at(-1)!.id}`}>Older runs →</a>
            </p>
          ) : null}
        </>
      )}
    </Layout>
  );
}
