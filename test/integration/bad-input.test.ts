import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI, { BadRequestError } from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { EvalRepository } from '../../src/storage/eval-repository.ts';
import { StoredCompletionRepository } from '../../src/storage/stored-completion-repository.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import {
  ApiClient,
  answerCriterion,
  answerRows,
  answerSchema,
  asApiResponse,
  assertError,
  createEval,
  createRun,
  listAll,
  listIds,
  rawRequest,
  sleep,
  stringCheck,
  toJsonl,
  uploadFile,
  waitForRunEnd,
  type ApiResponse,
  type RequestBody,
} from './api-client.ts';
import { killAllServes, startServe, type Serve } from './serve-process.ts';

/**
 * Every endpoint fed bad input: each answer is an exact 4xx with the OpenAI error body naming the
 * field, nothing is created or lost, and the server keeps answering. No answer may be a 5xx (the
 * client fails the test on one).
 */

const MAX_BODY_MB = 1;
const UNKNOWN = {
  eval: 'eval_00000000000000000000000000000000',
  run: 'evalrun_00000000000000000000000000000000',
  item: 'outputitem_00000000000000000000000000000000',
  file: 'file-0000000000000000000000',
};
/** Path segments that can never be ids; each must be a 404, never a 5xx. */
const GARBAGE_IDS = ['%00', 'a'.repeat(5000), '%ZZ', '%E0%A4%A', '%E2%98%83', 'a%2Fb', "x'%3B%20drop%20table%20evals--", 'null', '%20'];

function deepJson(depth: number, leaf = '1'): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

