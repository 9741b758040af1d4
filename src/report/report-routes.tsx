import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { ApiKeyTable } from '../domain/api-key-table.ts';
import { ApiError, badRequest, notFound } from '../domain/api-error.ts';
import { compareRunsQuerySchema } from '../domain/run-comparison.ts';
import type { Logger } from '../logger.ts';
import type { EvalService } from '../services/eval-service.ts';
import type { OutputItemService } from '../services/output-item-service.ts';
import type { ReportService } from '../services/report-service.ts';
import type { RunComparisonService } from '../services/run-comparison-service.ts';
import type { RunService } from '../services/run-service.ts';
import { ASSETS } from './assets.ts';
import { parseItemParams, toItemQuery } from './items-query.ts';
import { MessagePage, type PageContext } from './layout.tsx';
import { CompareItemsPage, ComparePage } from './pages/compare-page.tsx';
import { EvalPage } from './pages/eval-page.tsx';
import { EvalsPage } from './pages/evals-page.tsx';
import { ItemPage } from './pages/item-page.tsx';
import { RunPage } from './pages/run-page.tsx';
import { SignInPage } from './pages/signin-page.tsx';
import { newCsrfToken, ReportSessions, safeEqual } from './session.ts';

export interface ReportServices {
  evals: EvalService;
  runs: RunService;
  outputItems: OutputItemService;
  runComparisons: RunComparisonService;
  report: ReportService;
}

interface ReportEnv {
  Variables: { project: string; page: PageContext };
}

const SESSION_COOKIE = 'proctor_session';
const CSRF_COOKIE = 'proctor_csrf';
/** The paths the report owns (the API lives under /v1 and /openai). */
const PAGE_PATHS = ['/', '/signin', '/signout', '/evals/*'];
const ID = /^[A-Za-z0-9_-]{1,128}$/;

const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The web report: server-rendered pages under `/` on the API's own port, reading through the
 * same services as the API. With API keys configured a page needs a session (sign in with a key;
 * a signed HttpOnly SameSite=Strict cookie scoped to its project); without keys (loopback only)
 * pages are open. Every POST carries the double-submit CSRF token.
 */
