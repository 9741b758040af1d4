import type { TestingCriterion } from '../../domain/grader-config.ts';
import type { EvalObject, GraderResult, OutputItemObject } from '../../domain/wire-objects.ts';
import type { ItemListing, RunProgress } from '../../services/report-service.ts';
import { wilsonInterval } from '../../stats/wilson-interval.ts';
import { HistogramChart } from '../charts.tsx';
import { criterionRates, SCORED_TYPES, scoreRange } from '../criteria.ts';
import { count, cut, jsonLine, outputText, percent, score, when } from '../format.ts';
import { histogram } from '../histogram.ts';
import { encodeCursor, itemsHref, type ItemParams } from '../items-query.ts';
import { Layout, StatusBadge, type PageContext } from '../layout.tsx';

export interface RunPageData {
  evaluation: EvalObject;
  progress: RunProgress;
  bins: Array<{ position: number; value: number; count: number }>;
  errors: Array<{ code: string; count: number }>;
  items: ItemListing;
  params: ItemParams;
}

const LIVE = new Set(['queued', 'in_progress']);

/** A data source as shown: inline rows are counted, not printed (they may be megabytes). */
function shownDataSource(ds: unknown): unknown {
  if (ds === null || typeof ds !== 'object') return ds;
  const copy = { ...(ds as Record<string, unknown>) };
  const source = copy['source'] as Record<string, unknown> | undefined;
  if (source && Array.isArray(source['content'])) copy['source'] = { ...source, content: `[${count(source['content'].length)} inline rows]` };
  return copy;
}

export function Verdict(props: { r: GraderResult | undefined }) {
  const r = props.r;
  if (r === undefined) return <span class="muted">—</span>;
  const errored = r['error'] !== undefined && r['error'] !== null;
  if (errored) return <span class="verdict errored" title={`error: ${(r['error'] as { code?: string }).code ?? ''}`}>! error</span>;
  return (
    <span class={`verdict ${r.passed ? 'pass' : 'fail'}`}>
      {r.passed ? '✓' : '✗'} <span class="mono">{score(r.score)}</span>
    </span>
  );
}

export function ItemStatus(props: { item: OutputItemObject }) {
  const errored = props.item.sample?.error !== null && props.item.sample?.error !== undefined || props.item.results.some((r) => r['error'] !== undefined && r['error'] !== null);
  if (errored) return <span class="badge errored">errored</span>;
  return <span class={`badge ${props.item.status}`}>{props.item.status}</span>;
}

