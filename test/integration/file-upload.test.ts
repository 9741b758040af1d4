import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { ApiClient, assertError, listAll, listIds, rawRequest, sleep, stringCheck, uploadFile, waitForRunEnd } from './api-client.ts';

/**
 * Big files end to end: a streamed multipart upload far larger than the row batch and the 1 MiB
 * storage chunk, byte-identical download, a run over it with exact counts, output items that
 * paginate over the whole run, and the file size limit.
 */

const ROWS = 20_000;
const BATCH_SIZE = 500;
const MiB = 1024 * 1024;

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** Text dense in multi-byte UTF-8 (2, 3 and 4 bytes), so storage chunk edges fall inside characters. */
function textFor(i: number): string {
  const parts = ['naïve café ü', '日本語のテキスト', '😀🎉🐈‍⬛', 'Ωμέγα', 'emoji👩‍👩‍👧‍👦family'];
  let s = `${i}:`;
  for (let k = 0; k < 8; k++) s += parts[(i + k) % parts.length];
  if (i % 5 === 0) s += '猫';
  return s;
}

interface Row {
  item: { answer: string; idx: number; text: string };
  sample: { output_text: string };
}

function makeRow(i: number): Row {
  const answer = `answer-${i}`;
  return { item: { answer, idx: i, text: textFor(i) }, sample: { output_text: i % 7 === 3 ? `other-${i}` : answer } };
}

/** Criterion 1 passes unless i % 7 == 3; criterion 2 iff the text holds 猫 (i % 5 == 0). */
const passes1 = (i: number) => i % 7 !== 3;
const passes2 = (i: number) => i % 5 === 0;

/**
 * The jsonl bytes: LF endings, every 97th line CRLF, a blank line in the middle (not a row) and a
 * final newline. Returns the rows in order as well.
 */
function buildFile(): { content: string; rows: Row[] } {
  const rows: Row[] = [];
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const row = makeRow(i);
    rows.push(row);
    lines.push(JSON.stringify(row) + (i % 97 === 0 ? '\r\n' : '\n'));
    if (i === ROWS / 2) lines.push('\n');
  }
  return { content: lines.join(''), rows };
}

