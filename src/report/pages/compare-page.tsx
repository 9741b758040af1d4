import type { CriterionComparison, FlippedItem, RunComparisonObject } from '../../domain/run-comparison.ts';
import type { EvalObject, EvalRunObject, OutputItemObject } from '../../domain/wire-objects.ts';
import { criterionName } from '../criteria.ts';
import { count, percent, points, pValue, score, when } from '../format.ts';
import { Layout, StatusBadge, type PageContext } from '../layout.tsx';
import { ItemStatus, Verdict } from './run-page.tsx';
import { Messages } from './item-page.tsx';

/** The sentence a person acts on: "3 regressions, 1 fix, not significant (p = 0.63)". */
export function verdictText(c: CriterionComparison): string {
  const flips = `${count(c.regressions)} regression${c.regressions === 1 ? '' : 's'}, ${count(c.fixes)} fix${c.fixes === 1 ? '' : 'es'}`;
  if (c.paired === 0) return 'no items graded in both runs';
  if (c.regressions + c.fixes === 0) return `${flips}: no change`;
  const direction = c.fixes > c.regressions ? 'better' : c.fixes < c.regressions ? 'worse' : 'even';
  return c.significant ? `${flips}: significantly ${direction} (p = ${pValue(c.p_value)})` : `${flips}, not significant (p = ${pValue(c.p_value)})`;
}