/** `/evals/{eval_id}/runs/{run_id}` — the run's `report_url`. */
export function RunPage(props: { ctx: PageContext; data: RunPageData }) {
  const { evaluation, progress, bins, errors, items, params } = props.data;
  const run = progress.run;
  const base = `/evals/${evaluation.id}/runs/${run.id}`;
  const live = LIVE.has(run.status);
  const criteria = evaluation.testing_criteria as Array<TestingCriterion & { id: string }>;
  const rates = criterionRates(evaluation, run);
  const ds = run.data_source as Record<string, unknown>;
  const sampling = ds['sampling_params'];
  const rc = run.result_counts;
  return (
    <Layout
      title={`${run.name} · ${evaluation.name || evaluation.id}`}
      ctx={props.ctx}
      crumbs={
        <>
          <a href="/">Evals</a> / <a href={`/evals/${evaluation.id}`}>{evaluation.name || evaluation.id}</a> / <span>{run.name}</span>
        </>
      }
    >
      <div class="row-flex">
        <h1>{run.name}</h1>
        <StatusBadge status={run.status} />
      </div>
      <p class="muted mono">{`${run.id} · ${run.model ? `model ${run.model} · ` : ''}created ${when(run.created_at)}`}</p>
      {run.error ? <p class="error-text">{`Run failed: ${run.error.code}: ${run.error.message}`}</p> : null}

      {live ? (
        <div class="row-flex panel" data-live-url={`${base}/progress`} aria-live="polite">
          <progress data-progress max={progress.row_count ?? 1} value={progress.row_count ? rc.total : 0}></progress>
          <span>
            <span data-count="total">{count(rc.total)}</span> of <span data-row-count>{progress.row_count === null ? '…' : count(progress.row_count)}</span> rows graded
          </span>
          <form method="post" action={`${base}/cancel`} data-confirm="Cancel this run?">
            <input type="hidden" name="csrf" value={props.ctx.csrf} />
            <button type="submit" class="danger">
              Cancel run
            </button>
          </form>
        </div>
      ) : null}

      <div class="cards">
        <div class="card">
          <div class="v" data-count="total">{count(rc.total)}</div>
          <div class="k">items</div>
        </div>
        <div class="card">
          <div class="v pass" data-count="passed">{count(rc.passed)}</div>
          <div class="k">passed</div>
        </div>
        <div class="card">
          <div class="v fail" data-count="failed">{count(rc.failed)}</div>
          <div class="k">failed</div>
        </div>
        <div class="card">
          <div class="v errored" data-count="errored">{count(rc.errored)}</div>
          <div class="k">errored</div>
        </div>
      </div>

      <h2>Pass rate per criterion</h2>
      {rates.length === 0 ? (
        <p class="muted">No graded items yet.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Criterion</th>
                <th>Type</th>
                <th class="num">Passed / graded</th>
                <th class="num">Pass rate</th>
                <th class="num">95 % interval (Wilson)</th>
              </tr>
            </thead>
            <tbody>
              {rates.map((r) => {
                const ci = wilsonInterval(r.passed, r.total);
                const type = criteria.find((c) => c.id === r.id)?.type ?? '';
                return (
                  <tr>
                    <td>
                      <a href={itemsHref(base, { ...params, after: '' }, { crit: r.id, verdict: 'failed', status: '' })}>{r.name}</a>
                    </td>
                    <td class="mono">{type}</td>
                    <td class="num" data-criterion-live={r.id}>{`${count(r.passed)} / ${count(r.total)}`}</td>
                    <td class="num">{percent(r.rate)}</td>
                    <td class="num">{r.total === 0 ? '—' : `${percent(ci.low)} – ${percent(ci.high)}`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {criteria.some((c) => SCORED_TYPES.has(c.type)) ? (
        <>
          <h2>Score distributions</h2>
          <div class="grid">
            {criteria.map((c, position) => {
              if (!SCORED_TYPES.has(c.type)) return null;
              const h = histogram(
                bins.filter((b) => b.position === position),
                scoreRange(c),
              );
              return (
                <div class="panel">
                  <h3>{`${c.name} `}<span class="muted mono">{c.type}</span></h3>
                  {h ? <HistogramChart h={h} label={c.name} /> : <p class="muted">No scores yet.</p>}
                </div>
              );
            })}
          </div>
        </>
      ) : null}

      <div class="grid">
        <div>
          <h2>Usage per model</h2>
          {run.per_model_usage === null ? (
            <p class="muted">No model calls.</p>
          ) : (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th>Model</th>
                    <th class="num">Calls</th>
                    <th class="num">Prompt</th>
                    <th class="num">Completion</th>
                    <th class="num">Cached</th>
                    <th class="num">Total tokens</th>
                  </tr>
                </thead>
                <tbody>
                  {run.per_model_usage.map((u) => (
                    <tr>
                      <td class="mono">{u.model_name}</td>
                      <td class="num">{count(u.invocation_count)}</td>
                      <td class="num">{count(u.prompt_tokens)}</td>
                      <td class="num">{count(u.completion_tokens)}</td>
                      <td class="num">{count(u.cached_tokens)}</td>
                      <td class="num">{count(u.total_tokens)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <div>
          <h2>Errors by code</h2>
          {errors.length === 0 ? (
            <p class="muted">No errored items.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Code</th>
                  <th class="num">Items</th>
                </tr>
              </thead>
              <tbody>
                {errors.map((e) => (
                  <tr>
                    <td class="mono">{e.code}</td>
                    <td class="num">{count(e.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {errors.length > 0 ? <a href={itemsHref(base, { status: 'errored', crit: '', verdict: '', sort: 'row', q: '', after: '' })}>Show errored items</a> : null}
        </div>
      </div>

      <h2>Run details</h2>
      <div class="grid">
        <div>
          <h3>Data source</h3>
          <pre>{JSON.stringify(shownDataSource({ ...ds, sampling_params: undefined }), null, 2)}</pre>
        </div>
        <div>
          <h3>Sampling parameters</h3>
          <pre>{sampling === undefined ? '(none)' : JSON.stringify(sampling, null, 2)}</pre>
          <h3>Metadata</h3>
          <pre>{JSON.stringify(run.metadata ?? {}, null, 2)}</pre>
        </div>
      </div>

      <ItemsTable base={base} criteria={criteria} items={items} params={params} />
    </Layout>
  );
}

function ItemsTable(props: { base: string; criteria: Array<TestingCriterion & { id: string }>; items: ItemListing; params: ItemParams }) {
  const { base, criteria, items, params } = props;
  const sorting = params.sort !== 'row' && params.q === '';
  return (
    <section id="items" aria-labelledby="items-h">
      <h2 id="items-h">Items</h2>
      <form class="filters" method="get" action={`${base}#items`}>
        <label>
          Status
          <select name="status">
            <option value="" selected={params.status === ''}>any</option>
            <option value="pass" selected={params.status === 'pass'}>passed</option>
            <option value="fail" selected={params.status === 'fail'}>failed</option>
            <option value="errored" selected={params.status === 'errored'}>errored</option>
          </select>
        </label>
        <label>
          Criterion
          <select name="crit">
            <option value="" selected={params.crit === ''}>
              (first)
            </option>
            {criteria.map((c) => (
              <option value={c.id} selected={params.crit === c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Criterion verdict
          <select name="verdict">
            <option value="" selected={params.verdict === ''}>any</option>
            <option value="passed" selected={params.verdict === 'passed'}>passed</option>
            <option value="failed" selected={params.verdict === 'failed'}>failed</option>
          </select>
        </label>
        <label>
          Sort
          <select name="sort">
            <option value="row" selected={params.sort === 'row'}>row order</option>
            <option value="score_asc" selected={params.sort === 'score_asc'}>criterion score, low first</option>
            <option value="score_desc" selected={params.sort === 'score_desc'}>criterion score, high first</option>
          </select>
        </label>
        <label>
          Search item, input and output
          <input type="search" name="q" value={params.q} />
        </label>
        <button type="submit">Apply</button>
        <a href={`${base}#items`}>Reset</a>
      </form>
      {params.q !== '' && params.sort !== 'row' ? <p class="muted">A search lists matches in row order.</p> : null}
      {sorting ? <p class="muted">Items without a score for that criterion (grader errors) are left out of score order.</p> : null}
      {items.data.length === 0 ? (
        <p class="muted">{items.scanned_through !== null ? `No match up to row ${count(items.scanned_through)}.` : 'No items match.'}</p>
      ) : (
        <div class="scroll">
          <table data-items-table>
            <thead>
              <tr>
                <th class="num">Row</th>
                <th>Status</th>
                <th>Item</th>
                <th>Output</th>
                {criteria.map((c) => (
                  <th>{c.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {items.data.map((it) => (
                <tr data-item-id={it.id}>
                  <td class="num">
                    <a href={`${base}/items/${it.id}`}>{`#${it.datasource_item_id}`}</a>
                  </td>
                  <td>
                    <ItemStatus item={it} />
                  </td>
                  <td>
                    <div class="cell-json mono">{jsonLine(it.datasource_item, 240)}</div>
                  </td>
                  <td>
                    <div class="cell-json">{cut(outputText(it.sample?.output), 240) || <span class="muted">(none)</span>}</div>
                  </td>
                  {criteria.map((_, i) => (
                    <td>
                      <Verdict r={it.results[i]} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="pager">
        {params.after !== '' ? <a href={itemsHref(base, params, { after: '' })}>« First page</a> : null}
        {items.next !== null ? (
          <a href={itemsHref(base, params, { after: encodeCursor(items.next) })} rel="next">
            {items.scanned_through !== null ? `Search on after row ${count(items.scanned_through)} →` : 'Next page →'}
          </a>
        ) : null}
      </p>
    </section>
  );
}