export function reportRoutes(s: ReportServices, o: { apiKeys: ApiKeyTable; logger: Logger }): Hono<ReportEnv> {
  const sessions = new ReportSessions(o.apiKeys);
  const app = new Hono<ReportEnv>();

  for (const asset of [ASSETS.css, ASSETS.js]) {
    app.get(asset.path, (c) => c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }));
  }

  const base: MiddlewareHandler<ReportEnv> = async (c, next) => {
    const started = performance.now();
    let csrf = getCookie(c, CSRF_COOKIE);
    if (csrf === undefined || !/^[A-Za-z0-9_-]{20,64}$/.test(csrf)) {
      csrf = newCsrfToken();
      setCookie(c, CSRF_COOKIE, csrf, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
    }
    c.set('page', { project: null, csrf });
    await next();
    c.res.headers.set('content-security-policy', CSP);
    c.res.headers.set('x-content-type-options', 'nosniff');
    c.res.headers.set('referrer-policy', 'same-origin');
    c.res.headers.set('x-frame-options', 'DENY');
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
    c.res.headers.set('server-timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
  };
  for (const path of PAGE_PATHS) app.use(path, base);

  app.get('/signin', (c) => {
    if (!sessions.required) return c.redirect('/', 303);
    return page(c, <SignInPage ctx={c.var.page} next={safeNext(c.req.query('next'))} error={null} />);
  });
  app.post('/signin', async (c) => {
    const form = await formOf(c);
    if (!sessions.required) return c.redirect('/', 303);
    const next = safeNext(form['next']);
    const session = sessions.signIn(form['key'] ?? '');
    if (session === null) return page(c, <SignInPage ctx={c.var.page} next={next} error="That API key is not valid." />, 401);
    setCookie(c, SESSION_COOKIE, session.value, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c), maxAge: session.maxAge });
    return c.redirect(next, 303);
  });
  app.post('/signout', async (c) => {
    await formOf(c);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    return c.redirect(sessions.required ? '/signin' : '/', 303);
  });

  const signedIn: MiddlewareHandler<ReportEnv> = async (c, next) => {
    if (!sessions.required) {
      c.set('project', 'default');
      return next();
    }
    const project = sessions.verify(getCookie(c, SESSION_COOKIE));
    if (project === null) {
      if (c.req.method === 'GET' && !c.req.path.endsWith('/progress')) {
        const url = new URL(c.req.url);
        return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return c.json({ error: { message: 'Sign in first.', type: 'invalid_request_error', param: null, code: 'not_signed_in' } }, 401);
    }
    c.set('project', project);
    c.set('page', { ...c.var.page, project });
    return next();
  };
  app.use('/', signedIn);
  app.use('/evals/*', signedIn);

  app.get('/', async (c) => {
    const search = (c.req.query('q') ?? '').trim().slice(0, 200);
    const before = c.req.query('before');
    const summaries = await s.report.evalSummaries(c.var.project, { ...(search !== '' ? { search } : {}), ...(before && /^\d{1,15}$/.test(before) ? { beforeSeq: Number(before) } : {}), limit: 50 });
    return page(c, <EvalsPage ctx={c.var.page} evals={summaries.data} search={search} nextSeq={summaries.next_seq} />);
  });

  app.get('/evals/:evalId', async (c) => {
    const evalId = idParam(c.req.param('evalId'), 'eval_id');
    const after = c.req.query('after');
    const evaluation = await s.evals.get(c.var.project, evalId);
    const runs = await s.runs.list(c.var.project, evalId, { limit: 100, order: 'desc', ...(after && ID.test(after) ? { after } : {}) });
    return page(c, <EvalPage ctx={c.var.page} evaluation={evaluation} runs={runs.data} hasMore={runs.has_more} after={after ?? null} />);
  });

  app.get('/evals/:evalId/runs/:runId', async (c) => {
    const evalId = idParam(c.req.param('evalId'), 'eval_id');
    const runId = idParam(c.req.param('runId'), 'run_id');
    const project = c.var.project;
    const progress = await s.report.progress(project, evalId, runId);
    const evaluation = await s.evals.get(project, evalId);
    const params = parseItemParams((name) => c.req.query(name));
    const criterionIds = evaluation.testing_criteria.map((x) => (x as { id?: string }).id ?? x.name);
    const [bins, errors, items] = await Promise.all([
      s.report.scoreBins(project, evalId, runId),
      s.report.errorCodes(project, evalId, runId),
      s.report.items(project, evalId, runId, toItemQuery(params, criterionIds)),
    ]);
    return page(c, <RunPage ctx={c.var.page} data={{ evaluation, progress, bins, errors, items, params }} />);
  });

  app.get('/evals/:evalId/runs/:runId/progress', async (c) => {
    const progress = await s.report.progress(c.var.project, idParam(c.req.param('evalId'), 'eval_id'), idParam(c.req.param('runId'), 'run_id'));
    return c.json(progress);
  });

  app.post('/evals/:evalId/runs/:runId/cancel', async (c) => {
    await formOf(c);
    const evalId = idParam(c.req.param('evalId'), 'eval_id');
    const runId = idParam(c.req.param('runId'), 'run_id');
    await s.runs.cancel(c.var.project, evalId, runId);
    return c.redirect(`/evals/${evalId}/runs/${runId}`, 303);
  });

  app.get('/evals/:evalId/runs/:runId/items/:itemId', async (c) => {
    const evalId = idParam(c.req.param('evalId'), 'eval_id');
    const runId = idParam(c.req.param('runId'), 'run_id');
    const itemId = idParam(c.req.param('itemId'), 'output_item_id');
    const project = c.var.project;
    const [evaluation, run, item] = await Promise.all([s.evals.get(project, evalId), s.runs.get(project, evalId, runId), s.outputItems.get(project, evalId, runId, itemId)]);
    return page(c, <ItemPage ctx={c.var.page} evaluation={evaluation} run={run} item={item} />);
  });

  app.get('/evals/:evalId/compare', async (c) => {
    const evalId = idParam(c.req.param('evalId'), 'eval_id');
    const parsed = compareRunsQuerySchema.safeParse({ ...c.req.query(), limit: '100' });
    if (!parsed.success) throw badRequest('Pick two runs of this eval to compare (base and head).');
    const project = c.var.project;
    const comparison = await s.runComparisons.compare(project, evalId, parsed.data);
    const [evaluation, baseRun, headRun] = await Promise.all([s.evals.get(project, evalId), s.runs.get(project, evalId, parsed.data.base), s.runs.get(project, evalId, parsed.data.head)]);
    const query: Record<string, string> = { base: parsed.data.base, head: parsed.data.head };
    if (parsed.data.regressions_after !== undefined) query['regressions_after'] = String(parsed.data.regressions_after);
    if (parsed.data.fixes_after !== undefined) query['fixes_after'] = String(parsed.data.fixes_after);
    return page(c, <ComparePage ctx={c.var.page} evaluation={evaluation} base={baseRun} head={headRun} comparison={comparison} query={query} />);
  });

  app.get('/evals/:evalId/compare/items', async (c) => {
    const evalId = idParam(c.req.param('evalId'), 'eval_id');
    const [baseId, headId, baseItemId, headItemId] = ['base', 'head', 'base_item', 'head_item'].map((k) => idParam(c.req.query(k), k)) as [string, string, string, string];
    const project = c.var.project;
    const [evaluation, base, head, baseItem, headItem] = await Promise.all([
      s.evals.get(project, evalId),
      s.runs.get(project, evalId, baseId),
      s.runs.get(project, evalId, headId),
      s.outputItems.get(project, evalId, baseId, baseItemId),
      s.outputItems.get(project, evalId, headId, headItemId),
    ]);
    return page(c, <CompareItemsPage ctx={c.var.page} evaluation={evaluation} base={base} head={head} baseItem={baseItem} headItem={headItem} />);
  });

  app.onError((err, c) => {
    const ctx = c.var.page ?? { project: null, csrf: '' };
    if (err instanceof ApiError && err.kind === 'not_found') return page(c, <MessagePage ctx={ctx} title="Not found" message={err.message} />, 404);
    if (err instanceof ApiError && err.kind === 'invalid_request') return page(c, <MessagePage ctx={ctx} title="Bad request" message={err.message} />, 400);
    if (err instanceof ApiError && err.kind === 'permission') return page(c, <MessagePage ctx={ctx} title="Forbidden" message={err.message} />, 403);
    o.logger.error('report page failed', { method: c.req.method, path: c.req.path, error: err });
    return page(c, <MessagePage ctx={ctx} title="Something went wrong" message="The server had an error while rendering this page." />, 500);
  });
  return app;
}

