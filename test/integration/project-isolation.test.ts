import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI, { NotFoundError } from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, answerRows, assertError, createEval, createRun, listIds, uploadFile, waitForRunEnd } from './api-client.ts';

/**
 * Projects (architecture §5): every object belongs to the project of the key that created it; another
 * project's ids answer 404 on every verb and never show up in its lists.
 */
const KEY_A = 'sk-iso-aaaaaa';
const KEY_B = 'sk-iso-bbbbbb';
const KEY_DEFAULT = 'sk-iso-cccccc';
const API_KEYS = `${KEY_A}=proj-a,${KEY_B}=proj-b,${KEY_DEFAULT}`;

interface Owned {
  evalId: string;
  runId: string;
  itemId: string;
  fileId: string;
}

/** The model runs and logged completions use: the fake upstream's `fake-model`. */
const MODEL = 'gpt-iso';

/** The official SDK as a project sees the server. */
const sdk = (url: string, key: string): OpenAI => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });

/** `fn` must fail with the SDK's 404; returns its error for further checks. */
async function notFound(what: string, fn: () => Promise<unknown>): Promise<NotFoundError> {
  const error = await fn().then(() => assert.fail(`${what}: succeeded`), (e: unknown) => e);
  assert.ok(error instanceof NotFoundError, `${what}: ${String(error)}`);
  return error;
}