/** A multipart/form-data body as a stream of ~64 KiB pieces (sent chunked: no content-length). */
function multipartStream(fields: Record<string, string>, filename: string, content: Uint8Array, pauseAt?: { at: number; until: Promise<void> }) {
  const boundary = `----proctor${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/jsonl\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let offset = 0;
  let sentHead = false;
  let paused = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentHead) {
        sentHead = true;
        controller.enqueue(head);
        return;
      }
      if (pauseAt && !paused && offset >= pauseAt.at) {
        paused = true;
        await pauseAt.until;
      }
      if (offset < content.length) {
        const end = Math.min(offset + 64 * 1024, content.length);
        controller.enqueue(content.subarray(offset, end));
        offset = end;
        return;
      }
      controller.enqueue(tail);
      controller.close();
    },
  });
  return { stream, contentType: `multipart/form-data; boundary=${boundary}`, buffer: () => Buffer.concat([head, Buffer.from(content), tail]) };
}

/** Refusals must come back promptly; an upload that never answers fails its test after this. */
const REFUSAL_TIMEOUT_MS = 10_000;

async function streamUpload(api: ApiClient, content: Uint8Array, filename: string, fields: Record<string, string> = { purpose: 'evals' }, pauseAt?: { at: number; until: Promise<void> }, timeoutMs = 120_000) {
  const body = multipartStream(fields, filename, content, pauseAt);
  return api.request('POST', '/files', { body: body.stream, headers: { 'content-type': body.contentType }, timeoutMs });
}

for (const { name, open } of testDatabases()) {
  describe(`file upload (${name})`, () => {
    let server: TestProctor;
    let api: ApiClient;
    let content: Buffer;
    let rows: Row[];
    let file: any;
    let evalObject: any;
    let run: any;
    let ascItems: any[] = [];

    before(async () => {
      server = await startTestProctor(await open(), { PROCTOR_BATCH_SIZE: String(BATCH_SIZE) });
      api = new ApiClient(server.url);
      const built = buildFile();
      content = Buffer.from(built.content, 'utf8');
      rows = built.rows;
    });

    after(async () => {
      await server?.close();
    });

    it('the test file is what it claims: > 5 MB, many batches, chunk edges inside characters', () => {
      assert.ok(content.length > 5 * MiB, `${content.length} bytes`);
      assert.ok(ROWS / BATCH_SIZE >= 40);
      let split = 0;
      for (let edge = MiB; edge < content.length; edge += MiB) if (((content[edge] ?? 0) & 0xc0) === 0x80) split++;
      assert.ok(split >= 2, `only ${split} storage chunk edges fall inside a character`);
    });

    it('a streamed (chunked) upload answers the file object with the exact byte count', async () => {
      const res = await streamUpload(api, content, 'big rows.jsonl');
      assert.equal(res.status, 200, res.text.slice(0, 300));
      file = res.body;
      assert.match(file.id, /^file-[0-9A-Za-z]{22}$/);
      assert.equal(file.object, 'file');
      assert.equal(file.bytes, content.length);
      assert.equal(file.filename, 'big rows.jsonl');
      assert.equal(file.purpose, 'evals');
      assert.equal(file.status, 'processed');
      assert.ok(Math.abs(file.created_at - Date.now() / 1000) < 120, `created_at ${file.created_at}`);
      assert.deepEqual(await api.ok('GET', `/files/${file.id}`), file);
      assert.ok((await listIds(api, '/files')).includes(file.id));
    });

    it('the download is byte-identical (sha256) with content-length = bytes', async () => {
      const res = await fetch(`${server.url}/v1/files/${file.id}/content`);
      assert.equal(res.status, 200);
      const body = new Uint8Array(await res.arrayBuffer());
      assert.equal(res.headers.get('content-length'), String(content.length));
      assert.equal(body.length, content.length);
      assert.equal(sha256(body), sha256(content));
    });

    it('a run from the file_id completes with exact counts', async () => {
      evalObject = await api.ok(
        'POST',
        '/evals',
        {
          json: {
            name: 'big file',
            data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { answer: { type: 'string' }, idx: { type: 'integer' }, text: { type: 'string' } }, required: ['answer', 'idx', 'text'] } },
            testing_criteria: [stringCheck('exact', '{{ sample.output_text }}', '{{ item.answer }}', 'eq'), stringCheck('cat', '{{ item.text }}', '猫', 'like')],
          },
        },
        201,
      );
      run = await api.ok('POST', `/evals/${evalObject.id}/runs`, { json: { data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } } }, 201);
      const done = await waitForRunEnd(api, evalObject.id, run.id, 180_000);
      let passed = 0;
      let c1 = 0;
      let c2 = 0;
      for (let i = 0; i < ROWS; i++) {
        if (passes1(i)) c1++;
        if (passes2(i)) c2++;
        if (passes1(i) && passes2(i)) passed++;
      }
      assert.equal(done.status, 'completed', JSON.stringify(done.error));
      assert.deepEqual(done.result_counts, { total: ROWS, errored: 0, failed: ROWS - passed, passed });
      const ids = evalObject.testing_criteria.map((c: { id: string }) => c.id);
      assert.deepEqual(done.per_testing_criteria_results, [
        { testing_criteria: ids[0], passed: c1, failed: ROWS - c1 },
        { testing_criteria: ids[1], passed: c2, failed: ROWS - c2 },
      ]);
      assert.equal(done.error, null);
    });

    it('output items (limit=100, asc) cover the whole run: no gap, no duplicate, rows echoed exactly', async () => {
      const { items, pages } = await listAll(api, `/evals/${evalObject.id}/runs/${run.id}/output_items`, { limit: 100, order: 'asc' });
      ascItems = items;
      assert.equal(pages, ROWS / 100);
      assert.equal(items.length, ROWS);
      for (let i = 0; i < ROWS; i++) {
        const it = items[i];
        assert.equal(it.datasource_item_id, i, `position ${i}`);
        assert.equal(it.run_id, run.id);
        assert.equal(it.eval_id, evalObject.id);
        assert.deepEqual(it.datasource_item, rows[i]?.item, `row ${i} echoed exactly`);
        assert.equal(it.status, passes1(i) && passes2(i) ? 'pass' : 'fail', `status of row ${i}`);
        assert.deepEqual(it.results.map((r: { passed: boolean }) => r.passed), [passes1(i), passes2(i)], `results of row ${i}`);
        assert.equal(it.sample.output[0]?.content, rows[i]?.sample.output_text);
      }
    });

    it('output items (limit=100, desc) are the same items in reverse', async () => {
      const { items } = await listAll(api, `/evals/${evalObject.id}/runs/${run.id}/output_items`, { limit: 100, order: 'desc' });
      assert.equal(items.length, ROWS);
      assert.deepEqual(items.map((i) => i.id), ascItems.map((i) => i.id).reverse());
    });

    it('status=pass and status=fail pages partition the run', async () => {
      const pass = await listIds(api, `/evals/${evalObject.id}/runs/${run.id}/output_items`, { limit: 100, query: { status: 'pass' } });
      const fail = await listIds(api, `/evals/${evalObject.id}/runs/${run.id}/output_items`, { limit: 100, order: 'desc', query: { status: 'fail' } });
      const expectPass = ascItems.filter((i) => i.status === 'pass').map((i) => i.id);
      const expectFail = ascItems.filter((i) => i.status === 'fail').map((i) => i.id).reverse();
      assert.deepEqual(pass, expectPass);
      assert.deepEqual(fail, expectFail);
      assert.equal(pass.length + fail.length, ROWS);
    });

    it('a single output item fetched by id equals its list entry', async () => {
      for (const i of [0, 1, BATCH_SIZE - 1, BATCH_SIZE, ROWS / 2, ROWS - 1]) {
        const listed = ascItems[i];
        assert.deepEqual(await api.ok('GET', `/evals/${evalObject.id}/runs/${run.id}/output_items/${listed.id}`), listed);
      }
    });

    it('the file can feed a second run; once deleted it feeds none, finished runs keep their items', async () => {
      const again = await api.ok('POST', `/evals/${evalObject.id}/runs`, { json: { data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } } }, 201);
      const done = await waitForRunEnd(api, evalObject.id, again.id, 180_000);
      assert.equal(done.status, 'completed');
      assert.equal(done.result_counts.total, ROWS);
      assert.deepEqual(await api.ok('DELETE', `/files/${file.id}`), { id: file.id, object: 'file', deleted: true });
      assertError(await api.get(`/files/${file.id}/content`), 404, 'file_id');
      assertError(await api.post(`/evals/${evalObject.id}/runs`, { data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } }), 400, 'data_source.source.id');
      const first = await api.ok('GET', `/evals/${evalObject.id}/runs/${run.id}/output_items?limit=1&order=desc`);
      assert.equal(first.data[0].datasource_item_id, ROWS - 1);
    });

    it('a file still uploading is not listed; it appears once complete', async () => {
      let release!: () => void;
      const until = new Promise<void>((r) => (release = r));
      const small = Buffer.from('{"item":{"answer":"x"}}\n'.repeat(200_000)); // ≈ 4.8 MB: several chunks stored before the pause ends
      const before = await listIds(api, '/files');
      const pending = streamUpload(api, small, 'slow.jsonl', { purpose: 'evals' }, { at: 3 * MiB, until });
      await sleep(1000);
      assert.deepEqual(await listIds(api, '/files'), before, 'a half-uploaded file is not listed');
      release();
      const res = await pending;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.bytes, small.length);
      assert.deepEqual(await listIds(api, '/files'), [res.body.id, ...before]);
      await api.ok('DELETE', `/files/${res.body.id}`);
    });
  });

  describe(`file size limit (${name})`, () => {
    let server: TestProctor;
    let api: ApiClient;

    before(async () => {
      server = await startTestProctor(await open(), { PROCTOR_MAX_FILE_MB: '1' });
      api = new ApiClient(server.url);
    });

    after(async () => {
      await server?.close();
    });

    async function tableCounts() {
      const count = async (table: 'files' | 'file_chunks') =>
        Number((await server.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return { files: await count('files'), file_chunks: await count('file_chunks') };
    }

    const rowsOf = (bytes: number): Buffer => {
      const line = '{"item":{"answer":"padding-padding-padding-padding-padding-padding-padding-padding"}}\n';
      const buf = Buffer.from(line.repeat(Math.ceil(bytes / line.length))).subarray(0, bytes);
      return buf;
    };

    it('a 3 MB streamed upload over PROCTOR_MAX_FILE_MB=1 → 413; nothing is listed or left in storage', async () => {
      const before = { list: await listIds(api, '/files'), tables: await tableCounts() };
      const res = await streamUpload(api, rowsOf(3 * MiB), 'big.jsonl', undefined, undefined, REFUSAL_TIMEOUT_MS);
      assertError(res, 413, 'file');
      assert.deepEqual(await listIds(api, '/files'), before.list);
      assert.deepEqual(await tableCounts(), before.tables, 'no partial file or chunks remain');
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    });

    it('a 3 MB upload with content-length (FormData) → 413; nothing is listed', async () => {
      const before = await listIds(api, '/files');
      const form = new FormData();
      form.append('purpose', 'evals');
      form.append('file', new Blob([rowsOf(3 * MiB)]), 'big.jsonl');
      assertError(await api.request('POST', '/files', { body: form, timeoutMs: REFUSAL_TIMEOUT_MS }), 413, 'file');
      assert.deepEqual(await listIds(api, '/files'), before);
    });

    it('purpose after an oversize file part: still 413, nothing stored', async () => {
      const before = await tableCounts();
      const form = new FormData();
      form.append('file', new Blob([rowsOf(3 * MiB)]), 'big.jsonl');
      form.append('purpose', 'evals');
      assertError(await api.request('POST', '/files', { body: form, timeoutMs: REFUSAL_TIMEOUT_MS }), 413, 'file');
      assert.deepEqual(await tableCounts(), before);
    });

    it('exactly 1 MiB is accepted, 1 MiB + 1 byte is not', async () => {
      const exact = await streamUpload(api, rowsOf(MiB), 'exact.jsonl');
      assert.equal(exact.status, 200, exact.text);
      assert.equal(exact.body.bytes, MiB);
      assertError(await streamUpload(api, rowsOf(MiB + 1), 'over.jsonl', undefined, undefined, REFUSAL_TIMEOUT_MS), 413, 'file');
      assert.deepEqual(await listIds(api, '/files'), [exact.body.id]);
      await api.ok('DELETE', `/files/${exact.body.id}`);
    });

    it('after a 413 upload the same keep-alive connection carries the next request', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const body = multipartStream({ purpose: 'evals' }, 'big.jsonl', rowsOf(3 * MiB));
        const refused = await rawRequest(agent, `${server.url}/v1/files`, 'POST', body.buffer(), { 'content-type': body.contentType }, REFUSAL_TIMEOUT_MS);
        assert.equal(refused.status, 413, refused.text);
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

    it('a small upload still works after refusals', async () => {
      const before = await listIds(api, '/files');
      const file = await uploadFile(api, '{"item":{"answer":"a"}}\n');
      assert.equal(file.bytes, 24);
      assert.deepEqual(await listIds(api, '/files'), [file.id, ...before]);
    });
  });
}
