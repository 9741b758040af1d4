import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI, { AuthenticationError, AzureOpenAI, BadRequestError, NotFoundError, toFile } from 'openai';
import { waitForRun } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import {
  bodyOf, cancelLiveRun, CANCEL_ROWS, evalParams, expectPage, finishedRun, inlineRun, KEY_A, KEY_UNKNOWN, makeRows, openaiClient, raw, rejectsWith, toJsonl, useProctor,
} from './compat-fixtures.ts';
import { expectSchema } from './spec-schemas.ts';

const MISSING_EVAL = 'eval_00000000000000000000000000000000';
const PREVIEW = { 'aoai-evals': 'preview' };

/** Azure's error body: `{error:{code,message,param,type:"error",inner_error}}`, also a valid spec `ErrorResponse`. */
function expectAzureError(body: unknown, code?: string): void {
  expectSchema(body, 'ErrorResponse');
  const error = (body as { error: Record<string, unknown> }).error;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'inner_error', 'message', 'param', 'type']);
  assert.equal(error['type'], 'error');
  assert.equal(typeof error['code'], 'string');
  assert.equal(typeof error['message'], 'string');
  assert.ok(error['param'] === null || typeof error['param'] === 'string');
  if (code !== undefined) assert.equal(error['code'], code);
}

function azureClient(url: string, apiVersion: string, o: { apiKey?: string; preview?: boolean } = {}): AzureOpenAI {
  return new AzureOpenAI({ endpoint: url, apiKey: o.apiKey ?? KEY_A, apiVersion, maxRetries: 0, ...(o.preview === false ? {} : { defaultHeaders: PREVIEW }) });
}