/** A page: the doctype, then the rendered element. */
function page(c: Context, element: JSX.Element, status: 200 | 400 | 401 | 403 | 404 | 500 = 200) {
  return c.html(html`<!doctype html>${element}`, status);
}

function idParam(value: string | undefined, name: string): string {
  if (value === undefined || !ID.test(value)) throw notFound(`No such ${name.replace('_', ' ')}.`);
  return value;
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** Where to go after signing in: a local path only (never another site). */
function safeNext(next: string | undefined): string {
  return next !== undefined && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/**
 * The form of a state-changing POST, after the CSRF checks: the token must equal the cookie's
 * (a cross-site page can read neither), and a cross-site Origin or Sec-Fetch-Site is refused.
 */
async function formOf(c: Context<ReportEnv>): Promise<Record<string, string>> {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  const forbidden = () => new ApiError('permission', 'This form has expired or came from another site. Reload the page and try again.');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw forbidden();
  if (origin !== undefined && origin !== 'null') {
    const host = c.req.header('host');
    let originHost: string | null = null;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (originHost === null || originHost !== host) throw forbidden();
  } else if (origin === 'null') throw forbidden();
  const body = await c.req.parseBody();
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') form[k] = v;
  if (!safeEqual(form['csrf'] ?? '', c.var.page.csrf)) throw forbidden();
  return form;
}
