import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, waitForRunEnd } from './api-client.ts';

/**
 * The web report over HTTP, on both databases: sign-in and sessions, CSRF on the cancel form,
 * project isolation of every page, and the items table's filters against the API's numbers
 * (including an errored row, a per-criterion filter, score order and free-text search).
 */
const KEY_A = 'sk-pages-aaaaaa';
const KEY_B = 'sk-pages-bbbbbb';

/** A tiny cookie jar for one signed-in browser. */
class Session {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(c) || value === '') this.cookies.delete(pair!.slice(0, eq));
      else this.cookies.set(pair!.slice(0, eq), value);
    }
    return res;
  }
  get csrf(): string {
    return this.cookies.get('proctor_csrf') ?? '';
  }
  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }
  static async signIn(base: string, key: string): Promise<Session> {
    const s = new Session(base);
    await s.fetch('/signin');
    const res = await s.post('/signin', { key, csrf: s.csrf, next: '/' });
    assert.equal(res.status, 303);
    assert.ok(s.cookies.has('proctor_session'));
    return s;
  }
}

const rowIds = (html: string) => [...html.matchAll(/data-item-id="([^"]+)"/g)].map((m) => m[1]!);

for (const { name, open } of testDatabases()) {
  describe(`report pages (${name})`, () => {
    let server: TestProctor;
    let fake: FakeOpenAI;
    let dir: string;
    let a: ApiClient;
    let evalId = '';
    let runId = '';
    let liveRunId = '';
    let itemId = '';
    let fuzzyId = '';

    before(async () => {
      // The model answers each word as listed; 'boom' gets a 400 from upstream (an errored row).
      const answers: Record<string, string> = { alpha: 'alpha', beta: 'betta', gamma: 'zzz', delta: 'delta', omega: 'omega' };
      fake = await startFakeOpenAI({ models: ['fake-model'] });
      fake.setBehavior({ reply: (r) => answers[r.lastUserText] ?? '', outcome: (r) => (r.lastUserText === 'boom' ? { status: 400, body: { error: { message: 'boom', type: 'invalid_request_error', code: 'boom' } } } : undefined) });
      dir = mkdtempSync(join(os.tmpdir(), 'proctor-report-pages-'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey } }, models: { 'test-model': { provider: 'fake', model: 'fake-model' } } }));
      server = await startTestProctor(await open(), { PROCTOR_API_KEYS: `${KEY_A}=proj-a,${KEY_B}=proj-b`, PROCTOR_CONFIG: join(dir, 'config.json') });
      a = new ApiClient(server.url).with({ authorization: `Bearer ${KEY_A}` });
      const evaluation = await a.ok('POST', '/evals', {
        json: {
          name: 'pages',
          data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } },
          testing_criteria: [
            { type: 'string_check', name: 'exact', input: '{{ sample.output_text }}', reference: '{{ item.word }}', operation: 'eq' },
            { type: 'text_similarity', name: 'fuzzy', input: '{{ sample.output_text }}', reference: '{{ item.word }}', evaluation_metric: 'fuzzy_match', pass_threshold: 0.8 },
          ],
        },
      }, 201);
      evalId = evaluation.id;
      fuzzyId = evaluation.testing_criteria[1].id;
      const words = ['alpha', 'beta', 'gamma', 'delta', 'boom', 'omega'];
      const run = await a.ok('POST', `/evals/${evalId}/runs`, {
        json: {
          name: 'r1',
          data_source: {
            type: 'completions',
            model: 'test-model',
            input_messages: { type: 'template', template: [{ role: 'user', content: '{{ item.word }}' }] },
            source: { type: 'file_content', content: words.map((w) => ({ item: { word: w } })) },
          },
        },
      }, 201);
      runId = run.id;
      assert.equal((await waitForRunEnd(a, evalId, runId)).status, 'completed');
      itemId = (await a.ok('GET', `/evals/${evalId}/runs/${runId}/output_items`)).data[0].id;
      // The CSRF checks need no live run: cancel of a finished run answers like any other (and
      // keeps it finished); the browser suite cancels a live one.
      liveRunId = runId;
    });

    after(async () => {
      await server?.close();
      await fake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('sends a visitor without a session to sign in, and refuses a bad key', async () => {
      const anon = new Session(server.url);
      const res = await anon.fetch(`/evals/${evalId}/runs/${runId}`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `/signin?next=${encodeURIComponent(`/evals/${evalId}/runs/${runId}`)}`);
      assert.equal((await anon.fetch(`/evals/${evalId}/runs/${runId}/progress`)).status, 401);
      await anon.fetch('/signin');
      assert.equal((await anon.post('/signin', { key: 'sk-not-a-key-1', csrf: anon.csrf })).status, 401);
      // A sign-in form without the CSRF token is refused (login CSRF).
      const fresh = new Session(server.url);
      assert.equal((await fresh.post('/signin', { key: KEY_A })).status, 403);
      assert.equal(fresh.cookies.has('proctor_session'), false);
    });

    it('sets a signed HttpOnly SameSite=Strict session cookie; a forged one is refused', async () => {
      const s = new Session(server.url);
      await s.fetch('/signin');
      const res = await s.post('/signin', { key: KEY_A, csrf: s.csrf, next: `/evals/${evalId}` });
      assert.equal(res.headers.get('location'), `/evals/${evalId}`);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('proctor_session='))!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.equal((await s.fetch(`/evals/${evalId}`)).status, 200);
      const value = s.cookies.get('proctor_session')!;
      s.cookies.set('proctor_session', value.replace(/\.\d+\./, '.9999999999.'));
      assert.equal((await s.fetch(`/evals/${evalId}`)).status, 303);
      // Off-site `next` is not followed.
      const t = new Session(server.url);
      await t.fetch('/signin');
      assert.equal((await t.post('/signin', { key: KEY_A, csrf: t.csrf, next: '//evil.example/' })).headers.get('location'), '/');
    });

    it('shows project A\'s pages to A only: B gets 404 on every one', async () => {
      const sa = await Session.signIn(server.url, KEY_A);
      const sb = await Session.signIn(server.url, KEY_B);
      const paths = [`/evals/${evalId}`, `/evals/${evalId}/runs/${runId}`, `/evals/${evalId}/runs/${runId}/items/${itemId}`, `/evals/${evalId}/runs/${runId}/progress`, `/evals/${evalId}/compare?base=${runId}&head=${runId}`];
      for (const p of paths) {
        assert.equal((await sa.fetch(p)).status, 200, `A ${p}`);
        assert.equal((await sb.fetch(p)).status, 404, `B ${p}`);
      }
      assert.match(await (await sa.fetch('/')).text(), /pages/);
      assert.doesNotMatch(await (await sb.fetch('/')).text(), new RegExp(evalId));
      assert.equal((await sb.post(`/evals/${evalId}/runs/${runId}/cancel`, { csrf: sb.csrf })).status, 404);
    });

    it('protects the cancel form against CSRF', async () => {
      const s = await Session.signIn(server.url, KEY_A);
      const path = `/evals/${evalId}/runs/${liveRunId}/cancel`;
      assert.equal((await s.post(path, {})).status, 403, 'no token');
      assert.equal((await s.post(path, { csrf: 'x'.repeat(32) })).status, 403, 'wrong token');
      assert.equal((await s.post(path, { csrf: s.csrf }, { origin: 'http://evil.example' })).status, 403, 'cross-site origin');
      assert.equal((await s.post(path, { csrf: s.csrf }, { 'sec-fetch-site': 'cross-site' })).status, 403, 'cross-site fetch');
      const ok = await s.post(path, { csrf: s.csrf }, { origin: server.url, 'sec-fetch-site': 'same-origin' });
      assert.equal(ok.status, 303);
      // Sign-out is a CSRF-protected POST too.
      assert.equal((await s.post('/signout', {})).status, 403);
      assert.equal((await s.post('/signout', { csrf: s.csrf })).status, 303);
      assert.equal((await s.fetch(`/evals/${evalId}`)).status, 303);
    });

    it('filters items like the API counts them', async () => {
      const s = await Session.signIn(server.url, KEY_A);
      const run = await a.ok('GET', `/evals/${evalId}/runs/${runId}`);
      const page = (q: string) => s.fetch(`/evals/${evalId}/runs/${runId}${q}`).then((r) => r.text());
      const all = await a.ok('GET', `/evals/${evalId}/runs/${runId}/output_items?limit=100`);
      assert.equal(rowIds(await page('')).length, run.result_counts.total);
      assert.equal(rowIds(await page('?status=pass')).length, run.result_counts.passed);
      assert.equal(rowIds(await page('?status=fail')).length, run.result_counts.failed);
      assert.equal(rowIds(await page('?status=errored')).length, run.result_counts.errored);
      assert.equal(run.result_counts.errored, 1);
      // The errors summary names the upstream failure's code.
      assert.match(await page(''), /<td class="mono">[a-z_0-9]+<\/td><td class="num">1<\/td>/);
      const fuzzy = run.per_testing_criteria_results.find((r: { testing_criteria: string }) => r.testing_criteria === fuzzyId);
      assert.equal(rowIds(await page(`?crit=${fuzzyId}&verdict=failed`)).length, fuzzy.failed);
      assert.equal(rowIds(await page(`?crit=${fuzzyId}&verdict=passed`)).length, fuzzy.passed);
      // Score order: ascending fuzzy scores, the worst answer first.
      const byScore = rowIds(await page(`?crit=${fuzzyId}&sort=score_asc`));
      const zzz = all.data.find((i: { sample: { output: Array<{ content: string }> } }) => i.sample.output[0]?.content === 'zzz');
      assert.equal(byScore[0], zzz.id);
      // Free text over item and output.
      assert.deepEqual(rowIds(await page('?q=BETTA')), [all.data.find((i: { datasource_item: { word: string } }) => i.datasource_item.word === 'beta').id]);
      // Paging: a page of 50 rows with a next link is exercised by the benchmark; here one page.
      assert.doesNotMatch(await page(''), /Next page/);
    });

    it('answers pages under the error shape of the pages, not JSON, and keeps the API intact', async () => {
      const s = await Session.signIn(server.url, KEY_A);
      const res = await s.fetch('/evals/eval_nope');
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const api = await fetch(`${server.url}/v1/evals/eval_nope`, { headers: { authorization: `Bearer ${KEY_A}` } });
      assert.equal(api.status, 404);
      assert.equal(((await api.json()) as { error: { code: string | null } }).error.code, null);
    });
  });
}

describe('report pages without API keys (loopback)', () => {
  let server: TestProctor;
  before(async () => {
    server = await startTestProctor({ kind: 'pglite', dataDir: null });
  });
  after(async () => {
    await server?.close();
  });
  it('are open, and /signin leads home', async () => {
    const res = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Evals/);
    assert.equal((await fetch(`${server.url}/signin`, { redirect: 'manual' })).status, 303);
  });
});