for (const { name, open } of testDatabases()) {
  describe(`project isolation (${name})`, () => {
    let server: TestProctor;
    let a: ApiClient;
    let b: ApiClient;
    let c: ApiClient;
    let anonymous: ApiClient;
    const owned: Record<'a' | 'b' | 'c', Owned> = {
      a: { evalId: '', runId: '', itemId: '', fileId: '' },
      b: { evalId: '', runId: '', itemId: '', fileId: '' },
      c: { evalId: '', runId: '', itemId: '', fileId: '' },
    };

    async function populate(client: ApiClient, into: Owned, label: string): Promise<void> {
      into.fileId = (await uploadFile(client, '{"item":{"answer":"x"},"sample":{"output_text":"x"}}\n', { filename: `${label}.jsonl` })).id;
      into.evalId = (await createEval(client, { name: `eval of ${label}` })).id;
      into.runId = (await createRun(client, into.evalId, { fileId: into.fileId })).id;
      assert.equal((await waitForRunEnd(client, into.evalId, into.runId)).status, 'completed');
      into.itemId = (await client.ok('GET', `/evals/${into.evalId}/runs/${into.runId}/output_items`)).data[0].id;
    }

    let fake: FakeOpenAI;
    let configDir: string;

    before(async () => {
      fake = await startFakeOpenAI();
      configDir = mkdtempSync(join(os.tmpdir(), 'proctor-isolation-'));
      const configPath = join(configDir, 'proctor-config.json');
      writeFileSync(configPath, JSON.stringify({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey } }, models: { [MODEL]: { provider: 'fake', model: 'fake-model' } } }));
      server = await startTestProctor(await open(), { PROCTOR_API_KEYS: API_KEYS, PROCTOR_CONFIG: configPath });
      anonymous = new ApiClient(server.url);
      a = anonymous.with({ authorization: `Bearer ${KEY_A}` });
      b = anonymous.with({ authorization: `Bearer ${KEY_B}` });
      c = anonymous.with({ authorization: `Bearer ${KEY_DEFAULT}` });
      await populate(a, owned.a, 'a');
      await populate(b, owned.b, 'b');
      await populate(c, owned.c, 'c');
    });

    after(async () => {
      await server?.close();
      await fake?.close();
      rmSync(configDir, { recursive: true, force: true });
    });

    /** What proj-a sees of its own objects; must be the same after any foreign request. */
    async function viewOfA() {
      const o = owned.a;
      return {
        eval: await a.ok('GET', `/evals/${o.evalId}`),
        run: await a.ok('GET', `/evals/${o.evalId}/runs/${o.runId}`),
        items: await listIds(a, `/evals/${o.evalId}/runs/${o.runId}/output_items`),
        file: await a.ok('GET', `/files/${o.fileId}`),
        evals: await listIds(a, '/evals'),
        files: await listIds(a, '/files'),
      };
    }

    for (const [who, client] of [['proj-b', () => b], ['default', () => c]] as const) {
      describe(`${who} against proj-a's objects`, () => {
        it('get, update and delete of the eval → 404; the eval is untouched', async () => {
          const o = owned.a;
          const before = await viewOfA();
          assertError(await client().get(`/evals/${o.evalId}`), 404, 'eval_id');
          assertError(await client().post(`/evals/${o.evalId}`, { name: 'stolen', metadata: { by: who } }), 404, 'eval_id');
          assertError(await client().delete(`/evals/${o.evalId}`), 404, 'eval_id');
          assert.deepEqual(await viewOfA(), before);
        });

        it('runs: list, create, get, cancel (both paths), delete → 404; nothing changes', async () => {
          const o = owned.a;
          const before = await viewOfA();
          assertError(await client().get(`/evals/${o.evalId}/runs`), 404, 'eval_id');
          assertError(await client().post(`/evals/${o.evalId}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_content', content: answerRows(1, () => true) } } }), 404, 'eval_id');
          assertError(await client().get(`/evals/${o.evalId}/runs/${o.runId}`), 404, 'eval_id');
          assertError(await client().post(`/evals/${o.evalId}/runs/${o.runId}`), 404, 'eval_id');
          assertError(await client().post(`/evals/${o.evalId}/runs/${o.runId}/cancel`), 404, 'eval_id');
          assertError(await client().delete(`/evals/${o.evalId}/runs/${o.runId}`), 404, 'eval_id');
          assert.deepEqual(await viewOfA(), before);
          assert.deepEqual(await listIds(a, `/evals/${o.evalId}/runs`), [o.runId]);
        });

        it("proj-a's run under the caller's own eval → 404 run_id", async () => {
          const mine = who === 'proj-b' ? owned.b : owned.c;
          const o = owned.a;
          assertError(await client().get(`/evals/${mine.evalId}/runs/${o.runId}`), 404, 'run_id');
          assertError(await client().post(`/evals/${mine.evalId}/runs/${o.runId}/cancel`), 404, 'run_id');
          assertError(await client().delete(`/evals/${mine.evalId}/runs/${o.runId}`), 404, 'run_id');
          assertError(await client().get(`/evals/${mine.evalId}/runs/${o.runId}/output_items`), 404, 'run_id');
          assertError(await client().get(`/evals/${mine.evalId}/runs/${mine.runId}/output_items/${o.itemId}`), 404, 'output_item_id');
        });

        it('output items: list and get → 404', async () => {
          const o = owned.a;
          assertError(await client().get(`/evals/${o.evalId}/runs/${o.runId}/output_items`), 404, 'eval_id');
          assertError(await client().get(`/evals/${o.evalId}/runs/${o.runId}/output_items/${o.itemId}`), 404, 'eval_id');
        });

        it('files: get, content, delete → 404; a run cannot read the file; the file is untouched', async () => {
          const o = owned.a;
          const before = await viewOfA();
          assertError(await client().get(`/files/${o.fileId}`), 404, 'file_id');
          assertError(await client().get(`/files/${o.fileId}/content`), 404, 'file_id');
          assertError(await client().delete(`/files/${o.fileId}`), 404, 'file_id');
          const mine = who === 'proj-b' ? owned.b : owned.c;
          assertError(await client().post(`/evals/${mine.evalId}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_id', id: o.fileId } } }), 400, 'data_source.source.id');
          assert.deepEqual(await viewOfA(), before);
          const content = await a.request('GET', `/files/${o.fileId}/content`);
          assert.equal(content.status, 200);
          assert.equal(content.text, '{"item":{"answer":"x"},"sample":{"output_text":"x"}}\n');
        });

        it("lists hold exactly the caller's own objects", async () => {
          const mine = who === 'proj-b' ? owned.b : owned.c;
          assert.deepEqual(await listIds(client(), '/evals'), [mine.evalId]);
          assert.deepEqual(await listIds(client(), '/evals', { order: 'desc', limit: 1 }), [mine.evalId]);
          assert.deepEqual(await listIds(client(), '/evals', { query: { order_by: 'updated_at' } }), [mine.evalId]);
          assert.deepEqual(await listIds(client(), '/files'), [mine.fileId]);
          assert.deepEqual(await listIds(client(), '/files', { query: { purpose: 'evals' } }), [mine.fileId]);
          assert.deepEqual(await listIds(client(), `/evals/${mine.evalId}/runs`), [mine.runId]);
          assert.deepEqual(await listIds(client(), `/evals/${mine.evalId}/runs/${mine.runId}/output_items`), [mine.itemId]);
        });

        it("proj-a's ids as `after` cursors are unknown → 400, nothing leaks", async () => {
          const o = owned.a;
          assertError(await client().get(`/evals?after=${o.evalId}`), 400, 'after');
          assertError(await client().get(`/files?after=${o.fileId}`), 400, 'after');
          const mine = who === 'proj-b' ? owned.b : owned.c;
          assertError(await client().get(`/evals/${mine.evalId}/runs?after=${o.runId}`), 400, 'after');
          assertError(await client().get(`/evals/${mine.evalId}/runs/${mine.runId}/output_items?after=${o.itemId}`), 400, 'after');
        });
      });
    }

    it("proj-a sees only its own objects, and all of them", async () => {
      const view = await viewOfA();
      assert.deepEqual(view.evals, [owned.a.evalId]);
      assert.deepEqual(view.files, [owned.a.fileId]);
      assert.equal(view.eval.name, 'eval of a');
      assert.deepEqual(view.eval.metadata, {});
    });

    it("another project cannot cancel or delete a running run; it completes for its owner", async () => {
      const ev = await createEval(a);
      const run = await createRun(a, ev.id, { rows: answerRows(3000, (i) => i % 2 === 0) });
      assertError(await b.post(`/evals/${ev.id}/runs/${run.id}/cancel`), 404, 'eval_id');
      assertError(await b.post(`/evals/${ev.id}/runs/${run.id}`), 404, 'eval_id');
      assertError(await b.delete(`/evals/${ev.id}/runs/${run.id}`), 404, 'eval_id');
      assertError(await b.delete(`/evals/${ev.id}`), 404, 'eval_id');
      const done = await waitForRunEnd(a, ev.id, run.id);
      assert.equal(done.status, 'completed');
      assert.deepEqual(done.result_counts, { total: 3000, errored: 0, failed: 1500, passed: 1500 });
      await a.ok('DELETE', `/evals/${ev.id}`);
    });

    describe("every mutating endpoint, with another project's ids (and a run under the wrong eval): 404, and nothing changes", () => {
      /** A run of proj-a that stays in progress: every upstream call of its sampling takes a minute. */
      async function liveRun(client: OpenAI): Promise<{ evalId: string; runId: string }> {
        const ev = await client.evals.create({
          name: 'live',
          data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { q: { type: 'string' } } } },
          testing_criteria: [{ type: 'string_check', name: 'c', input: '{{ sample.output_text }}', reference: 'x', operation: 'eq' }],
        });
        const run = await client.evals.runs.create(ev.id, {
          data_source: {
            type: 'completions',
            model: MODEL,
            input_messages: { type: 'template', template: [{ role: 'user', content: '{{ item.q }}' }] },
            source: { type: 'file_content', content: Array.from({ length: 4 }, (_, i) => ({ item: { q: `q${i}` } })) },
          },
        } as never);
        return { evalId: ev.id, runId: run.id };
      }

      it("proj-b's key, through the SDK: eval update/delete, run create/cancel/delete (also under proj-b's own eval), file delete, stored completion update/delete", async () => {
        const sdkA = sdk(server.url, KEY_A);
        const sdkB = sdk(server.url, KEY_B);
        const logged = await sdkA.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], store: true, metadata: { team: 'a' } });
        fake.setBehavior({ latencyMs: 60_000 });
        const live = await liveRun(sdkA);
        try {
          const o = owned.a;
          const mine = owned.b;
          const stateOfA = async () => ({
            view: await viewOfA(),
            live: (await sdkA.evals.runs.retrieve(live.runId, { eval_id: live.evalId })).status,
            liveEval: await sdkA.evals.retrieve(live.evalId),
            completion: await sdkA.chat.completions.retrieve(logged.id),
            completions: (await sdkA.chat.completions.list()).data.map((x) => x.id),
          });
          const before = await stateOfA();
          assert.ok(before.live === 'queued' || before.live === 'in_progress', before.live);

          await notFound('update eval', () => sdkB.evals.update(o.evalId, { name: 'stolen', metadata: { by: 'b' } }));
          await notFound('delete eval', () => sdkB.evals.delete(live.evalId));
          await notFound('create run', () => sdkB.evals.runs.create(o.evalId, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [{ item: { answer: 'x' } }] } } }));
          for (const [evalId, param] of [[live.evalId, 'eval_id'], [mine.evalId, 'run_id']] as const) {
            assert.equal((await notFound('cancel run', () => sdkB.evals.runs.cancel(live.runId, { eval_id: evalId }))).param, param);
            assert.equal((await notFound('delete run', () => sdkB.evals.runs.delete(live.runId, { eval_id: evalId }))).param, param);
            // The spec's own cancel path (POST on the run), which the SDK does not use.
            assertError(await b.post(`/evals/${evalId}/runs/${live.runId}`), 404, param);
          }
          await notFound('delete file', () => sdkB.files.delete(o.fileId));
          await notFound('update stored completion', () => sdkB.chat.completions.update(logged.id, { metadata: { team: 'b' } }));
          await notFound('delete stored completion', () => sdkB.chat.completions.delete(logged.id));
          // A stored_completions run of proj-b never reads proj-a's logs.
          const ownRun = await sdkB.evals.runs.create(mine.evalId, { data_source: { type: 'completions', source: { type: 'stored_completions' } } } as never);
          assert.equal((await waitForRunEnd(b, mine.evalId, ownRun.id)).result_counts.total, 0);
          assert.deepEqual((await sdkB.chat.completions.list()).data, []);

          assert.deepEqual(await stateOfA(), before, "proj-a's objects are exactly as they were (the live run is not canceled)");
        } finally {
          fake.setBehavior({});
          await sdkA.evals.runs.cancel(live.runId, { eval_id: live.evalId });
          await sdkA.evals.delete(live.evalId);
          await sdkA.chat.completions.delete(logged.id);
        }
      });

      it('within one project: a run cancelled or deleted through another of its evals → 404 run_id, and the run goes on', async () => {
        const sdkA = sdk(server.url, KEY_A);
        fake.setBehavior({ latencyMs: 60_000 });
        const live = await liveRun(sdkA);
        try {
          const other = owned.a.evalId;
          assert.equal((await notFound('cancel via another eval', () => sdkA.evals.runs.cancel(live.runId, { eval_id: other }))).param, 'run_id');
          assert.equal((await notFound('delete via another eval', () => sdkA.evals.runs.delete(live.runId, { eval_id: other }))).param, 'run_id');
          assertError(await a.post(`/evals/${other}/runs/${live.runId}`), 404, 'run_id');
          const run = await sdkA.evals.runs.retrieve(live.runId, { eval_id: live.evalId });
          assert.ok(run.status === 'queued' || run.status === 'in_progress', `the run was ${run.status}`);
          // Through its own eval, the same calls work.
          assert.equal((await sdkA.evals.runs.cancel(live.runId, { eval_id: live.evalId })).status, 'canceled');
          await sdkA.evals.runs.delete(live.runId, { eval_id: live.evalId });
          await notFound('retrieve deleted run', () => sdkA.evals.runs.retrieve(live.runId, { eval_id: live.evalId }));
        } finally {
          fake.setBehavior({});
          await sdkA.evals.delete(live.evalId);
        }
      });
    });

    it('a project can reuse a name freely: the same name in two projects are two objects', async () => {
      const ea = await createEval(a, { name: 'shared name' });
      const eb = await createEval(b, { name: 'shared name' });
      assert.notEqual(ea.id, eb.id);
      await b.ok('POST', `/evals/${eb.id}`, { json: { name: 'renamed by b' } });
      assert.equal((await a.ok('GET', `/evals/${ea.id}`)).name, 'shared name');
      await a.ok('DELETE', `/evals/${ea.id}`);
      assert.equal((await b.ok('GET', `/evals/${eb.id}`)).name, 'renamed by b');
      await b.ok('DELETE', `/evals/${eb.id}`);
    });

    describe('how keys are presented', () => {
      it('`api-key:` works like Bearer on /v1', async () => {
        const viaHeader = anonymous.with({ 'api-key': KEY_A });
        assert.deepEqual(await listIds(viaHeader, '/evals'), [owned.a.evalId]);
        assert.equal((await viaHeader.ok('GET', `/evals/${owned.a.evalId}`)).id, owned.a.evalId);
        assertError(await viaHeader.get(`/evals/${owned.b.evalId}`), 404, 'eval_id');
      });

      it('`api-key:` and Bearer both work on /openai/v1 and /openai (api-version)', async () => {
        for (const headers of [{ 'api-key': KEY_B }, { authorization: `Bearer ${KEY_B}` }]) {
          const v1 = new ApiClient(server.url, '/openai/v1', { 'aoai-evals': 'preview', ...headers });
          assert.deepEqual(await listIds(v1, '/evals'), [owned.b.evalId]);
          assertError(await v1.get(`/evals/${owned.a.evalId}`), 404, 'eval_id', { dialect: 'azure' });
          const dated = new ApiClient(server.url, '/openai', { 'aoai-evals': 'preview', ...headers });
          const page = await dated.ok('GET', '/evals?api-version=2025-04-01-preview');
          assert.deepEqual(page.data.map((e: { id: string }) => e.id), [owned.b.evalId]);
          assertError(await dated.get(`/files/${owned.a.fileId}?api-version=preview`), 404, 'file_id', { dialect: 'azure' });
        }
      });

      it('an object created on an Azure path belongs to the key\'s project', async () => {
        const azureA = new ApiClient(server.url, '/openai/v1', { 'aoai-evals': 'preview', 'api-key': KEY_A });
        const ev = await createEval(azureA, { name: 'azure-made' });
        assertError(await b.get(`/evals/${ev.id}`), 404, 'eval_id');
        assert.equal((await a.ok('GET', `/evals/${ev.id}`)).name, 'azure-made');
        await a.ok('DELETE', `/evals/${ev.id}`);
      });
    });

    describe('authentication failures', () => {
      type Call = [method: string, path: () => string, json?: unknown];
      const calls: Call[] = [
        ['GET', () => '/evals'],
        ['POST', () => '/evals', { data_source_config: { type: 'custom', item_schema: {} }, testing_criteria: [] }],
        ['GET', () => `/evals/${owned.a.evalId}`],
        ['POST', () => `/evals/${owned.a.evalId}`, { name: 'x' }],
        ['DELETE', () => `/evals/${owned.a.evalId}`],
        ['GET', () => `/evals/${owned.a.evalId}/runs`],
        ['POST', () => `/evals/${owned.a.evalId}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } } }],
        ['GET', () => `/evals/${owned.a.evalId}/runs/${owned.a.runId}`],
        ['POST', () => `/evals/${owned.a.evalId}/runs/${owned.a.runId}/cancel`],
        ['DELETE', () => `/evals/${owned.a.evalId}/runs/${owned.a.runId}`],
        ['GET', () => `/evals/${owned.a.evalId}/runs/${owned.a.runId}/output_items`],
        ['GET', () => `/evals/${owned.a.evalId}/runs/${owned.a.runId}/output_items/${owned.a.itemId}`],
        ['GET', () => '/files'],
        ['GET', () => `/files/${owned.a.fileId}`],
        ['GET', () => `/files/${owned.a.fileId}/content`],
        ['DELETE', () => `/files/${owned.a.fileId}`],
      ];
      const badCredentials: Array<[string, Record<string, string>]> = [
        ['no key', {}],
        ['a wrong Bearer key', { authorization: 'Bearer sk-iso-zzzzzz' }],
        ['a wrong api-key', { 'api-key': 'sk-iso-zzzzzz' }],
        ['a prefix of a real key', { authorization: `Bearer ${KEY_A.slice(0, -1)}` }],
        ['a real key in another case', { authorization: `Bearer ${KEY_A.toUpperCase()}` }],
        ['a real key with a suffix', { authorization: `Bearer ${KEY_A}x` }],
        ['an empty Bearer', { authorization: 'Bearer ' }],
        ['Basic auth', { authorization: `Basic ${Buffer.from(`user:${KEY_A}`).toString('base64')}` }],
        ['an empty api-key', { 'api-key': '' }],
        ['the project name as key', { authorization: 'Bearer proj-a' }],
      ];

      for (const [label, headers] of badCredentials) {
        it(`${label} → 401 on every /v1 endpoint (OpenAI shape), nothing changes`, async () => {
          const before = await viewOfA();
          const client = anonymous.with(headers);
          for (const [method, path, json] of calls) {
            const res = await client.request(method, path(), json === undefined ? {} : { json });
            assertError(res, 401, null);
          }
          assert.deepEqual(await viewOfA(), before);
        });

        it(`${label} → 401 on /openai/v1 and /openai (Azure shape)`, async () => {
          const v1 = new ApiClient(server.url, '/openai/v1', { 'aoai-evals': 'preview', ...headers });
          const dated = new ApiClient(server.url, '/openai', { 'aoai-evals': 'preview', ...headers });
          for (const [method, path, json] of calls) {
            const res = await v1.request(method, path(), json === undefined ? {} : { json });
            assertError(res, 401, null, { dialect: 'azure' });
            const p = path();
            const res2 = await dated.request(method, `${p}${p.includes('?') ? '&' : '?'}api-version=preview`, json === undefined ? {} : { json });
            assertError(res2, 401, null, { dialect: 'azure' });
          }
        });
      }

      it('the 401 message never echoes the whole presented key', async () => {
        const secret = 'sk-this-is-a-long-secret-key-123456';
        const res = await anonymous.with({ authorization: `Bearer ${secret}` }).get('/evals');
        assertError(res, 401, null);
        assert.ok(!res.text.includes(secret), res.text);
      });
    });
  });
}