for (const { name, open } of testDatabases()) {
  describe(`bad input (${name})`, () => {
    let server: TestProctor;
    let api: ApiClient;
    // Fixtures: an eval with a completed run, a second eval with a run, an eval with a nested schema, files.
    let evalId: string;
    let runId: string;
    let itemId: string;
    let otherEvalId: string;
    let otherRunId: string;
    let otherItemId: string;
    let nestedEvalId: string;
    let goodFileId: string;
    const badFiles: Record<'badJson' | 'notObject' | 'schema' | 'deep' | 'deleted' | 'noItem', string> = {
      badJson: '', notObject: '', schema: '', deep: '', deleted: '', noItem: '',
    };

    before(async () => {
      server = await startTestProctor(await open(), { PROCTOR_MAX_BODY_MB: String(MAX_BODY_MB), PROCTOR_BATCH_SIZE: '500' });
      api = new ApiClient(server.url);
      evalId = (await createEval(api, { name: 'fixture', metadata: { team: 'a' } })).id;
      runId = (await createRun(api, evalId, { rows: answerRows(3, (i) => i !== 1) })).id;
      assert.equal((await waitForRunEnd(api, evalId, runId)).status, 'completed');
      itemId = (await api.ok('GET', `/evals/${evalId}/runs/${runId}/output_items?limit=1`)).data[0].id;
      otherEvalId = (await createEval(api)).id;
      otherRunId = (await createRun(api, otherEvalId, { rows: answerRows(2, () => true) })).id;
      assert.equal((await waitForRunEnd(api, otherEvalId, otherRunId)).status, 'completed');
      otherItemId = (await api.ok('GET', `/evals/${otherEvalId}/runs/${otherRunId}/output_items?limit=1`)).data[0].id;
      nestedEvalId = (
        await createEval(api, {
          data_source_config: {
            type: 'custom',
            item_schema: {
              type: 'object',
              properties: {
                answer: { type: 'string' },
                tags: { type: 'array', items: { type: 'string' } },
                meta: { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] },
              },
              required: ['answer'],
            },
          },
        })
      ).id;
      goodFileId = (await uploadFile(api, toJsonl(answerRows(2, () => true)))).id;
      badFiles.badJson = (await uploadFile(api, '{"item":{"answer":"a"}}\n{"item":{"answer":"b"}}\n{"item": {"answer": "c"\n{"item":{"answer":"d"}}\n')).id;
      badFiles.notObject = (await uploadFile(api, '{"item":{"answer":"a"}}\n[1,2]\n')).id;
      badFiles.noItem = (await uploadFile(api, '{"item":{"answer":"a"}}\n{"sample":{"output_text":"x"}}\n')).id;
      badFiles.schema = (await uploadFile(api, toJsonl([...answerRows(3, () => true), { item: { answer: 5 } }]))).id;
      badFiles.deep = (await uploadFile(api, `{"item":{"answer":"a"}}\n{"item":{"answer":"b","deep":${deepJson(10_000)}}}\n`)).id;
      badFiles.deleted = (await uploadFile(api, toJsonl(answerRows(1, () => true)))).id;
      await api.ok('DELETE', `/files/${badFiles.deleted}`);
    });

    after(async () => {
      await server?.close();
    });

    async function dbCount(table: 'evals' | 'runs' | 'output_items' | 'files' | 'file_chunks' | 'run_rows'): Promise<number> {
      const row = await server.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    /** Everything a bad request must not change, through the API and in the tables behind it. */
    async function snapshot() {
      const fixtureEval = await api.ok('GET', `/evals/${evalId}`);
      const fixtureRun = await api.ok('GET', `/evals/${evalId}/runs/${runId}`);
      return {
        evals: await listIds(api, '/evals', { limit: 100 }),
        fixtureEval,
        runs: await listIds(api, `/evals/${evalId}/runs`, { limit: 100 }),
        nestedRuns: await listIds(api, `/evals/${nestedEvalId}/runs`, { limit: 100 }),
        fixtureRun: { status: fixtureRun.status, counts: fixtureRun.result_counts },
        items: await listIds(api, `/evals/${evalId}/runs/${runId}/output_items`, { limit: 100 }),
        files: await listIds(api, '/files'),
        tables: {
          evals: await dbCount('evals'),
          runs: await dbCount('runs'),
          output_items: await dbCount('output_items'),
          files: await dbCount('files'),
          file_chunks: await dbCount('file_chunks'),
        },
      };
    }

    /** Runs `body`, then checks that nothing changed and the server still answers. */
    async function unchanged(body: () => Promise<void>): Promise<void> {
      const before = await snapshot();
      await body();
      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 200, 'the server still answers /health');
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.deepEqual(await snapshot(), before, 'nothing was created, changed or lost');
    }

    // -------------------------------------------------------------------------------------------
    describe('JSON bodies', () => {
      const endpoints: Array<{ label: string; path: () => string }> = [
        { label: 'POST /evals', path: () => '/evals' },
        { label: 'POST /evals/{id}', path: () => `/evals/${evalId}` },
        { label: 'POST /evals/{id}/runs', path: () => `/evals/${evalId}/runs` },
      ];
      for (const ep of endpoints) {
        it(`${ep.label}: malformed JSON → 400 invalid_json`, () =>
          unchanged(async () => {
            for (const text of ['{bad', '{"name": "x",}', '{"name":', "{'name': 'x'}", '{"name": "x"} trailing', '\u0000', 'NaN', '{"a":1}{"b":2}']) {
              assertError(await api.postRaw(ep.path(), text), 400, null, { code: 'invalid_json' });
            }
          }));

        it(`${ep.label}: JSON that is not an object → 400`, () =>
          unchanged(async () => {
            for (const text of ['[]', '[{}]', '"x"', 'null', '42', 'true']) {
              assertError(await api.postRaw(ep.path(), text), 400, null, { code: 'invalid_json' });
            }
          }));

        it(`${ep.label}: empty body → 400`, () =>
          unchanged(async () => {
            assertError(await api.postRaw(ep.path(), ''), 400, null, { code: 'invalid_json' });
            assertError(await api.postRaw(ep.path(), ' \n\t '), 400, null, { code: 'invalid_json' });
            assertError(await api.request('POST', ep.path()), 400, null, { code: 'invalid_json' });
          }));

        it(`${ep.label}: JSON nested 1000 (and 100000) deep → 400`, () =>
          unchanged(async () => {
            assertError(await api.postRaw(ep.path(), `{"name":"deep","metadata":${deepJson(1000)}}`), 400, null);
            assertError(await api.postRaw(ep.path(), `{"name":"deep","metadata":{"a":${deepJson(100_000)}}}`), 400, null);
            // Objects nest as deeply as arrays.
            assertError(await api.postRaw(ep.path(), `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`), 400, null);
          }));

        it(`${ep.label}: a ${2 * MAX_BODY_MB} MB body over PROCTOR_MAX_BODY_MB → 413`, () =>
          unchanged(async () => {
            const big = Buffer.from(JSON.stringify({ name: 'x'.repeat(2 * MAX_BODY_MB * 1024 * 1024) }));
            // A connection of its own: the server may close it after refusing the body.
            const res = asApiResponse(await rawRequest(false, `${server.url}/v1${ep.path()}`, 'POST', big));
            assertError(res, 413, null);
          }));
      }

      it('cancel endpoints (no body expected) ignore or refuse a junk body, never 5xx; the run stays completed', () =>
        unchanged(async () => {
          for (const path of [`/evals/${evalId}/runs/${runId}`, `/evals/${evalId}/runs/${runId}/cancel`]) {
            for (const text of ['{bad', '[]', 'null', `{"a":${deepJson(1000)}}`]) {
              const res = await api.postRaw(path, text);
              if (res.status === 400) assertError(res, 400, null);
              else assert.equal(res.status, 200, res.text.slice(0, 300));
            }
            const big = Buffer.alloc(2 * MAX_BODY_MB * 1024 * 1024, 0x20);
            assertError(asApiResponse(await rawRequest(false, `${server.url}/v1${path}`, 'POST', big)), 413, null);
          }
        }));

      it('a run whose inline rows exceed the body limit → 413, no run', () =>
        unchanged(async () => {
          const rows = answerRows(6000, () => true, 'p'.repeat(300)); // ≈ 2 MB
          const big = Buffer.from(JSON.stringify({ data_source: { type: 'jsonl', source: { type: 'file_content', content: rows } } }));
          assert.ok(big.length > MAX_BODY_MB * 1024 * 1024);
          assertError(asApiResponse(await rawRequest(false, `${server.url}/v1/evals/${evalId}/runs`, 'POST', big)), 413, null);
        }));

      it('after a 413 the same keep-alive connection still carries the next request', async () => {
        // Clients (the openai SDK among them) reuse connections. The 413 answer says
        // `connection: keep-alive`, so the next request may go out on the same socket.
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const big = Buffer.alloc(2 * MAX_BODY_MB * 1024 * 1024, 0x20);
          const refused = await rawRequest(agent, `${server.url}/v1/evals`, 'POST', big);
          assert.equal(refused.status, 413);
          let next;
          try {
            next = await rawRequest(agent, `${server.url}/health`, 'GET');
          } catch (error) {
            assert.fail(`the request after the 413 (connection: ${String(refused.headers.connection)}) failed: ${(error as Error).message}`);
          }
          assert.equal(next.status, 200);
        } finally {
          agent.destroy();
        }
      });

      it('a body just under the limit is read (not a 413)', () =>
        unchanged(async () => {
          const text = JSON.stringify({ name: 'x'.repeat(MAX_BODY_MB * 1024 * 1024 - 1000) });
          // The name is too long for the schema: a 400 proves the body was read and parsed.
          assertError(await api.postRaw(`/evals/${evalId}`, text), 400, 'name');
        }));
    });

    // -------------------------------------------------------------------------------------------
    describe('POST /evals fields', () => {
      const dsc = { type: 'custom', item_schema: answerSchema };
      const sc = answerCriterion;
      const create = (body: Record<string, unknown>) => api.post('/evals', body);
      const cases: Array<[string, Record<string, unknown>, string | RegExp]> = [
        // wrong types
        ['name is a number', { name: 5, data_source_config: dsc, testing_criteria: [] }, 'name'],
        ['metadata is a string', { metadata: 'x', data_source_config: dsc, testing_criteria: [] }, 'metadata'],
        ['metadata is an array', { metadata: ['a'], data_source_config: dsc, testing_criteria: [] }, 'metadata'],
        ['a metadata value is a number', { metadata: { k: 5 }, data_source_config: dsc, testing_criteria: [] }, 'metadata.k'],
        ['data_source_config is a string', { data_source_config: 'custom', testing_criteria: [] }, 'data_source_config'],
        ['item_schema is a string', { data_source_config: { type: 'custom', item_schema: 'x' }, testing_criteria: [] }, 'data_source_config.item_schema'],
        ['include_sample_schema is a string', { data_source_config: { ...dsc, include_sample_schema: 'yes' }, testing_criteria: [] }, 'data_source_config.include_sample_schema'],
        ['testing_criteria is an object', { data_source_config: dsc, testing_criteria: {} }, 'testing_criteria'],
        ['a criterion is a number', { data_source_config: dsc, testing_criteria: [5] }, 'testing_criteria[0]'],
        ['a criterion name is a number', { data_source_config: dsc, testing_criteria: [{ ...sc, name: 7 }] }, 'testing_criteria[0].name'],
        ['a criterion input is an array', { data_source_config: dsc, testing_criteria: [{ ...sc, input: [] }] }, 'testing_criteria[0].input'],
        ['pass_threshold is a string', { data_source_config: dsc, testing_criteria: [{ type: 'text_similarity', name: 't', input: 'a', reference: 'b', evaluation_metric: 'bleu', pass_threshold: 'high' }] }, 'testing_criteria[0].pass_threshold'],
        // unknown enum values
        ['data_source_config.type unknown', { data_source_config: { type: 'weird', item_schema: {} }, testing_criteria: [] }, 'data_source_config.type'],
        ['criterion type unknown', { data_source_config: dsc, testing_criteria: [sc, { ...sc, type: 'regex' }] }, 'testing_criteria[1].type'],
        ['string_check operation unknown', { data_source_config: dsc, testing_criteria: [{ ...sc, operation: 'contains' }] }, 'testing_criteria[0].operation'],
        ['evaluation_metric unknown', { data_source_config: dsc, testing_criteria: [{ type: 'text_similarity', name: 't', input: 'a', reference: 'b', evaluation_metric: 'nope' }] }, 'testing_criteria[0].evaluation_metric'],
        // missing required fields
        ['empty object', {}, 'data_source_config'],
        ['no data_source_config', { testing_criteria: [] }, 'data_source_config'],
        ['no testing_criteria', { data_source_config: dsc }, 'testing_criteria'],
        ['no item_schema', { data_source_config: { type: 'custom' }, testing_criteria: [] }, 'data_source_config.item_schema'],
        ['no data_source_config.type', { data_source_config: { item_schema: {} }, testing_criteria: [] }, 'data_source_config.type'],
        ['criterion without operation', { data_source_config: dsc, testing_criteria: [{ type: 'string_check', name: 'c', input: 'a', reference: 'b' }] }, 'testing_criteria[0].operation'],
        ['criterion without name', { data_source_config: dsc, testing_criteria: [{ type: 'string_check', input: 'a', reference: 'b', operation: 'eq' }] }, 'testing_criteria[0].name'],
        ['criterion without reference', { data_source_config: dsc, testing_criteria: [{ type: 'string_check', name: 'c', input: 'a', operation: 'eq' }] }, 'testing_criteria[0].reference'],
        ['criterion without type', { data_source_config: dsc, testing_criteria: [{ name: 'c', input: 'a', reference: 'b', operation: 'eq' }] }, 'testing_criteria[0].type'],
        // over-long strings, too many keys
        ['name of 513 characters', { name: 'n'.repeat(513), data_source_config: dsc, testing_criteria: [] }, 'name'],
        ['17 metadata keys', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])), data_source_config: dsc, testing_criteria: [] }, 'metadata'],
        ['a metadata key of 65 characters', { metadata: { ['k'.repeat(65)]: 'v' }, data_source_config: dsc, testing_criteria: [] }, /^metadata/],
        ['a metadata value of 513 characters', { metadata: { k: 'v'.repeat(513) }, data_source_config: dsc, testing_criteria: [] }, 'metadata.k'],
        ['a criterion name of 257 characters', { data_source_config: dsc, testing_criteria: [{ ...sc, name: 'c'.repeat(257) }] }, 'testing_criteria[0].name'],
        ['a criterion input of 65537 characters', { data_source_config: dsc, testing_criteria: [{ ...sc, input: 'x'.repeat(65_537) }] }, 'testing_criteria[0].input'],
        ['65 criteria', { data_source_config: dsc, testing_criteria: Array.from({ length: 65 }, () => sc) }, 'testing_criteria'],
        // inconsistent grader configs
        ['passing_labels not among labels', { data_source_config: dsc, testing_criteria: [{ type: 'label_model', name: 'l', model: 'm', input: [{ role: 'user', content: 'x' }], labels: ['a'], passing_labels: ['b'] }] }, 'testing_criteria[0].passing_labels'],
        ['score_model range reversed', { data_source_config: dsc, testing_criteria: [{ type: 'score_model', name: 's', model: 'm', input: [{ role: 'user', content: 'x' }], range: [1, 0] }] }, 'testing_criteria[0].range'],
        ['label_model with an unknown role', { data_source_config: dsc, testing_criteria: [{ type: 'label_model', name: 'l', model: 'm', input: [{ role: 'robot', content: 'x' }], labels: ['a'], passing_labels: ['a'] }] }, 'testing_criteria[0].input[0].role'],
      ];
      for (const [label, body, param] of cases) {
        it(`${label} → 400 naming ${String(param)}`, () => unchanged(async () => assertError(await create(body), 400, param)));
      }

      const badSchemas: Array<[string, Record<string, unknown>]> = [
        ['an unknown type', { type: 'nope' }],
        ['required not an array', { type: 'object', required: 'answer' }],
        ['properties not an object', { type: 'object', properties: 5 }],
        ['a negative minLength', { type: 'string', minLength: -1 }],
        ['an invalid regex pattern', { type: 'object', properties: { a: { type: 'string', pattern: '(' } } }],
        ['a $ref that resolves nowhere', { $ref: '#/definitions/nope' }],
        ['a remote $ref', { $ref: 'https://example.com/schema.json' }],
        ['a nested type that is a number', { type: 'object', properties: { a: { type: 5 } } }],
      ];
      for (const [label, itemSchema] of badSchemas) {
        it(`item_schema with ${label} → 400 naming data_source_config.item_schema`, () =>
          unchanged(async () => assertError(await create({ data_source_config: { type: 'custom', item_schema: itemSchema }, testing_criteria: [] }), 400, 'data_source_config.item_schema')));
      }
    });

    // -------------------------------------------------------------------------------------------
    describe('POST /evals/{eval_id} fields', () => {
      const cases: Array<[string, Record<string, unknown>, string | RegExp]> = [
        ['name is a number', { name: 5 }, 'name'],
        ['name is null', { name: null }, 'name'],
        ['name of 513 characters', { name: 'n'.repeat(513) }, 'name'],
        ['metadata is an array', { metadata: [] }, 'metadata'],
        ['metadata is a string', { metadata: 'x' }, 'metadata'],
        ['a metadata value is a number', { metadata: { k: 1 } }, 'metadata.k'],
        ['17 metadata keys', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
        ['a metadata value of 513 characters', { metadata: { k: 'v'.repeat(513) } }, 'metadata.k'],
      ];
      for (const [label, body, param] of cases) {
        // `unchanged` includes the eval itself: a refused update leaves name and metadata as they were.
        it(`${label} → 400 naming ${String(param)}, eval unchanged`, () => unchanged(async () => assertError(await api.post(`/evals/${evalId}`, body), 400, param)));
      }
      it('a valid update of an unknown eval → 404 eval_id', () =>
        unchanged(async () => assertError(await api.post(`/evals/${UNKNOWN.eval}`, { name: 'x' }), 404, 'eval_id')));
    });

    // -------------------------------------------------------------------------------------------
    describe('POST /evals/{eval_id}/runs fields', () => {
      const inline = (content: unknown) => ({ data_source: { type: 'jsonl', source: { type: 'file_content', content } } });
      const ok = answerRows(3, () => true);
      const cases: Array<[string, Record<string, unknown>, string | RegExp]> = [
        // wrong types
        ['data_source is a string', { data_source: 'jsonl' }, 'data_source'],
        ['content is a string', inline('x'), 'data_source.source.content'],
        ['a row is a number', inline([ok[0], 5]), 'data_source.source.content[1]'],
        ['a row item is a string', inline([{ item: 'x' }]), 'data_source.source.content[0].item'],
        ['a row item is an array', inline([{ item: [1] }]), 'data_source.source.content[0].item'],
        ['a row sample is a number', inline([{ item: { answer: 'a' }, sample: 5 }]), 'data_source.source.content[0].sample'],
        ['a file id is a number', { data_source: { type: 'jsonl', source: { type: 'file_id', id: 5 } } }, 'data_source.source.id'],
        ['name is a number', { ...inline(ok), name: 5 }, 'name'],
        ['metadata is a string', { ...inline(ok), metadata: 'x' }, 'metadata'],
        // unknown enum values
        ['data_source.type unknown', { data_source: { type: 'csv', source: { type: 'file_content', content: [] } } }, 'data_source.type'],
        ['source.type unknown', { data_source: { type: 'jsonl', source: { type: 'url', url: 'http://x' } } }, 'data_source.source.type'],
        // missing
        ['empty object', {}, 'data_source'],
        ['no source', { data_source: { type: 'jsonl' } }, 'data_source.source'],
        ['no data_source.type', { data_source: { source: { type: 'file_content', content: [] } } }, 'data_source.type'],
        ['a row without item', inline([ok[0], { sample: { output_text: 'x' } }]), 'data_source.source.content[1].item'],
        ['file_id without id', { data_source: { type: 'jsonl', source: { type: 'file_id' } } }, 'data_source.source.id'],
        // over-long, too many keys
        ['name of 513 characters', { ...inline(ok), name: 'n'.repeat(513) }, 'name'],
        ['17 metadata keys', { ...inline(ok), metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
        // rows that violate the eval's item_schema: the param names row and field
        ['row 2 has a number answer', inline([...ok.slice(0, 2), { item: { answer: 42 } }, ok[2]]), 'data_source.source.content[2].item.answer'],
        ['row 1 lacks the required answer', inline([ok[0], { item: { other: 'x' } }]), 'data_source.source.content[1].item.answer'],
        ['row 0 is an empty item', inline([{ item: {} }]), 'data_source.source.content[0].item.answer'],
      ];
      for (const [label, body, param] of cases) {
        it(`${label} → 400 naming ${String(param)}`, () => unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, body), 400, param)));
      }

      it('schema violations deep inside a row name the nested field', () =>
        unchanged(async () => {
          const res1 = await api.post(`/evals/${nestedEvalId}/runs`, inline([{ item: { answer: 'a', tags: ['x'] } }, { item: { answer: 'b', tags: ['x', 7] } }]));
          assertError(res1, 400, 'data_source.source.content[1].item.tags[1]');
          const res2 = await api.post(`/evals/${nestedEvalId}/runs`, inline([{ item: { answer: 'a', meta: {} } }]));
          assertError(res2, 400, 'data_source.source.content[0].item.meta.score');
          const res3 = await api.post(`/evals/${nestedEvalId}/runs`, inline([{ item: { answer: 'a', meta: { score: 'high' } } }]));
          assertError(res3, 400, 'data_source.source.content[0].item.meta.score');
        }));

      it('the error message names the offending row', () =>
        unchanged(async () => {
          const res = await api.post(`/evals/${evalId}/runs`, inline([...ok, { item: { answer: 42 } }]));
          assertError(res, 400, 'data_source.source.content[3].item.answer', { message: /\b3\b/ });
        }));

      it('a run on an unknown eval → 404 eval_id', () =>
        unchanged(async () => assertError(await api.post(`/evals/${UNKNOWN.eval}/runs`, inline(ok)), 404, 'eval_id')));

      it('file_id of an unknown file → 400 data_source.source.id', () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_id', id: UNKNOWN.file } } }), 400, 'data_source.source.id')));

      it('file_id of a deleted file → 400 data_source.source.id', () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_id', id: badFiles.deleted } } }), 400, 'data_source.source.id')));

      const fromFile = (id: string) => ({ data_source: { type: 'jsonl', source: { type: 'file_id', id } } });
      it('a file with an invalid JSON line → 400 naming line 3', () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, fromFile(badFiles.badJson)), 400, 'data_source.source.id', { message: /line 3\b/ })));

      it('a file with a line that is not an object → 400 naming line 2', () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, fromFile(badFiles.notObject)), 400, 'data_source.source.id', { message: /line 2\b/ })));

      it('a file with a line without item → 400 naming line 2', () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, fromFile(badFiles.noItem)), 400, 'data_source.source.id', { message: /line 2\b/ })));

      it("a file whose line 4 violates the eval's item_schema → 400 naming line 4", () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, fromFile(badFiles.schema)), 400, 'data_source.source.id', { message: /line 4\b/ })));

      it('a file whose line 2 nests 10000 deep → 400 naming line 2 (JSON depth is bounded)', () =>
        unchanged(async () => assertError(await api.post(`/evals/${evalId}/runs`, fromFile(badFiles.deep)), 400, 'data_source.source.id', { message: /line 2\b/ })));

      it('a file uploaded by nobody else still works (control)', async () => {
        const run = await createRun(api, otherEvalId, { fileId: goodFileId });
        assert.equal((await waitForRunEnd(api, otherEvalId, run.id)).result_counts.total, 2);
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('ids in paths', () => {
      type Target = { label: string; method: string; path: (bad: string) => string; param: string; json?: unknown };
      const targets: Target[] = [
        { label: 'GET eval', method: 'GET', path: (b) => `/evals/${b}`, param: 'eval_id' },
        { label: 'update eval', method: 'POST', path: (b) => `/evals/${b}`, param: 'eval_id', json: { name: 'x' } },
        { label: 'DELETE eval', method: 'DELETE', path: (b) => `/evals/${b}`, param: 'eval_id' },
        { label: 'list runs', method: 'GET', path: (b) => `/evals/${b}/runs`, param: 'eval_id' },
        { label: 'create run', method: 'POST', path: (b) => `/evals/${b}/runs`, param: 'eval_id', json: { data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } } } },
        { label: 'GET run', method: 'GET', path: (b) => `/evals/${evalId}/runs/${b}`, param: 'run_id' },
        { label: 'GET run (unknown eval)', method: 'GET', path: (b) => `/evals/${b}/runs/${runId}`, param: 'eval_id' },
        { label: 'cancel run', method: 'POST', path: (b) => `/evals/${evalId}/runs/${b}`, param: 'run_id' },
        { label: 'cancel run /cancel', method: 'POST', path: (b) => `/evals/${evalId}/runs/${b}/cancel`, param: 'run_id' },
        { label: 'DELETE run', method: 'DELETE', path: (b) => `/evals/${evalId}/runs/${b}`, param: 'run_id' },
        { label: 'list output items', method: 'GET', path: (b) => `/evals/${evalId}/runs/${b}/output_items`, param: 'run_id' },
        { label: 'GET output item', method: 'GET', path: (b) => `/evals/${evalId}/runs/${runId}/output_items/${b}`, param: 'output_item_id' },
        { label: 'GET file', method: 'GET', path: (b) => `/files/${b}`, param: 'file_id' },
        { label: 'DELETE file', method: 'DELETE', path: (b) => `/files/${b}`, param: 'file_id' },
        { label: 'GET file content', method: 'GET', path: (b) => `/files/${b}/content`, param: 'file_id' },
      ];
      const unknownFor = (param: string) =>
        param === 'eval_id' ? UNKNOWN.eval : param === 'run_id' ? UNKNOWN.run : param === 'output_item_id' ? UNKNOWN.item : UNKNOWN.file;

      for (const t of targets) {
        it(`${t.label}: unknown id → 404 naming ${t.param}`, () =>
          unchanged(async () => {
            const res = await api.request(t.method, t.path(unknownFor(t.param)), t.json === undefined ? {} : { json: t.json });
            assertError(res, 404, t.param);
          }));

        it(`${t.label}: garbage ids (%00, 5000 characters, bad escapes…) → 404, never 5xx`, () =>
          unchanged(async () => {
            for (const bad of GARBAGE_IDS) {
              const res = await api.request(t.method, t.path(bad), t.json === undefined ? {} : { json: t.json });
              assertError(res, 404, t.param);
            }
          }));
      }

      it("another eval's run, another run's output item → 404", () =>
        unchanged(async () => {
          assertError(await api.get(`/evals/${evalId}/runs/${otherRunId}`), 404, 'run_id');
          assertError(await api.post(`/evals/${evalId}/runs/${otherRunId}/cancel`), 404, 'run_id');
          assertError(await api.delete(`/evals/${evalId}/runs/${otherRunId}`), 404, 'run_id');
          assertError(await api.get(`/evals/${evalId}/runs/${otherRunId}/output_items`), 404, 'run_id');
          assertError(await api.get(`/evals/${evalId}/runs/${runId}/output_items/${otherItemId}`), 404, 'output_item_id');
          assertError(await api.get(`/evals/${otherEvalId}/runs/${runId}/output_items/${itemId}`), 404, 'run_id');
          // An id of the wrong kind in a slot.
          assertError(await api.get(`/evals/${runId}`), 404, 'eval_id');
          assertError(await api.get(`/files/${evalId}`), 404, 'file_id');
        }));

      it('unknown URLs → 404 with the error body', () =>
        unchanged(async () => {
          assertError(await api.get('/nope'), 404, null);
          assertError(await api.get(`/evals/${evalId}/runs/${runId}/output_items/${itemId}/more`), 404, null);
          const put = await api.request('PUT', '/evals', { json: {} });
          assert.ok(put.status === 404 || put.status === 405, `PUT /evals: ${put.status}`);
          assertError(put, put.status, null);
        }));
    });

    // -------------------------------------------------------------------------------------------
    describe('query strings', () => {
      type ListTarget = { label: string; path: () => string; maxLimit: number; extra: Array<[string, string]> };
      const lists: ListTarget[] = [
        { label: 'evals', path: () => '/evals', maxLimit: 100, extra: [['order_by', 'nope'], ['order_by', 'name']] },
        { label: 'runs', path: () => `/evals/${evalId}/runs`, maxLimit: 100, extra: [['status', 'bogus'], ['status', 'pass'], ['status', 'COMPLETED']] },
        { label: 'output items', path: () => `/evals/${evalId}/runs/${runId}/output_items`, maxLimit: 100, extra: [['status', 'bogus'], ['status', 'completed'], ['status', 'errored']] },
        { label: 'files', path: () => '/files', maxLimit: 10_000, extra: [] },
      ];
      for (const l of lists) {
        const bad: Array<[string, string]> = [
          ['limit', '0'],
          ['limit', String(l.maxLimit + 1)],
          ['limit', 'abc'],
          ['limit', '-1'],
          ['limit', '1.5'],
          ['limit', ''],
          ['limit', '99999999999999999999999'],
          ['order', 'sideways'],
          ['order', ''],
          ['after', ''],
          ...l.extra,
        ];
        for (const [key, value] of bad) {
          it(`${l.label}: ${key}=${value.length > 24 ? `${value.slice(0, 24)}…` : value} → 400 naming ${key}`, () =>
            unchanged(async () => assertError(await api.get(`${l.path()}?${new URLSearchParams([[key, value]]).toString()}`), 400, key)));
        }
        it(`${l.label}: after=<unknown id> → 400 naming after`, () =>
          unchanged(async () => {
            const unknown = l.label === 'evals' ? UNKNOWN.eval : l.label === 'runs' ? UNKNOWN.run : l.label === 'output items' ? UNKNOWN.item : UNKNOWN.file;
            assertError(await api.get(`${l.path()}?after=${unknown}`), 400, 'after');
          }));
        it(`${l.label}: after containing U+0000 → 400 naming after`, () =>
          unchanged(async () => assertError(await api.get(`${l.path()}?after=a%00b`), 400, 'after')));
        it(`${l.label}: the limits themselves are accepted`, async () => {
          assert.equal((await api.get(`${l.path()}?limit=1`)).status, 200);
          assert.equal((await api.get(`${l.path()}?limit=${l.maxLimit}&order=desc`)).status, 200);
        });
      }

      it('after=<id of another eval\'s run> on a runs list → 400', () =>
        unchanged(async () => assertError(await api.get(`/evals/${evalId}/runs?after=${otherRunId}`), 400, 'after')));

      it('after=<id of another run\'s output item> → 400', () =>
        unchanged(async () => assertError(await api.get(`/evals/${evalId}/runs/${runId}/output_items?after=${otherItemId}`), 400, 'after')));
    });

    // -------------------------------------------------------------------------------------------
    describe('POST /files', () => {
      const row = '{"item":{"answer":"a"}}\n';
      const form = (parts: Array<[string, string] | [string, Blob, string]>) => {
        const f = new FormData();
        for (const p of parts) {
          if (p.length === 3) f.append(p[0], p[1], p[2]);
          else f.append(p[0], p[1]);
        }
        return f;
      };
      const upload = (body: RequestBody, headers: Record<string, string> = {}) => api.request('POST', '/files', { body, headers });

      it('without a file part → 400 naming file', () =>
        unchanged(async () => assertError(await upload(form([['purpose', 'evals']])), 400, 'file')));

      it('with file as a plain text field (no file part) → 400 naming file', () =>
        unchanged(async () => assertError(await upload(form([['purpose', 'evals'], ['file', row]])), 400, 'file')));

      it('without purpose → 400 naming purpose', () =>
        unchanged(async () => assertError(await upload(form([['file', new Blob([row]), 'a.jsonl']])), 400, 'purpose')));

      it('with purpose after the file part, but empty → 400 naming purpose', () =>
        unchanged(async () => assertError(await upload(form([['file', new Blob([row]), 'a.jsonl'], ['purpose', '']])), 400, 'purpose')));

      for (const purpose of ['nope', 'EVALS', 'evals ', 'fine_tune']) {
        it(`with purpose '${purpose}' → 400 naming purpose`, () =>
          unchanged(async () => assertError(await upload(form([['purpose', purpose], ['file', new Blob([row]), 'a.jsonl']])), 400, 'purpose')));
      }

      it('a JSON body instead of multipart → 400', () =>
        unchanged(async () => {
          const res = await api.postRaw('/files', JSON.stringify({ purpose: 'evals', file: row }));
          assertError(res, 400, 'file');
        }));

      it('a urlencoded body → 400', () =>
        unchanged(async () => assertError(await upload('purpose=evals&file=x', { 'content-type': 'application/x-www-form-urlencoded' }), 400, 'file')));

      it('no body at all → 400', () =>
        unchanged(async () => assertError(await api.request('POST', '/files'), 400, 'file')));

      it('multipart without a boundary → 400', () =>
        unchanged(async () => assertError(await upload('garbage', { 'content-type': 'multipart/form-data' }), 400, 'file')));

      // A truncated multipart body is tried against a real server process below: in-process it
      // raises an uncaught exception inside the test runner.

      const expiry: Array<[string, Array<[string, string]>, RegExp]> = [
        ['anchor not created_at', [['expires_after[anchor]', 'last_active_at'], ['expires_after[seconds]', '3600']], /^expires_after/],
        ['seconds below 3600', [['expires_after[anchor]', 'created_at'], ['expires_after[seconds]', '10']], /^expires_after/],
        ['seconds above 30 days', [['expires_after[anchor]', 'created_at'], ['expires_after[seconds]', '2592001']], /^expires_after/],
        ['seconds not a number', [['expires_after[anchor]', 'created_at'], ['expires_after[seconds]', 'soon']], /^expires_after/],
        ['seconds missing', [['expires_after[anchor]', 'created_at']], /^expires_after/],
        ['anchor missing', [['expires_after[seconds]', '3600']], /^expires_after/],
      ];
      for (const [label, fields, param] of expiry) {
        it(`expires_after with ${label} → 400`, () =>
          unchanged(async () => assertError(await upload(form([['purpose', 'evals'], ...fields, ['file', new Blob([row]), 'a.jsonl']])), 400, param)));
      }

      it('a file bigger than PROCTOR_MAX_BODY_MB is still accepted (files have their own limit)', async () => {
        const content = toJsonl(answerRows(5000, () => true, 'p'.repeat(300)));
        assert.ok(content.length > MAX_BODY_MB * 1024 * 1024);
        const file = await uploadFile(api, content);
        assert.equal(file.bytes, Buffer.byteLength(content));
        await api.ok('DELETE', `/files/${file.id}`);
      });

      it('a deleted file is gone: get, content and delete again → 404', () =>
        unchanged(async () => {
          assertError(await api.get(`/files/${badFiles.deleted}`), 404, 'file_id');
          assertError(await api.get(`/files/${badFiles.deleted}/content`), 404, 'file_id');
          assertError(await api.delete(`/files/${badFiles.deleted}`), 404, 'file_id');
        }));
    });

    // -------------------------------------------------------------------------------------------
    describe('Azure paths', () => {
      const azure = () => new ApiClient(server.url, '/openai/v1', { 'aoai-evals': 'preview' });
      it('malformed JSON → 400 in the Azure error shape', () =>
        unchanged(async () => assertError(await azure().postRaw('/evals', '{bad'), 400, null, { dialect: 'azure', code: 'invalid_json' })));

      it('missing or unsupported api-version on /openai/... → 400 naming api-version', () =>
        unchanged(async () => {
          const dated = new ApiClient(server.url, '/openai', { 'aoai-evals': 'preview' });
          assertError(await dated.get('/evals'), 400, 'api-version', { dialect: 'azure' });
          assertError(await dated.get('/evals?api-version=bogus'), 400, 'api-version', { dialect: 'azure' });
          assertError(await dated.get('/evals?api-version=2025-13'), 400, 'api-version', { dialect: 'azure' });
        }));

      it('an api-version Azure does not document (1999-01-01, a dated version without -preview, latest, V1…) → Azure\'s 400 listing the supported ones; those work', () =>
        unchanged(async () => {
          const supported = ['v1', 'preview', '2025-04-01-preview'];
          for (const prefix of ['/openai', '/openai/v1']) {
            const client = new ApiClient(server.url, prefix, { 'aoai-evals': 'preview' });
            for (const version of ['1999-01-01', '2025-04-01', '2024-10-21', '2099-12-31-preview', 'latest', 'V1', 'PREVIEW', '%20v1', 'v1%20', 'v2', '2025-04-01-preview%00', '%E2%98%83']) {
              for (const path of ['/evals', `/evals/${evalId}`, '/files', '/chat/completions']) {
                const res = await client.get(`${path}?api-version=${version}`);
                assertError(res, 400, 'api-version', { dialect: 'azure', code: 'unsupported_api_version', message: /supported api-versions are: v1, preview, 2025-04-01-preview/ });
              }
            }
            for (const version of supported) assert.equal((await client.ok('GET', `/evals/${evalId}?api-version=${version}`)).id, evalId, `${prefix} ${version}`);
          }
          assert.equal((await azure().ok('GET', `/evals/${evalId}`)).id, evalId, '/openai/v1 without api-version');
        }));

      it('missing aoai-evals header → 400 naming aoai-evals', () =>
        unchanged(async () => assertError(await new ApiClient(server.url, '/openai/v1').get('/evals'), 400, 'aoai-evals', { dialect: 'azure' })));

      it('unknown ids and bad fields → Azure-shaped 404 / 400', () =>
        unchanged(async () => {
          assertError(await azure().get(`/evals/${UNKNOWN.eval}`), 404, 'eval_id', { dialect: 'azure' });
          assertError(await azure().get('/evals/%00'), 404, 'eval_id', { dialect: 'azure' });
          assertError(await azure().post('/evals', { data_source_config: { type: 'custom', item_schema: {} }, testing_criteria: [{ ...answerCriterion, operation: 'zz' }] }), 400, 'testing_criteria[0].operation', { dialect: 'azure' });
          assertError(await azure().get('/evals?limit=0'), 400, 'limit', { dialect: 'azure' });
        }));
    });

    // -------------------------------------------------------------------------------------------
    describe('U+0000 in strings (PostgreSQL text cannot hold it)', () => {
      /** Either stored and echoed exactly, or a 400 naming the field — never a 5xx. */
      function storedOrRefused(res: ApiResponse, okStatus: number, param: string, echoed: () => void): void {
        if (res.status === 400) assertError(res, 400, param);
        else {
          assert.equal(res.status, okStatus, res.text.slice(0, 300));
          echoed();
        }
      }

      it('an eval name with U+0000', async () => {
        const res = await api.post('/evals', { name: 'a\u0000b', data_source_config: { type: 'custom', item_schema: answerSchema }, testing_criteria: [] });
        storedOrRefused(res, 201, 'name', () => assert.equal(res.body.name, 'a\u0000b'));
      });

      it('an eval update with a U+0000 name', async () => {
        const ev = await createEval(api);
        const res = await api.post(`/evals/${ev.id}`, { name: 'x\u0000' });
        storedOrRefused(res, 200, 'name', () => assert.equal(res.body.name, 'x\u0000'));
      });

      it('a run name with U+0000', async () => {
        const res = await api.post(`/evals/${otherEvalId}/runs`, { name: 'r\u0000', data_source: { type: 'jsonl', source: { type: 'file_content', content: [] } } });
        storedOrRefused(res, 201, 'name', () => assert.equal(res.body.name, 'r\u0000'));
      });

      it('a files list filtered by a purpose with U+0000', () =>
        unchanged(async () => {
          const res = await api.get('/files?purpose=evals%00');
          storedOrRefused(res, 200, 'purpose', () => assert.deepEqual(res.body.data, []));
        }));

      it('a testing criterion named with U+0000: refused, or its runs complete', async () => {
        const res = await api.post('/evals', { data_source_config: { type: 'custom', item_schema: answerSchema }, testing_criteria: [{ ...answerCriterion, name: 'c\u0000' }] });
        if (res.status === 400) {
          assertError(res, 400, 'testing_criteria[0].name');
          return;
        }
        assert.equal(res.status, 201, res.text.slice(0, 300));
        const run = await createRun(api, res.body.id, { rows: answerRows(4, (i) => i < 3) });
        const done = await waitForRunEnd(api, res.body.id, run.id, 10_000);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: 4, errored: 0, failed: 1, passed: 3 });
      });

      it('rows with U+0000 in keys and values run and echo exactly', async () => {
        const ev = await createEval(api, { testing_criteria: [stringCheck('nul', '{{ item.answer }}', 'a\u0000', 'eq')] });
        const rows = [{ item: { answer: 'a\u0000', 'k\u0000': 'v\u0000' } }, { item: { answer: 'b' } }];
        const run = await createRun(api, ev.id, { rows });
        const done = await waitForRunEnd(api, ev.id, run.id, 15_000);
        assert.deepEqual(done.result_counts, { total: 2, errored: 0, failed: 1, passed: 1 });
        const items = await api.ok('GET', `/evals/${ev.id}/runs/${run.id}/output_items`);
        assert.deepEqual(items.data[0].datasource_item, rows[0]?.item);
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('strings PostgreSQL cannot hold (U+0000, lone surrogates), generated over every field', () => {
      /**
       * Valid bodies of every endpoint that stores what it is sent. Each string value and each
       * object key of each body is poisoned in turn; every answer must be a 2xx that stored the
       * text exactly (no silent U+FFFD) or a 400 naming the field — and everything accepted must
       * stay readable and runnable afterwards.
       */
      const POISONS = ['\u0000', '\ud800', '\udc00'];
      const RUN_ROW = { item: { answer: 'a' }, sample: { output_text: 'a' } };
      const bodies = (): Array<{ label: string; path: string; body: Record<string, unknown>; creates: 'eval' | 'run' | 'none' }> => [
        {
          label: 'create eval (custom)',
          path: '/evals',
          creates: 'eval',
          body: { name: 'n', metadata: { team: 'a' }, data_source_config: { type: 'custom', item_schema: answerSchema, include_sample_schema: false }, testing_criteria: [answerCriterion] },
        },
        {
          label: 'create eval (logs)',
          path: '/evals',
          creates: 'eval',
          body: { name: 'n', metadata: { team: 'a' }, data_source_config: { type: 'logs', metadata: { use_case: 'support' } }, testing_criteria: [stringCheck('c', '{{ sample.output_text }}', 'x', 'like')] },
        },
        {
          label: 'create eval (stored_completions)',
          path: '/evals',
          creates: 'eval',
          body: { data_source_config: { type: 'stored_completions', metadata: { use_case: 'support' } }, testing_criteria: [{ type: 'text_similarity', name: 't', input: '{{ sample.output_text }}', reference: 'x', evaluation_metric: 'bleu', pass_threshold: 0.5 }] },
        },
        { label: 'update eval', path: `/evals/${otherEvalId}`, creates: 'none', body: { name: 'renamed', metadata: { team: 'b' } } },
        {
          label: 'create run (jsonl, inline rows)',
          path: `/evals/${otherEvalId}/runs`,
          creates: 'run',
          body: { name: 'r', metadata: { k: 'v' }, data_source: { type: 'jsonl', source: { type: 'file_content', content: [RUN_ROW] } } },
        },
        { label: 'create run (jsonl, file_id)', path: `/evals/${otherEvalId}/runs`, creates: 'run', body: { data_source: { type: 'jsonl', source: { type: 'file_id', id: goodFileId } } } },
        {
          label: 'create run (stored_completions source)',
          path: `/evals/${otherEvalId}/runs`,
          creates: 'run',
          body: { data_source: { type: 'completions', source: { type: 'stored_completions', metadata: { use_case: 'support' }, model: 'gpt-4o-mini', limit: 5 } } },
        },
        { label: 'graders run', path: '/fine_tuning/alpha/graders/run', creates: 'none', body: { grader: stringCheck('g', '{{ sample.output_text }}', '{{ item.answer }}'), item: { answer: 'a' }, model_sample: 'a' } },
        { label: 'graders validate', path: '/fine_tuning/alpha/graders/validate', creates: 'none', body: { grader: stringCheck('g', '{{ sample.output_text }}', '{{ item.answer }}') } },
      ];

      type Segment = string | number;
      const paramOf = (path: readonly Segment[]) => path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out === '' ? seg : `${out}.${seg}`), '');

      /** Every body with one string value or one key changed to carry `poison`. */
      function* poisoned(root: unknown, poison: string): Generator<{ at: Segment[]; body: unknown }> {
        function* walk(value: unknown, at: Segment[]): Generator<{ at: Segment[]; replace: (v: unknown) => unknown }> {
          if (typeof value === 'string') {
            yield { at, replace: () => `${value}${poison}` };
          } else if (Array.isArray(value)) {
            for (const [i, child] of value.entries()) {
              for (const inner of walk(child, [...at, i])) yield { at: inner.at, replace: (v) => value.map((c, j) => (j === i ? inner.replace(v) : c)) };
            }
          } else if (value !== null && typeof value === 'object') {
            const entries = Object.entries(value);
            for (const [k, child] of entries) {
              yield { at: [...at, `${k}${poison}`], replace: () => Object.fromEntries(entries.map(([key, c]) => [key === k ? `${k}${poison}` : key, c])) };
              for (const inner of walk(child, [...at, k])) yield { at: inner.at, replace: (v) => Object.fromEntries(entries.map(([key, c]) => [key, key === k ? inner.replace(v) : c])) };
            }
          }
        }
        for (const { at, replace } of walk(root, [])) yield { at, body: replace(undefined) };
      }

      it('every field of every storing endpoint: 2xx stored exactly, or 400 naming the field; never 5xx; all of it stays readable and runnable', async (t) => {
        const tally = { requests: 0, accepted: 0, refused: 0 };
        const evals: string[] = [];
        const runs: Array<[string, string]> = [];
        for (const { label, path, body, creates } of bodies()) {
          for (const poison of POISONS) {
            for (const { at, body: sent } of poisoned(body, poison)) {
              const res = await api.post(path, sent);
              tally.requests++;
              const where = `${label}, ${JSON.stringify(paramOf(at))} + ${JSON.stringify(poison)}: ${res.status} ${res.text.slice(0, 300)}`;
              if (res.status === 400) {
                tally.refused++;
                assert.equal(typeof res.body?.error?.param, 'string', `a 400 names the field — ${where}`);
                assert.ok(paramOf(at).startsWith(res.body.error.param), `the 400 names the poisoned field — ${where}`);
                continue;
              }
              assert.ok(res.status === 200 || res.status === 201, where);
              assert.equal(poison, '\u0000', `a lone surrogate is never accepted (no column can hold it) — ${where}`);
              assert.ok(!res.text.includes('\\ufffd') && !res.text.includes('\ufffd'), `accepted text is stored exactly, not replaced — ${where}`);
              tally.accepted++;
              if (creates === 'eval') evals.push(res.body.id);
              if (creates === 'run') runs.push([res.body.eval_id, res.body.id]);
            }
          }
        }
        // Everything accepted reads back and runs: a stored object never breaks a later request.
        for (const id of evals) {
          const ev = await api.ok('GET', `/evals/${id}`);
          const dataSource = ev.data_source_config.type === 'custom'
            ? { type: 'jsonl', source: { type: 'file_content', content: [] } }
            : { type: 'completions', source: { type: 'stored_completions' } };
          const run = await api.ok('POST', `/evals/${id}/runs`, { json: { data_source: dataSource } }, 201);
          runs.push([id, run.id]);
        }
        for (const [ev, run] of runs) {
          const done = await waitForRunEnd(api, ev, run, 30_000);
          assert.equal(done.status, 'completed', `${ev}/${run}: ${JSON.stringify(done.error)}`);
          await api.ok('GET', `/evals/${ev}/runs/${run}/output_items`);
        }
        await listAll(api, '/evals', { limit: 100 });
        await listAll(api, '/evals', { limit: 7, query: { order_by: 'updated_at' } });
        await listAll(api, `/evals/${otherEvalId}/runs`, { limit: 100 });
        t.diagnostic(`poisoned requests: ${JSON.stringify(tally)}; runs checked: ${runs.length}`);
        assert.ok(tally.requests > 300, JSON.stringify(tally));
        assert.ok(tally.accepted > 0 && tally.refused > 0, JSON.stringify(tally));
      });

      it('list filters and cursors with U+0000 (query strings) → 200 or 400 naming the parameter', async () => {
        const targets = ['/evals', `/evals/${evalId}/runs`, `/evals/${evalId}/runs/${runId}/output_items`, '/files', '/chat/completions'];
        for (const target of targets) {
          for (const query of ['after=x%00', `after=${evalId}%00`, 'purpose=evals%00', 'model=m%00', 'metadata[k]=v%00', 'metadata[k%00]=v', 'order=asc%00', 'limit=1%00', 'status=completed%00']) {
            const res = await api.get(`${target}?${query}`);
            if (res.status === 400) assert.equal(typeof res.body.error.param, 'string', `${target}?${query}: ${res.text}`);
            else assert.equal(res.status, 200, `${target}?${query}: ${res.text.slice(0, 300)}`);
          }
        }
      });

      it('an uploaded JSONL row with a "\\u0000" escape runs and echoes exactly; a lone-surrogate escape is a 400 naming the line', async () => {
        const ev = await createEval(api, { testing_criteria: [stringCheck('nul', '{{ item.answer }}', 'a\u0000', 'eq')] });
        const nulFile = await uploadFile(api, '{"item":{"answer":"a\\u0000"}}\n{"item":{"answer":"b"}}\n');
        const run = await createRun(api, ev.id, { fileId: nulFile.id });
        const done = await waitForRunEnd(api, ev.id, run.id, 30_000);
        assert.deepEqual(done.result_counts, { total: 2, errored: 0, failed: 1, passed: 1 });
        const items = await api.ok('GET', `/evals/${ev.id}/runs/${run.id}/output_items`);
        assert.deepEqual(items.data.map((i: { datasource_item: unknown }) => i.datasource_item), [{ answer: 'a\u0000' }, { answer: 'b' }]);

        const surrogateFile = await uploadFile(api, '{"item":{"answer":"a"}}\n{"item":{"answer":"b","x\\ud800":"c"}}\n{"item":{"answer":"\\udfff"}}\n');
        await unchanged(async () => {
          const res = await api.post(`/evals/${evalId}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_id', id: surrogateFile.id } } });
          assertError(res, 400, 'data_source.source.id', { message: /line 2\b.*Unicode/ });
        });
      });

      it('an upload filename is stored without U+0000 and cut at 512 characters without halving a surrogate pair', async () => {
        const long = await uploadFile(api, toJsonl(answerRows(1, () => true)), { filename: `${'x'.repeat(511)}😀tail.jsonl` });
        assert.equal(long.filename, 'x'.repeat(511));
        // A NUL inside the part header is a malformed multipart body to the parser: a 400, never stored.
        const form = new FormData();
        form.append('purpose', 'evals');
        form.append('file', new Blob([toJsonl(answerRows(1, () => true))]), 'a\u0000b.jsonl');
        // Sent as one framed buffer: the server answers 400 as soon as it refuses the part header,
        // and a client still streaming its FormData may then see EPIPE from Node 24's fetch instead
        // of that answer (open: docs/architecture.md §5 asks for no resets; see the closing note).
        const framed = new Response(form);
        const nul = await api.request('POST', '/files', {
          body: Buffer.from(await framed.arrayBuffer()),
          headers: { 'content-type': framed.headers.get('content-type') ?? '' },
        });
        if (nul.status === 400) assertError(nul, 400, 'file');
        else assert.equal(nul.body.filename, 'ab.jsonl');
        const utf8 = await uploadFile(api, toJsonl(answerRows(1, () => true)), { filename: 'café ☃ 😀.jsonl' });
        assert.equal(utf8.filename, 'café ☃ 😀.jsonl', 'a UTF-8 filename is read as UTF-8');
        for (const f of [long, utf8, ...(nul.status === 200 ? [nul.body] : [])]) {
          assert.equal((await api.ok('GET', `/files/${f.id}`)).filename, f.filename);
          await api.ok('DELETE', `/files/${f.id}`);
        }
      });

      it('an eval stored with U+0000 in its logs filter (as an older server could) still runs: the filter matches nothing, never a 500', async () => {
        for (const type of ['logs', 'stored_completions'] as const) {
          const id = `eval_${'f'.repeat(31)}${type === 'logs' ? '1' : '2'}`;
          await new EvalRepository(server.database.db).insert({
            id,
            project: 'default',
            name: 'poisoned',
            data_source_config: { type, metadata: { use_case: 'a\u0000b' }, schema: { type: 'object' } },
            testing_criteria: [{ ...answerCriterion, id: 'c-1' }],
            metadata: { team: 'x\u0000' },
            created_at: 1,
          });
          assert.equal((await api.ok('GET', `/evals/${id}`)).id, id);
          const run = await api.ok('POST', `/evals/${id}/runs`, { json: { data_source: { type: 'completions', source: { type: 'stored_completions', metadata: { more: 'x' } } } } }, 201);
          const done = await waitForRunEnd(api, id, run.id, 30_000);
          assert.equal(done.status, 'completed');
          assert.equal(done.result_counts.total, 0);
          await api.ok('DELETE', `/evals/${id}`);
        }
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('a template path that is not in the row', () => {
      it('renders empty and the result says which path (invalid_variable_error with its details), in plain and multi criteria', async () => {
        const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-any', maxRetries: 0 });
        const typo = stringCheck('typo', 'The capital is {{ item.captial }}', 'The capital is {{ item.capital }}');
        const ev = await client.evals.create({
          data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { capital: { type: 'string' } } } },
          testing_criteria: [
            typo,
            { type: 'text_similarity', name: 'sim', input: '{{ item.capital }}', reference: '{{ sample.output_txt }}', evaluation_metric: 'fuzzy_match', pass_threshold: 0.5 },
            { type: 'multi', name: 'm', graders: { a: stringCheck('a', '{{ item.nope }}', ''), b: stringCheck('b', '{{ item.capital }}', 'Paris') }, calculate_output: 'a + b', pass_threshold: 2 },
          ],
        } as never);
        const run = await client.evals.runs.create(ev.id, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [{ item: { capital: 'Paris' }, sample: { output_text: 'Paris' } }] } } });
        const done = await waitForRunEnd(api, ev.id, run.id, 30_000);
        assert.deepEqual(done.result_counts, { total: 1, errored: 0, failed: 1, passed: 0 }, 'the row is graded, not errored');
        const [item] = (await client.evals.runs.outputItems.list(run.id, { eval_id: ev.id })).data;
        const results = item!.results as Array<Record<string, unknown>>;
        assert.equal(results[0]!['invalid_variable_error'], true);
        assert.match(String(results[0]!['invalid_variable_error_details']), /'\{\{ item\.captial \}\}'/);
        assert.doesNotMatch(String(results[0]!['invalid_variable_error_details']), /item\.capital\b/);
        assert.equal(results[0]!['passed'], false);
        assert.equal(results[0]!['error'], undefined, 'a missing path is not a grader error');
        assert.match(String(results[1]!['invalid_variable_error_details']), /sample\.output_txt/);
        assert.match(String(results[2]!['invalid_variable_error_details']), /item\.nope/);
        assert.equal(results[2]!['passed'], true, 'the multi still grades: "" eq "" and Paris eq Paris');
      });
    });

    // -------------------------------------------------------------------------------------------
    describe('keep-alive connections survive answers that leave the body unread', () => {
      /** One request on `agent`, the body sent with content-length or chunked. */
      function send(agent: http.Agent, method: string, path: string, body: Buffer | null, headers: Record<string, string>, chunked: boolean) {
        return new Promise<{ status: number; connection: string | undefined; reused: boolean }>((resolve, reject) => {
          const h: Record<string, string> = { 'content-type': 'application/json', ...headers };
          // Said explicitly: node's client frames a body it was not told the length of as chunked only
          // for methods that usually carry one; a DELETE's bytes would go out unframed, which a server
          // can only take for a malformed next request (a 400 or a reset), not a body to drain.
          if (body !== null) h[chunked ? 'transfer-encoding' : 'content-length'] = chunked ? 'chunked' : String(body.length);
          const req = http.request(`${server.url}${path}`, { method, agent, headers: h }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket }));
            res.on('error', reject);
          });
          req.on('error', reject);
          if (body !== null) {
            if (chunked) for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
            else req.write(body);
          }
          req.end();
        });
      }

      it('early answers (cancel, unknown URL or id, wrong key, JSON to /files, bad api-version, oversize) → the next request on the connection is answered', async () => {
        const cases: Array<[string, string, string, Record<string, string>]> = [
          ['cancel with a body', 'POST', `/v1/evals/${evalId}/runs/${runId}/cancel`, {}],
          ['cancel (POST on the run) with a body', 'POST', `/v1/evals/${evalId}/runs/${runId}`, {}],
          ['cancel of an unknown run', 'POST', `/v1/evals/${UNKNOWN.eval}/runs/${UNKNOWN.run}/cancel`, {}],
          ['an unknown URL', 'POST', '/v1/nowhere', {}],
          ['a delete with a body', 'DELETE', `/v1/evals/${UNKNOWN.eval}`, {}],
          ['a files upload sent as JSON', 'POST', '/v1/files', {}],
          ['an unsupported Azure api-version', 'POST', '/openai/evals?api-version=1999-01-01', { 'aoai-evals': 'preview' }],
          ['an eval create (read, then refused)', 'POST', '/v1/evals', {}],
        ];
        let resets = 0;
        let answered = 0;
        for (const size of [200, 300 * 1024, MAX_BODY_MB * 1024 * 1024 - 100, 3 * MAX_BODY_MB * 1024 * 1024]) {
          for (const chunked of [false, true]) {
            for (const [label, method, path, headers] of cases) {
              const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
              try {
                const first = await send(agent, method, path, Buffer.alloc(size, 0x20), headers, chunked).catch((error: unknown) => {
                  throw new Error(`${label} (${size} bytes, ${chunked ? 'chunked' : 'content-length'}): the request itself failed: ${(error as Error).message}`);
                });
                assert.ok(first.status < 500, `${label}: ${first.status}`);
                try {
                  const next = await send(agent, 'GET', '/health', null, {}, false);
                  assert.equal(next.status, 200);
                  // Without `Connection: close` the socket must have carried the next request.
                  if (first.connection !== 'close') assert.equal(next.reused, true, `${label}: the kept-alive socket was not reused`);
                  answered++;
                } catch (error) {
                  resets++;
                  assert.fail(`${label} (${size} bytes, ${chunked ? 'chunked' : 'content-length'}; answered ${first.status}, connection: ${String(first.connection)}): the next request failed: ${(error as Error).message}`);
                }
              } finally {
                agent.destroy();
              }
            }
          }
        }
        assert.equal(resets, 0);
        assert.equal(answered, 4 * 2 * cases.length);
      });
    });
  });

  describe(`stored chat completions under bad strings (${name})`, () => {
    // Their metadata is jsonb (filtered with @>), which holds neither U+0000 nor a lone surrogate.
    let fake: FakeOpenAI;
    let server: TestProctor;
    let client: OpenAI;
    let api: ApiClient;
    let dir: string;
    const MODEL = 'gpt-bad';

    before(async () => {
      fake = await startFakeOpenAI();
      dir = mkdtempSync(join(os.tmpdir(), 'proctor-bad-chat-'));
      const config = join(dir, 'proctor-config.json');
      writeFileSync(config, JSON.stringify({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: fake.apiKey } }, models: { [MODEL]: { provider: 'fake', model: 'fake-model' } } }));
      server = await startTestProctor(await open(), { PROCTOR_CONFIG: config });
      client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-any', maxRetries: 0 });
      api = new ApiClient(server.url);
    });

    after(async () => {
      await server?.close();
      await fake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function badRequest(what: string, fn: () => Promise<unknown>): Promise<BadRequestError> {
      const error = await fn().then(() => assert.fail(`${what}: accepted`), (e: unknown) => e);
      assert.ok(error instanceof BadRequestError, `${what}: ${String(error)}`);
      return error;
    }

    it('create, update and list with U+0000 or a lone surrogate in metadata or model → 400 naming the field; message text with U+0000 is logged exactly; reads keep working', async () => {
      const base = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }], store: true };
      const logged = await client.chat.completions.create({ ...base, metadata: { team: 'a' } });
      for (const poison of ['\u0000', '\ud800', '\udfff']) {
        for (const [metadata, param] of [[{ team: `a${poison}` }, 'metadata.team'], [{ [`team${poison}`]: 'a' }, `metadata.team${poison}`]] as const) {
          const created = await badRequest('create', () => client.chat.completions.create({ ...base, metadata }));
          assert.ok(param.startsWith(String(created.param)) && created.param !== null, `create: param ${created.param}`);
          const updated = await badRequest('update', () => client.chat.completions.update(logged.id, { metadata }));
          assert.ok(param.startsWith(String(updated.param)) && updated.param !== null, `update: param ${updated.param}`);
          // A lone surrogate cannot even be put into a URL (encodeURIComponent throws): U+0000 can.
          if (poison !== '\u0000') continue;
          const listed = await badRequest('list', () => client.chat.completions.list({ metadata }));
          assert.ok(String(listed.param).startsWith('metadata'), `list: param ${listed.param}`);
        }
        const model = await badRequest('model', () => client.chat.completions.create({ ...base, model: `${MODEL}${poison}`, metadata: { team: 'a' } }));
        assert.equal(model.param, 'model');
      }
      const surrogateText = await badRequest('lone surrogate in a message', () => client.chat.completions.create({ ...base, messages: [{ role: 'user', content: 'x\ud800' }] }));
      assert.equal(surrogateText.param, 'messages[0].content');
      // U+0000 in message text goes to the provider and into a json column, which keeps it.
      const nulText = await client.chat.completions.create({ ...base, messages: [{ role: 'user', content: 'a\u0000b' }], metadata: { team: 'nul' } });
      assert.equal(nulText.choices[0]?.message.content, 'reply: a\u0000b');
      assert.equal((await client.chat.completions.retrieve(nulText.id)).choices[0]?.message.content, 'reply: a\u0000b');
      assert.deepEqual((await client.chat.completions.list({ metadata: { team: 'nul' } })).data.map((c) => c.id), [nulText.id]);
      assert.deepEqual((await client.chat.completions.retrieve(logged.id) as unknown as { metadata: unknown }).metadata, { team: 'a' }, 'refused updates changed nothing');
      assert.equal((await client.chat.completions.list({ limit: 100 })).data.length, 2, 'refused creates logged nothing');
    });

    it('a completion stored with U+0000 / lone surrogates in its metadata (past the API) is kept readable and filterable', async () => {
      const repository = new StoredCompletionRepository(server.database.db);
      const id = `chatcmpl-${'e'.repeat(32)}`;
      await repository.insert({
        id,
        project: 'default',
        model: `${MODEL}\u0000`,
        response_model: 'fake-model\ud800',
        metadata: { 'src\u0000': 'x\ud800', team: 'direct' },
        request: { messages: [{ role: 'user', content: 'q' }] },
        response: { id, object: 'chat.completion', created: 1, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: 'stop' }] },
        created_at: 1,
      });
      const stored = await client.chat.completions.retrieve(id);
      assert.deepEqual((stored as unknown as { metadata: unknown }).metadata, { 'src\ufffd': 'x\ufffd', team: 'direct' });
      assert.deepEqual((await client.chat.completions.list({ metadata: { team: 'direct' } })).data.map((c) => c.id), [id]);
      await client.chat.completions.delete(id);
    });

    it('a provider answer holding a lone surrogate and U+0000 is logged exactly (json columns keep both), and stays readable and runnable', async () => {
      fake.setBehavior({ reply: () => ({ content: 'odd \ud800 answer \u0000 end' }) });
      try {
        const logged = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'q' }], store: true, metadata: { source: 'odd' } });
        assert.equal(logged.choices[0]?.message.content, 'odd \ud800 answer \u0000 end', 'the caller gets the answer as the provider sent it');
        const stored = await client.chat.completions.retrieve(logged.id);
        assert.equal(stored.choices[0]?.message.content, 'odd \ud800 answer \u0000 end');
        assert.deepEqual((await client.chat.completions.list({ metadata: { source: 'odd' } })).data.map((c) => c.id), [logged.id]);
        const ev = await client.evals.create({
          data_source_config: { type: 'logs', metadata: { source: 'odd' } },
          testing_criteria: [{ type: 'string_check', name: 'c', input: '{{ sample.output_text }}', reference: 'answer', operation: 'like' }],
        } as never);
        const run = await client.evals.runs.create(ev.id, { data_source: { type: 'completions', source: { type: 'stored_completions' } } } as never);
        const done = await waitForRunEnd(api, ev.id, run.id, 30_000);
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.result_counts, { total: 1, errored: 0, failed: 0, passed: 1 });
      } finally {
        fake.setBehavior({});
      }
    });
  });

  describe(`a real \`proctor serve\` process under bad input (${name})`, () => {
    // In-process servers share the test's process: a crash or a blocked event loop is only
    // visible from outside.
    let serve: Serve;
    let api: ApiClient;
    let dataDir: string | null = null;
    let env: Record<string, string>;

    before(async () => {
      const options = await open();
      if (options.kind === 'postgres') env = { PROCTOR_DATABASE_URL: options.url };
      else {
        dataDir = mkdtempSync(join(os.tmpdir(), 'proctor-bad-input-'));
        env = { PROCTOR_DATA_DIR: dataDir };
      }
      env = { ...env, PROCTOR_MAX_BODY_MB: String(MAX_BODY_MB), PROCTOR_MAX_FILE_MB: '2' };
      serve = await startServe(env);
      api = new ApiClient(serve.url);
    });

    // A test that crashed the server must not take the next one down with it.
    beforeEach(async () => {
      if (!serve.alive()) {
        serve = await startServe(env);
        api = new ApiClient(serve.url);
      }
    });

    after(async () => {
      await killAllServes();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    });

    async function assertAlive(what: string): Promise<void> {
      await sleep(300);
      assert.ok(serve.alive(), `the server process died after ${what}:\n${serve.output()}`);
      const health = await fetch(`${serve.url}/health`, { signal: AbortSignal.timeout(5000) });
      assert.equal(health.status, 200);
    }

    /** The answer, or the transport error as text (a dying server may answer nothing). */
    async function attempt(fn: () => Promise<ApiResponse>): Promise<ApiResponse | string> {
      try {
        return await fn();
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
        return `request failed: ${error instanceof Error ? error.message : String(error)}${cause}`;
      }
    }

    it('a truncated multipart upload → 400, and the process lives on', async () => {
      const body = '--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nevals\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"item":';
      const res = await attempt(() => api.request('POST', '/files', { body, headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, timeoutMs: 10_000 }));
      await assertAlive('a truncated multipart body');
      assert.ok(typeof res !== 'string', typeof res === 'string' ? res : '');
      assertError(res, 400, 'file');
      assert.deepEqual((await api.ok('GET', '/files')).data, []);
    });

    it('a multipart upload whose closing boundary never comes → 400, and the process lives on', async () => {
      const body = '--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nevals\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"item":{"answer":"a"}}\n\r\n';
      const res = await attempt(() => api.request('POST', '/files', { body, headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, timeoutMs: 10_000 }));
      await assertAlive('a multipart body without its closing boundary');
      assert.ok(typeof res !== 'string', typeof res === 'string' ? res : '');
      assertError(res, 400, 'file');
    });

    it('a client that aborts an upload midway does not take the process down', async () => {
      const boundary = 'abortboundary';
      const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nevals\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n`);
      const controller = new AbortController();
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sent === 0) c.enqueue(head);
          else if (sent < 8) c.enqueue(Buffer.from('{"item":{"answer":"a"}}\n'.repeat(4000)));
          else {
            await sleep(300);
            controller.abort();
            return;
          }
          sent++;
        },
      });
      const init: RequestInit & { duplex: 'half' } = { method: 'POST', body: stream, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, signal: controller.signal, duplex: 'half' };
      await assert.rejects(fetch(`${serve.url}/v1/files`, init));
      await assertAlive('an aborted upload');
      assert.deepEqual((await api.ok('GET', '/files')).data, []);
    });

    it('an upload over PROCTOR_MAX_FILE_MB → 413 promptly, and the process lives on', async () => {
      const form = new FormData();
      form.append('purpose', 'evals');
      form.append('file', new Blob([Buffer.alloc(3 * 1024 * 1024, 0x61)]), 'big.jsonl');
      const res = await attempt(() => api.request('POST', '/files', { body: form, timeoutMs: 10_000 }));
      await assertAlive('an oversize upload');
      assert.ok(typeof res !== 'string', typeof res === 'string' ? res : '');
      assertError(res, 413, 'file');
    });

    it('an item_schema pattern with catastrophic backtracking does not stall the server', async () => {
      // A user-supplied regex runs over user-supplied rows while the run is validated. With a
      // backtracking engine `^(a+)+$` against 27 a's and a '!' takes seconds on the event loop,
      // during which no other request (of any project) is answered. (A pattern of its own, so no
      // earlier compilation of it is warm.)
      const ev = await createEval(api, {
        data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { a: { type: 'string', pattern: `^(a+)+$|^never-${Date.now()}$` } } } },
        testing_criteria: [stringCheck('c', '{{ item.a }}', 'x')],
      });
      const pending = attempt(() => api.post(`/evals/${ev.id}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_content', content: [{ item: { a: `${'a'.repeat(27)}!` } }] } } }));
      await sleep(150);
      const started = Date.now();
      const health = await fetch(`${serve.url}/health`, { signal: AbortSignal.timeout(60_000) });
      const took = Date.now() - started;
      const res = await pending;
      assert.equal(health.status, 200);
      assert.ok(typeof res !== 'string', typeof res === 'string' ? res : '');
      assertError(res, 400, 'data_source.source.content[0].item.a');
      assert.ok(took < 1000, `/health waited ${took} ms behind the validation of one 28-character row`);
    });
  });
}