for (const db of testDatabases()) {
  describe(`AzureOpenAI SDK (${db.name})`, () => {
    const server = useProctor(db);

    for (const apiVersion of ['preview', 'v1']) {
      describe(`apiVersion ${apiVersion}`, () => {
        it('creates an eval with 200 at /openai/evals?api-version=…; retrieve, update, list, delete', async () => {
          const azure = azureClient(server.url, apiVersion);
          const { data: created, response } = await azure.evals.create(evalParams(`azure ${apiVersion}`)).withResponse();
          assert.equal(response.status, 200, 'Azure documents 200 for create-eval');
          const requested = new URL(response.url);
          assert.equal(requested.pathname, '/openai/evals');
          assert.equal(requested.searchParams.get('api-version'), apiVersion);
          expectSchema(created, 'Eval');
          assert.match(created.id, /^eval_[0-9a-f]{32}$/);
          assert.deepEqual(await openaiClient(server.url).evals.retrieve(created.id), created, 'the same eval under /v1');

          const got = await azure.evals.retrieve(created.id);
          expectSchema(got, 'Eval');
          assert.deepEqual(got, created);
          const updated = await azure.evals.update(created.id, { name: 'renamed', metadata: { via: 'azure' } });
          expectSchema(updated, 'Eval');
          assert.equal(updated.name, 'renamed');
          assert.deepEqual(updated.metadata, { via: 'azure' });

          const listed: string[] = [];
          for await (const page of (await azure.evals.list({ limit: 1, order: 'desc' })).iterPages()) {
            expectSchema(bodyOf(page), 'EvalList');
            listed.push(...page.data.map((e) => e.id));
          }
          assert.equal(listed[0], created.id, 'newest first');
          assert.equal(new Set(listed).size, listed.length, 'auto-pagination repeats nothing');

          const deleted = await azure.evals.delete(created.id);
          expectSchema(deleted, 'DeleteEvalResponse');
          assert.deepEqual(deleted, { object: 'eval.deleted', deleted: true, eval_id: created.id });
          await rejectsWith(azure.evals.retrieve(created.id), NotFoundError);
        });

        it('runs a jsonl file end to end: run 201, output items, list, delete-run body with eval_run_id', async () => {
          const azure = azureClient(server.url, apiVersion);
          const evalId = (await azure.evals.create(evalParams('azure runs'))).id;
          const rows = makeRows(5);
          const file = await azure.files.create({ file: await toFile(Buffer.from(toJsonl(rows)), 'azure.jsonl'), purpose: 'evals' });
          expectSchema(file, 'OpenAIFile');
          const { data: run, response } = await azure.evals.runs.create(evalId, { data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } }).withResponse();
          assert.equal(response.status, 201);
          expectSchema(run, 'EvalRun');
          const done = await waitForRun(() => azure.evals.runs.retrieve(run.id, { eval_id: evalId }));
          expectSchema(done, 'EvalRun');
          assert.equal(done.status, 'completed');
          assert.deepEqual(done.result_counts, { total: 5, errored: 0, failed: 3, passed: 2 });

          const runs = await azure.evals.runs.list(evalId);
          expectSchema(bodyOf(runs), 'EvalRunList');
          expectPage(runs, [run.id], false);

          const items = await azure.evals.runs.outputItems.list(run.id, { eval_id: evalId, status: 'pass' });
          expectSchema(bodyOf(items), 'EvalRunOutputItemList');
          assert.deepEqual(items.data.map((i) => i.datasource_item_id), [0, 3]);
          const item = await azure.evals.runs.outputItems.retrieve(items.data[1]?.id as string, { eval_id: evalId, run_id: run.id });
          expectSchema(item, 'EvalRunOutputItem');
          assert.deepEqual(item, items.data[1]);

          const deleted = (await azure.evals.runs.delete(run.id, { eval_id: evalId })) as unknown as Record<string, unknown>;
          expectSchema(deleted, 'DeleteEvalRunResponse');
          // Azure's v1/preview document: {object: "eval_run.deleted", deleted, eval_run_id}.
          assert.equal(deleted['object'], 'eval_run.deleted');
          assert.equal(deleted['deleted'], true);
          assert.equal(deleted['eval_run_id'], run.id);
          await rejectsWith(azure.evals.runs.retrieve(run.id, { eval_id: evalId }), NotFoundError);
        });

        it('cancels through runs.cancel (…/cancel) and through POST …/runs/{id}', async () => {
          const azure = azureClient(server.url, apiVersion);
          const evalId = (await azure.evals.create(evalParams('azure cancel'))).id;
          const create = () => azure.evals.runs.create(evalId, inlineRun(makeRows(CANCEL_ROWS)));
          const { canceled: viaSdk } = await cancelLiveRun(create, (runId) => azure.evals.runs.cancel(runId, { eval_id: evalId }));
          expectSchema(viaSdk, 'EvalRun');
          assert.equal(viaSdk.status, 'canceled');
          const { canceled: viaPost } = await cancelLiveRun(create, (runId) => azure.post<{ id: string; status: string }>(`/evals/${evalId}/runs/${runId}`));
          expectSchema(viaPost, 'EvalRun');
          assert.equal(viaPost.status, 'canceled');
          expectPage(await azure.evals.runs.list(evalId, { status: 'canceled' }), [viaSdk.id, viaPost.id], false);
        });

        it('files: upload, list, retrieve, content, delete (no aoai-evals header needed)', async () => {
          const azure = azureClient(server.url, apiVersion, { preview: false });
          const text = toJsonl(makeRows(2));
          const file = await azure.files.create({ file: await toFile(Buffer.from(text), 'azure-file.jsonl'), purpose: 'evals' });
          expectSchema(file, 'OpenAIFile');
          assert.equal(file.bytes, Buffer.byteLength(text));
          const got = await azure.files.retrieve(file.id);
          expectSchema(got, 'OpenAIFile');
          assert.deepEqual(got, file);
          assert.equal(await (await azure.files.content(file.id)).text(), text);
          const list = await azure.files.list({ purpose: 'evals' });
          expectSchema(bodyOf(list), 'ListFilesResponse');
          assert.equal(list.data[0]?.id, file.id, 'newest first');
          const deleted = await azure.files.delete(file.id);
          expectSchema(deleted, 'DeleteFileResponse');
          assert.deepEqual(deleted, { id: file.id, object: 'file', deleted: true });
          await rejectsWith(azure.files.retrieve(file.id), NotFoundError);
        });

        it("errors carry Azure's shape: NotFoundError, BadRequestError, AuthenticationError", async () => {
          const azure = azureClient(server.url, apiVersion);
          const notFound = await rejectsWith(azure.evals.retrieve(MISSING_EVAL), NotFoundError);
          expectAzureError({ error: notFound.error });
          const bad = evalParams();
          (bad.testing_criteria[0] as { operation: string }).operation = 'contains';
          const badRequest = await rejectsWith(azure.evals.create(bad), BadRequestError);
          expectAzureError({ error: badRequest.error });
          assert.equal(badRequest.param, 'testing_criteria[0].operation');
          const auth = await rejectsWith(azureClient(server.url, apiVersion, { apiKey: KEY_UNKNOWN }).evals.list(), AuthenticationError);
          expectAzureError({ error: auth.error });

          const res = await raw(server.url, `/openai/evals/${MISSING_EVAL}?api-version=${apiVersion}`, { headers: { 'api-key': KEY_A, ...PREVIEW } });
          assert.equal(res.status, 404);
          expectAzureError(res.body);
          const unauthorized = await raw(server.url, `/openai/evals?api-version=${apiVersion}`, { headers: { 'api-key': KEY_UNKNOWN, ...PREVIEW } });
          assert.equal(unauthorized.status, 401);
          expectAzureError(unauthorized.body);
        });
      });
    }

    describe('the Azure gate', () => {
      it('without aoai-evals: preview an evals call is a 400 in Azure shape; files are not gated', async () => {
        const azure = azureClient(server.url, 'preview', { preview: false });
        const error = await rejectsWith(azure.evals.list(), BadRequestError);
        assert.equal(error.status, 400);
        expectAzureError({ error: error.error }, 'missing_preview_header');
        assert.equal(error.param, 'aoai-evals');
        const res = await raw(server.url, '/openai/evals?api-version=preview', { headers: { 'api-key': KEY_A } });
        assert.equal(res.status, 400);
        expectAzureError(res.body, 'missing_preview_header');
        await rejectsWith(azure.evals.create(evalParams()), BadRequestError);
        const files = await azure.files.list();
        expectSchema(bodyOf(files), 'ListFilesResponse');
      });

      it('a missing or unknown api-version on /openai/... is a 400 naming api-version', async () => {
        const missing = await raw(server.url, '/openai/evals', { headers: { 'api-key': KEY_A, ...PREVIEW } });
        assert.equal(missing.status, 400);
        expectAzureError(missing.body);
        assert.equal(missing.body.error.param, 'api-version');
        const unknown = await rejectsWith(azureClient(server.url, 'banana').evals.list(), BadRequestError);
        expectAzureError({ error: unknown.error });
        assert.equal(unknown.param, 'api-version');
      });

      it('a well-formed api-version Azure does not support (1999-01-01, 2024-10-21, a dated non-preview) is a 400 listing the supported ones', async () => {
        for (const version of ['1999-01-01', '2024-10-21', '2025-04-01', '2030-01-01-preview']) {
          const error = await rejectsWith(azureClient(server.url, version).evals.list(), BadRequestError);
          expectAzureError({ error: error.error }, 'unsupported_api_version');
          assert.equal(error.param, 'api-version');
          assert.match(error.message, new RegExp(`'${version}'.*supported api-versions are: v1, preview, 2025-04-01-preview`));
          await rejectsWith(azureClient(server.url, version).files.list(), BadRequestError);
        }
      });

      it('a dated api-version answers the dated delete-run body {object: "eval.deleted", run_id}', async () => {
        const azure = azureClient(server.url, '2025-04-01-preview');
        const evalId = (await azure.evals.create(evalParams('dated'))).id;
        const done = await finishedRun(azure, evalId, inlineRun(makeRows(2)));
        assert.equal(done.status, 'completed');
        const deleted = (await azure.evals.runs.delete(done.id, { eval_id: evalId })) as unknown as Record<string, unknown>;
        expectSchema(deleted, 'DeleteEvalRunResponse');
        assert.equal(deleted['object'], 'eval.deleted');
        assert.equal(deleted['deleted'], true);
        assert.equal(deleted['run_id'], done.id);
      });
    });

    describe('OpenAI client at /openai/v1 with aoai-evals: preview', () => {
      const v1Client = (headers: Record<string, string> = PREVIEW) => new OpenAI({ baseURL: `${server.url}/openai/v1`, apiKey: KEY_A, maxRetries: 0, defaultHeaders: headers });

      it('creates (200), lists, runs and deletes without an api-version', async () => {
        const client = v1Client();
        const { data: created, response } = await client.evals.create(evalParams('openai v1 path')).withResponse();
        assert.equal(response.status, 200);
        assert.equal(new URL(response.url).pathname, '/openai/v1/evals');
        expectSchema(created, 'Eval');
        const page = await client.evals.list({ order: 'desc', limit: 1 });
        expectSchema(bodyOf(page), 'EvalList');
        expectPage(page, [created.id], true);
        const done = await finishedRun(client, created.id, inlineRun(makeRows(4)));
        expectSchema(done, 'EvalRun');
        assert.deepEqual(done.result_counts, { total: 4, errored: 0, failed: 2, passed: 2 });
        const deleted = (await client.evals.runs.delete(done.id, { eval_id: created.id })) as unknown as Record<string, unknown>;
        assert.equal(deleted['object'], 'eval_run.deleted');
        assert.equal(deleted['eval_run_id'], done.id);
        assert.deepEqual(await client.evals.delete(created.id), { object: 'eval.deleted', deleted: true, eval_id: created.id });
      });

      it('answers errors in Azure shape, and 400 without the preview header', async () => {
        const notFound = await rejectsWith(v1Client().evals.retrieve(MISSING_EVAL), NotFoundError);
        expectAzureError({ error: notFound.error });
        const gated = await rejectsWith(v1Client({}).evals.list(), BadRequestError);
        expectAzureError({ error: gated.error }, 'missing_preview_header');
      });
    });
  });
}
