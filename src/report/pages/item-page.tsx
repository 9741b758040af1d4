import type { EvalObject, EvalRunObject, GraderResult, OutputItemObject } from '../../domain/wire-objects.ts';
import { criterionName } from '../criteria.ts';
import { contentText, count, prettyJson, score } from '../format.ts';
import { Layout, type PageContext } from '../layout.tsx';
import { ItemStatus } from './run-page.tsx';

interface Message {
  role?: unknown;
  content?: unknown;
  tool_calls?: Array<{ id?: string; type?: string; function?: { name?: string; arguments?: string } }>;
}

/** Text as JSON when it is JSON (pretty-printed), else as written. */
function Text(props: { text: string }) {
  const pretty = prettyJson(props.text);
  return <pre>{pretty ?? props.text}</pre>;
}

export function Messages(props: { messages: unknown; empty: string }) {
  const list = Array.isArray(props.messages) ? (props.messages as Message[]) : [];
  if (list.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <>
      {list.map((m) => (
        <div class="msg">
          <div class="role">{typeof m.role === 'string' ? m.role : 'message'}</div>
          {contentText(m.content) !== '' ? <Text text={contentText(m.content)} /> : null}
          {(m.tool_calls ?? []).map((t) => (
            <div>
              <div class="mono">{`tool call ${t.function?.name ?? t.type ?? ''}${t.id ? ` (${t.id})` : ''}`}</div>
              <Text text={t.function?.arguments ?? ''} />
            </div>
          ))}
        </div>
      ))}
    </>
  );
}

/** The judge's structured answer (`{steps, result}`) when the grader is a model grader. */
function JudgeReasoning(props: { r: GraderResult }) {
  const sample = props.r.sample as { output?: Message[] } | null;
  const text = sample?.output?.map((m) => contentText(m.content)).join('\n') ?? '';
  let parsed: { steps?: Array<{ description?: string; conclusion?: string }>; result?: unknown } | null = null;
  try {
    parsed = text.trim().startsWith('{') ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || !Array.isArray(parsed.steps)) return null;
  return (
    <div>
      <h4>Judge's reasoning</h4>
      <ol>
        {parsed.steps.map((s) => (
          <li>
            {s.description ?? ''}
            {s.conclusion ? <div class="muted">{`→ ${s.conclusion}`}</div> : null}
          </li>
        ))}
      </ol>
      <p>{`Result: ${JSON.stringify(parsed.result)}`}</p>
    </div>
  );
}

/** An output item: its input, output, every grader's verdict and the raw object. */
export function ItemPage(props: { ctx: PageContext; evaluation: EvalObject; run: EvalRunObject; item: OutputItemObject }) {
  const { evaluation, run, item } = props;
  const base = `/evals/${evaluation.id}/runs/${run.id}`;
  const s = item.sample;
  return (
    <Layout
      title={`Row ${item.datasource_item_id} · ${run.name}`}
      ctx={props.ctx}
      crumbs={
        <>
          <a href="/">Evals</a> / <a href={`/evals/${evaluation.id}`}>{evaluation.name || evaluation.id}</a> / <a href={base}>{run.name}</a> / <span>{`row ${item.datasource_item_id}`}</span>
        </>
      }
    >
      <div class="row-flex">
        <h1>{`Row ${item.datasource_item_id}`}</h1>
        <ItemStatus item={item} />
      </div>
      <p class="muted mono">{item.id}</p>
      {s?.error ? <p class="error-text">{`Sampling error ${s.error.code}: ${s.error.message}`}</p> : null}

      <h2>Graders</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Criterion</th>
              <th>Type</th>
              <th class="num">Score</th>
              <th>Passed</th>
              <th>Flags</th>
            </tr>
          </thead>
          <tbody>
            {item.results.map((r) => {
              const error = r['error'] as { code?: string; message?: string } | undefined | null;
              return (
                <tr>
                  <td>{criterionName(evaluation, r.name)}</td>
                  <td class="mono">{r.type}</td>
                  <td class="num">{score(r.score)}</td>
                  <td>
                    <span class={`verdict ${r.passed ? 'pass' : 'fail'}`}>{r.passed ? '✓ passed' : '✗ failed'}</span>
                  </td>
                  <td>
                    {r['invalid_variable_error'] ? <div class="errored">invalid_variable_error</div> : null}
                    {error ? <div class="errored">{`${error.code ?? 'error'}: ${error.message ?? ''}`}</div> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {item.results
        .filter((r) => r.sample !== null && r.sample !== undefined)
        .map((r) => (
          <details class="panel">
            <summary>{`Judge sample of ${criterionName(evaluation, r.name)}`}</summary>
            <JudgeReasoning r={r} />
            <h4>Judge input</h4>
            <Messages messages={(r.sample as { input?: unknown }).input} empty="(none)" />
            <h4>Judge output</h4>
            <Messages messages={(r.sample as { output?: unknown }).output} empty="(none)" />
          </details>
        ))}

      <div class="side">
        <div>
          <h2>Input</h2>
          <Messages messages={s?.input} empty="No input messages (the row's sample was given)." />
          <h3>Item</h3>
          <pre>{JSON.stringify(item.datasource_item, null, 2)}</pre>
        </div>
        <div>
          <h2>Output</h2>
          <Messages messages={s?.output} empty="No output." />
          <p class="muted">{`model ${s?.model || '—'} · finish ${s?.finish_reason || '—'} · tokens ${count(s?.usage?.prompt_tokens ?? 0)} prompt + ${count(s?.usage?.completion_tokens ?? 0)} completion = ${count(s?.usage?.total_tokens ?? 0)} (${count(s?.usage?.cached_tokens ?? 0)} cached)`}</p>
        </div>
      </div>

      <details>
        <summary>Raw output item (as the API returns it)</summary>
        <pre>{JSON.stringify(item, null, 2)}</pre>
      </details>
      <p>
        <a href={`${base}#items`}>← Back to the run</a>
      </p>
    </Layout>
  );
}
