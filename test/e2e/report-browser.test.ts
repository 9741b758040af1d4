import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { startTestProctor, waitForRun, type TestProctor } from '../support/start-test-proctor.ts';

/**
 * The web report in a real headless Chromium (Debian's, never a download): sign in, open a run
 * from its report_url, filter the items table, open an item, compare two runs against what the
 * API says, watch a live run's counts move, cancel it from the page, and keep projects apart.
 * Screenshots of every page land in .artifacts/report/ for a person to look at.
 */
const CHROMIUM = '/usr/bin/chromium';
const KEY_A = 'sk-report-aaaaaa';
const KEY_B = 'sk-report-bbbbbb';
const SHOTS = resolve(import.meta.dirname, '../../.artifacts/report');

const CAPITALS = ['Paris', 'Lima', 'Rome', 'Oslo', 'Bern', 'Kyiv', 'Riga', 'Baku', 'Doha', 'Apia'];
/** Base answers: rows 0–9 right, 10–19 wrong. Head flips rows 2, 5, 7 to wrong and 12 to right. */
const BASE_RIGHT = (i: number) => i < 10;
const HEAD_RIGHT = (i: number) => (i < 10 ? ![2, 5, 7].includes(i) : i === 12);

if (!existsSync(CHROMIUM)) {
  console.log(`# skipped: browser tests of the report need ${CHROMIUM} (Debian package chromium)`);
} else {
  describe('web report in Chromium', () => {
    let fake: FakeOpenAI;
    let server: TestProctor;
    let dir: string;
    let browser: Browser;
    let a: OpenAI;
    let evalId = '';
    let baseRun: OpenAI.Evals.RunRetrieveResponse;
    let headRun: OpenAI.Evals.RunRetrieveResponse;

    const runOf = (name: string, right: (i: number) => boolean) =>
      a.evals.runs.create(evalId, {
        name,
        data_source: {
          type: 'jsonl',
          source: {
            type: 'file_content',
            content: Array.from({ length: 20 }, (_, i) => ({
              item: { country: `country ${i}`, capital: CAPITALS[i % 10]! },
              sample: { output_text: right(i) ? CAPITALS[i % 10]! : `not ${CAPITALS[i % 10]!}` },
            })),
          },
        },
      });

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      fake = await startFakeOpenAI({ models: ['fake-slow'] });
      dir = mkdtempSync(join(os.tmpdir(), 'proctor-report-e2e-'));
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey } }, models: { 'slow-model': { provider: 'fake', model: 'fake-slow', max_concurrency: 1 } } }));
      server = await startTestProctor({ kind: 'pglite', dataDir: null }, { PROCTOR_API_KEYS: `${KEY_A}=proj-a,${KEY_B}=proj-b`, PROCTOR_CONFIG: config, PROCTOR_SAMPLING_BATCH_SIZE: '4' });
      a = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY_A, maxRetries: 0 });
      const evaluation = await a.evals.create({
        name: 'capitals',
        metadata: { team: 'geo' },
        data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { country: { type: 'string' }, capital: { type: 'string' } }, required: ['country', 'capital'] }, include_sample_schema: false },
        testing_criteria: [
          { type: 'string_check', name: 'exact', input: '{{ sample.output_text }}', reference: '{{ item.capital }}', operation: 'eq' },
          { type: 'text_similarity', name: 'fuzzy', input: '{{ sample.output_text }}', reference: '{{ item.capital }}', evaluation_metric: 'fuzzy_match', pass_threshold: 0.9 },
        ],
      });
      evalId = evaluation.id;
      const base = await runOf('baseline', BASE_RIGHT);
      baseRun = await waitForRun(() => a.evals.runs.retrieve(base.id, { eval_id: evalId }));
      const head = await runOf('candidate', HEAD_RIGHT);
      headRun = await waitForRun(() => a.evals.runs.retrieve(head.id, { eval_id: evalId }));
      // launch() starts Chromium on a fresh temporary profile (its own --user-data-dir, removed at
      // close); it refuses the flag in args, so none is passed here.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    });

    after(async () => {
      await browser?.close();
      await server?.close();
      await fake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function signedIn(key: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
      const page = await context.newPage();
      await page.goto(`${server.url}/signin`);
      await page.fill('#key', key);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')), page.click('button[type=submit]')]);
      return { context, page };
    }

    const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const rowIds = (page: Page) => page.$$eval('[data-items-table] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-item-id') ?? ''));

    it('signs in from a report_url and shows the numbers the API gives', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(baseRun.report_url);
      assert.match(new URL(page.url()).pathname, /^\/signin/);
      await shot(page, 'signin');
      await page.fill('#key', 'sk-wrong-key-123');
      await page.click('button[type=submit]');
      assert.match(await page.textContent('[role=alert]') ?? '', /not valid/);
      await page.fill('#key', KEY_A);
      await Promise.all([page.waitForURL(baseRun.report_url), page.click('button[type=submit]')]);
      const counts = Object.fromEntries(await page.$$eval('.cards [data-count]', (els) => els.map((e) => [e.getAttribute('data-count'), e.textContent])));
      assert.deepEqual(counts, { total: '20', passed: String(baseRun.result_counts.passed), failed: String(baseRun.result_counts.failed), errored: '0' });
      for (const r of baseRun.per_testing_criteria_results ?? []) {
        assert.equal(await page.textContent(`[data-criterion-live="${r.testing_criteria}"]`), `${r.passed} / ${r.passed + r.failed}`);
      }
      assert.ok((await page.$$('svg[role=img]')).length >= 1, 'a histogram for the text_similarity criterion');
      await shot(page, 'run-report');
      await page.setViewportSize({ width: 390, height: 844 });
      await shot(page, 'run-report-phone');
      await context.close();
    });

    it('filters the items table like the API and opens an item', async () => {
      const { context, page } = await signedIn(KEY_A);
      await page.goto(baseRun.report_url);
      await page.selectOption('select[name=status]', 'fail');
      await Promise.all([page.waitForURL(/status=fail/), page.click('form.filters button[type=submit]')]);
      const failing = await a.evals.runs.outputItems.list(baseRun.id, { eval_id: evalId, status: 'fail', limit: 100 });
      assert.deepEqual((await rowIds(page)).sort(), failing.data.map((i) => i.id).sort());

      const fuzzy = baseRun.per_testing_criteria_results.find((r) => r.testing_criteria.startsWith('fuzzy'))!;
      await page.goto(baseRun.report_url);
      await page.selectOption('select[name=crit]', fuzzy.testing_criteria);
      await page.selectOption('select[name=verdict]', 'failed');
      await Promise.all([page.waitForURL(/verdict=failed/), page.click('form.filters button[type=submit]')]);
      assert.equal((await rowIds(page)).length, fuzzy.failed);

      await page.goto(baseRun.report_url);
      await page.fill('input[name=q]', 'country 13');
      await Promise.all([page.waitForURL(/q=country/), page.press('input[name=q]', 'Enter')]);
      const found = await rowIds(page);
      assert.equal(found.length, 1);

      await Promise.all([page.waitForURL(/\/items\//), page.click('[data-items-table] tbody tr a')]);
      const item = await a.evals.runs.outputItems.retrieve(found[0], { eval_id: evalId, run_id: baseRun.id });
      assert.equal(await page.textContent('h1'), `Row ${item.datasource_item_id}`);
      assert.match(await page.textContent('main') ?? '', /country 13/);
      await shot(page, 'item-detail');

      await page.goto(`${server.url}/`);
      assert.match(await page.textContent('main') ?? '', /capitals/);
      await shot(page, 'evals-list');
      await context.close();
    });

    it('compares two runs: the regression list is the API\'s', async () => {
      const { context, page } = await signedIn(KEY_A);
      await page.goto(`${server.url}/evals/${evalId}`);
      await shot(page, 'eval-page');
      await page.selectOption('select[name=base]', baseRun.id);
      await page.selectOption('select[name=head]', headRun.id);
      await Promise.all([page.waitForURL(/\/compare\?/), page.click('form.filters button[type=submit]')]);
      const res = await fetch(`${server.url}/v1/evals/${evalId}/compare?base=${baseRun.id}&head=${headRun.id}`, { headers: { authorization: `Bearer ${KEY_A}` } });
      const api = (await res.json()) as { regressions: { data: Array<{ datasource_item_id: number }> }; fixes: { data: Array<{ datasource_item_id: number }> }; criteria: Array<{ testing_criteria: string; regressions: number }> };
      const regressions = await page.$$eval('[data-flip-list=regressions] tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-row'))));
      const fixes = await page.$$eval('[data-flip-list=fixes] tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-row'))));
      assert.deepEqual(regressions, api.regressions.data.map((r) => r.datasource_item_id));
      assert.deepEqual(regressions, [2, 5, 7]);
      assert.deepEqual(fixes, api.fixes.data.map((r) => r.datasource_item_id));
      const exact = api.criteria.find((c) => c.testing_criteria.startsWith('exact'))!;
      assert.match(await page.textContent(`[data-verdict="${exact.testing_criteria}"]`) ?? '', /3 regressions, 1 fix, not significant \(p = 0\.63\)/);
      await shot(page, 'compare');
      await Promise.all([page.waitForURL(/\/compare\/items\?/), page.click('[data-flip-list=regressions] tbody tr a')]);
      assert.equal(await page.textContent('h1'), 'Row 2');
      await shot(page, 'compare-items');
      await context.close();
    });

    it('moves a live run\'s counts without a reload, and cancels it from the page', async () => {
      fake.setBehavior({ latencyMs: 150 });
      const run = await a.evals.runs.create(evalId, {
        name: 'live',
        data_source: {
          type: 'completions',
          model: 'slow-model',
          input_messages: { type: 'template', template: [{ role: 'user', content: '{{ item.capital }}' }] },
          source: { type: 'file_content', content: Array.from({ length: 200 }, (_, i) => ({ item: { country: `c${i}`, capital: CAPITALS[i % 10]! } })) },
        },
      });
      const { context, page } = await signedIn(KEY_A, { colorScheme: 'dark' });
      await page.goto(run.report_url);
      // Browser-side code as strings: this project's TypeScript has no DOM types.
      await page.evaluate('window.sameDocument = true');
      const first = Number((await page.textContent('.cards [data-count=total]'))?.replace(/,/g, ''));
      await page.waitForFunction((n: number) => Number((globalThis as any).document.querySelector('.cards [data-count=total]').textContent.replace(/,/g, '')) > n, first + 4, { timeout: 30_000 });
      assert.equal(await page.evaluate('window.sameDocument'), true, 'counts moved without a reload');
      await shot(page, 'run-live-dark');
      page.once('dialog', (d) => void d.accept());
      await Promise.all([page.waitForNavigation(), page.click('button.danger')]);
      const canceled = await a.evals.runs.retrieve(run.id, { eval_id: evalId });
      assert.equal(canceled.status, 'canceled');
      assert.equal((await page.textContent('h1 + [data-run-status]'))?.trim(), 'canceled');
      await shot(page, 'run-canceled');
      await context.close();
      // Let the canceled run's last in-flight call end before the server closes.
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (fake.stats.inFlight > 0 || fake.requestsSince(Date.now() - 500) > 0)) await new Promise((r) => setTimeout(r, 50));
    });

    it('keeps projects apart: project B gets 404 for project A\'s pages', async () => {
      const item = (await a.evals.runs.outputItems.list(baseRun.id, { eval_id: evalId })).data[0]!;
      const { context, page } = await signedIn(KEY_B);
      assert.doesNotMatch(await page.textContent('main') ?? '', /capitals/);
      for (const path of [`/evals/${evalId}`, `/evals/${evalId}/runs/${baseRun.id}`, `/evals/${evalId}/runs/${baseRun.id}/items/${item.id}`, `/evals/${evalId}/compare?base=${baseRun.id}&head=${headRun.id}`]) {
        const response = await page.goto(`${server.url}${path}`);
        assert.equal(response?.status(), 404, path);
      }
      await shot(page, 'not-found');
      await Promise.all([page.waitForURL(/\/signin/), page.click('header form button')]);
      const again = await page.goto(`${server.url}/`);
      assert.match(new URL(again!.url()).pathname, /^\/signin/);
      await context.close();
    });
  });
}