function FlipList(props: { evalId: string; base: EvalRunObject; head: EvalRunObject; evaluation: EvalObject; list: { data: FlippedItem[]; has_more: boolean }; title: string; id: string; more: string }) {
  const { list } = props;
  return (
    <section id={props.id}>
      <h2>{props.title}</h2>
      {list.data.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <div class="scroll">
          <table data-flip-list={props.id}>
            <thead>
              <tr>
                <th class="num">Row</th>
                <th>Criteria</th>
                <th>Items</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((f) => (
                <tr data-row={f.datasource_item_id}>
                  <td class="num">
                    <a href={`/evals/${props.evalId}/compare/items?${new URLSearchParams({ base: props.base.id, head: props.head.id, base_item: f.base_output_item_id, head_item: f.head_output_item_id }).toString()}`}>{`#${f.datasource_item_id}`}</a>
                  </td>
                  <td>{f.testing_criteria.map((id) => criterionName(props.evaluation, id)).join(', ')}</td>
                  <td>
                    <a href={`/evals/${props.evalId}/runs/${props.base.id}/items/${f.base_output_item_id}`}>base</a> · <a href={`/evals/${props.evalId}/runs/${props.head.id}/items/${f.head_output_item_id}`}>head</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.has_more && list.data.length > 0 ? (
        <p class="pager">
          <a href={props.more}>More →</a>
        </p>
      ) : null}
    </section>
  );
}

/** `/evals/{eval_id}/compare?base=&head=`: what changed between two runs, and whether it is real. */
export function ComparePage(props: { ctx: PageContext; evaluation: EvalObject; base: EvalRunObject; head: EvalRunObject; comparison: RunComparisonObject; query: Record<string, string> }) {
  const { evaluation, base, head, comparison: cmp } = props;
  const href = (change: Record<string, string>) => `/evals/${evaluation.id}/compare?${new URLSearchParams({ ...props.query, ...change }).toString()}`;
  return (
    <Layout
      title={`Compare · ${evaluation.name || evaluation.id}`}
      ctx={props.ctx}
      crumbs={
        <>
          <a href="/">Evals</a> / <a href={`/evals/${evaluation.id}`}>{evaluation.name || evaluation.id}</a> / <span>compare</span>
        </>
      }
    >
      <h1>Compare runs</h1>
      <div class="side">
        {[
          ['Base', base],
          ['Head', head],
        ].map(([label, r]) => {
          const run = r as EvalRunObject;
          return (
            <div class="panel">
              <div class="muted">{label}</div>
              <a href={`/evals/${evaluation.id}/runs/${run.id}`}>{run.name}</a> <StatusBadge status={run.status} />
              <div class="muted mono">{`${run.id} · ${run.model || 'jsonl'} · ${when(run.created_at)} · ${count(run.result_counts.total)} items`}</div>
            </div>
          );
        })}
      </div>
      <p>
        <a href={`/evals/${evaluation.id}/compare?base=${head.id}&head=${base.id}`}>Swap base and head</a>
      </p>

      <h2>Per criterion</h2>
      {cmp.criteria.map((c) => (
        <p class="verdict-box" data-verdict={c.testing_criteria}>
          <strong>{c.name}</strong>: {verdictText(c)}
        </p>
      ))}
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Criterion</th>
              <th class="num">Paired items</th>
              <th class="num">Base pass rate</th>
              <th class="num">Head pass rate</th>
              <th class="num">Difference (paired 95 %)</th>
              <th class="num">Regressions</th>
              <th class="num">Fixes</th>
              <th class="num">McNemar exact p</th>
              <th class="num">Mean score (base → head, Δ)</th>
            </tr>
          </thead>
          <tbody>
            {cmp.criteria.map((c) => (
              <tr>
                <td>{c.name}</td>
                <td class="num">{count(c.paired)}</td>
                <td class="num">
                  {c.base.pass_rate === null ? '—' : percent(c.base.pass_rate)}
                  <div class="muted">{`${percent(c.base.interval.low)} – ${percent(c.base.interval.high)}`}</div>
                </td>
                <td class="num">
                  {c.head.pass_rate === null ? '—' : percent(c.head.pass_rate)}
                  <div class="muted">{`${percent(c.head.interval.low)} – ${percent(c.head.interval.high)}`}</div>
                </td>
                <td class="num">
                  {points(c.difference.estimate)}
                  <div class="muted">{`${points(c.difference.low)} to ${points(c.difference.high)}`}</div>
                </td>
                <td class="num fail">{count(c.regressions)}</td>
                <td class="num pass">{count(c.fixes)}</td>
                <td class="num">{pValue(c.p_value)}</td>
                <td class="num">{c.scores ? `${score(c.scores.base_mean)} → ${score(c.scores.head_mean)} (${c.scores.delta_mean >= 0 ? '+' : ''}${score(c.scores.delta_mean)})` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">Items are paired by datasource_item_id. The difference interval is Newcombe's for paired proportions; p is the exact two-sided McNemar test on the flips.</p>

      <FlipList
        id="regressions"
        title={`Regressions (pass → fail)`}
        evalId={evaluation.id}
        base={base}
        head={head}
        evaluation={evaluation}
        list={cmp.regressions}
        more={`${href({ regressions_after: String(cmp.regressions.data.at(-1)?.datasource_item_id ?? '') })}#regressions`}
      />
      <FlipList
        id="fixes"
        title={`Fixes (fail → pass)`}
        evalId={evaluation.id}
        base={base}
        head={head}
        evaluation={evaluation}
        list={cmp.fixes}
        more={`${href({ fixes_after: String(cmp.fixes.data.at(-1)?.datasource_item_id ?? '') })}#fixes`}
      />
    </Layout>
  );
}

/** Both runs' output items for one row, side by side. */
export function CompareItemsPage(props: { ctx: PageContext; evaluation: EvalObject; base: EvalRunObject; head: EvalRunObject; baseItem: OutputItemObject; headItem: OutputItemObject }) {
  const { evaluation, base, head } = props;
  const back = `/evals/${evaluation.id}/compare?base=${base.id}&head=${head.id}`;
  return (
    <Layout
      title={`Row ${props.baseItem.datasource_item_id} · compare`}
      ctx={props.ctx}
      crumbs={
        <>
          <a href="/">Evals</a> / <a href={`/evals/${evaluation.id}`}>{evaluation.name || evaluation.id}</a> / <a href={back}>compare</a> / <span>{`row ${props.baseItem.datasource_item_id}`}</span>
        </>
      }
    >
      <h1>{`Row ${props.baseItem.datasource_item_id}`}</h1>
      <h2>Item</h2>
      <pre>{JSON.stringify(props.baseItem.datasource_item, null, 2)}</pre>
      <div class="side">
        {[
          ['Base', base, props.baseItem],
          ['Head', head, props.headItem],
        ].map(([label, r, i]) => {
          const run = r as EvalRunObject;
          const item = i as OutputItemObject;
          return (
            <div>
              <h2>
                {`${label as string}: `}
                <a href={`/evals/${evaluation.id}/runs/${run.id}/items/${item.id}`}>{run.name}</a> <ItemStatus item={item} />
              </h2>
              <table>
                <tbody>
                  {item.results.map((res) => (
                    <tr>
                      <td>{criterionName(evaluation, res.name)}</td>
                      <td>
                        <Verdict r={res} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>Output</h3>
              <Messages messages={item.sample?.output} empty="No output." />
              <details>
                <summary>Input</summary>
                <Messages messages={item.sample?.input} empty="No input messages." />
              </details>
            </div>
          );
        })}
      </div>
      <p>
        <a href={back}>← Back to the comparison</a>
      </p>
    </Layout>
  );
}
