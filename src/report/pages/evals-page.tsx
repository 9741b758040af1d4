import type { EvalSummary } from '../../services/report-service.ts';
import { criterionRates } from '../criteria.ts';
import { count, percent, when } from '../format.ts';
import { Layout, StatusBadge, type PageContext } from '../layout.tsx';

/** `/`: every eval of the project, newest first, with its latest run's pass rates. */
export function EvalsPage(props: { ctx: PageContext; evals: EvalSummary[]; search: string; nextSeq: number | null }) {
  const { evals, search } = props;
  return (
    <Layout title="Evals" ctx={props.ctx} crumbs={<span>Evals</span>}>
      <h1>Evals</h1>
      <form class="filters" method="get" action="/" role="search">
        <label>
          Search name or metadata
          <input type="search" name="q" value={search} placeholder="e.g. capitals or team=search" />
        </label>
        <button type="submit">Search</button>
        {search !== '' ? <a href="/">Clear</a> : null}
      </form>
      {evals.length === 0 ? (
        <p class="muted">{search !== '' ? 'No eval matches.' : 'No evals yet. Create one with the API (client.evals.create) and it shows up here.'}</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Eval</th>
                <th class="num">Runs</th>
                <th>Latest run</th>
                <th>Pass rate per criterion (latest run)</th>
                <th>Last activity</th>
              </tr>
            </thead>
            <tbody>
              {evals.map((s) => (
                <tr>
                  <td>
                    <a href={`/evals/${s.eval.id}`}>{s.eval.name || s.eval.id}</a>
                    <div class="muted mono">{s.eval.id}</div>
                    {s.eval.metadata && Object.keys(s.eval.metadata).length > 0 ? (
                      <div class="muted">{Object.entries(s.eval.metadata).map(([k, v]) => `${k}=${v}`).join(' · ')}</div>
                    ) : null}
                  </td>
                  <td class="num">{count(s.run_count)}</td>
                  <td>
                    {s.latest_run ? (
                      <>
                        <a href={`/evals/${s.eval.id}/runs/${s.latest_run.id}`}>{s.latest_run.name}</a> <StatusBadge status={s.latest_run.status} />
                        <div class="muted">{`${count(s.latest_run.result_counts.total)} items`}</div>
                      </>
                    ) : (
                      <span class="muted">no runs</span>
                    )}
                  </td>
                  <td>
                    {s.latest_run
                      ? criterionRates(s.eval, s.latest_run).map((r) => (
                          <div>
                            <span class="mono">{percent(r.rate)}</span> <span class="muted">{r.name}</span>
                          </div>
                        ))
                      : null}
                  </td>
                  <td>{when(s.last_activity)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.nextSeq !== null ? (
        <p class="pager">
          <a href={`/?${new URLSearchParams({ ...(search !== '' ? { q: search } : {}), before: String(props.nextSeq) }).toString()}`}>Older evals →</a>
        </p>
      ) : null}
    </Layout>
  );
}
