import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, answerRows, assertError, createEval, createRun, listIds, uploadFile, waitForRunEnd } from './api-client.ts';

/**
 * Projects (DESIGN §5): every object belongs to the project of the key that created it; another
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

    before(async () => {
      server = await startTestProctor(await open(), { PROCTOR_API_KEYS: API_KEYS });
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
