import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BadRequestError, NotFoundError, toFile } from 'openai';
import type { FilePurpose } from 'openai/resources/files';
import { testDatabases } from '../support/test-databases.ts';
import { bodyOf, expectPage, KEY_A, KEY_B, KEY_LIST, openaiClient, raw, rejectsWith, useProctor } from './compat-fixtures.ts';
import { expectSchema } from './spec-schemas.ts';

const CONTENT = '{"item":{"question":"¿qué?","answer":"sí"}}\n{"item":{"question":"2","answer":"2"}}\n';

for (const db of testDatabases()) {
  describe(`openai SDK: files (${db.name})`, () => {
    const server = useProctor(db);

    it('uploads a multipart file with purpose evals and answers the spec shape', async () => {
      const client = openaiClient(server.url);
      const { data: file, response } = await client.files.create({ file: await toFile(Buffer.from(CONTENT), 'data.jsonl'), purpose: 'evals' }).withResponse();
      assert.equal(response.status, 200);
      expectSchema(file, 'OpenAIFile');
      assert.equal(file.object, 'file');
      assert.match(file.id, /^file-[A-Za-z0-9]{22}$/);
      assert.equal(file.bytes, Buffer.byteLength(CONTENT));
      assert.equal(file.filename, 'data.jsonl');
      assert.equal(file.purpose, 'evals');
      assert.equal(file.status, 'processed');
      assert.ok(Math.abs(file.created_at - Date.now() / 1000) < 60);
      assert.equal(file.expires_at, undefined);
    });

    it('retrieves the file object and downloads the exact bytes', async () => {
      const client = openaiClient(server.url);
      const file = await client.files.create({ file: await toFile(Buffer.from(CONTENT), 'download.jsonl'), purpose: 'evals' });
      const got = await client.files.retrieve(file.id);
      expectSchema(got, 'OpenAIFile');
      assert.deepEqual(got, file);
      const content = await client.files.content(file.id);
      assert.equal(content.status, 200);
      assert.equal(Number(content.headers.get('content-length')), Buffer.byteLength(CONTENT));
      assert.equal(await content.text(), CONTENT);
    });

    it('honours expires_after and reports expires_at', async () => {
      const client = openaiClient(server.url);
      const file = await client.files.create({
        file: await toFile(Buffer.from('{"item":{}}\n'), 'expiring.jsonl'),
        purpose: 'evals',
        expires_after: { anchor: 'created_at', seconds: 3600 },
      });
      expectSchema(file, 'OpenAIFile');
      assert.equal(file.expires_at, file.created_at + 3600);
    });

    it('deletes a file: the spec body, then retrieve, content and delete are NotFoundError', async () => {
      const client = openaiClient(server.url);
      const file = await client.files.create({ file: await toFile(Buffer.from(CONTENT), 'gone.jsonl'), purpose: 'evals' });
      const deleted = await client.files.delete(file.id);
      expectSchema(deleted, 'DeleteFileResponse');
      assert.deepEqual(deleted, { id: file.id, object: 'file', deleted: true });
      await rejectsWith(client.files.retrieve(file.id), NotFoundError);
      await rejectsWith(client.files.content(file.id), NotFoundError);
      await rejectsWith(client.files.delete(file.id), NotFoundError);
      const res = await raw(server.url, `/v1/files/${file.id}`, { headers: { authorization: `Bearer ${KEY_A}` } });
      assert.equal(res.status, 404);
      expectSchema(res.body, 'ErrorResponse');
    });

    it('rejects an unknown purpose and a missing file with BadRequestError', async () => {
      const client = openaiClient(server.url);
      const badPurpose = await rejectsWith(
        client.files.create({ file: await toFile(Buffer.from(CONTENT), 'x.jsonl'), purpose: 'homework' as FilePurpose }),
        BadRequestError,
      );
      assert.equal(badPurpose.param, 'purpose');

      const form = new FormData();
      form.set('purpose', 'evals');
      const response = await fetch(`${server.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${KEY_A}` }, body: form });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { param: string } };
      expectSchema(body, 'ErrorResponse');
      assert.equal(body.error.param, 'file');
    });

    it("another project's file is a NotFoundError", async () => {
      const file = await openaiClient(server.url, KEY_A).files.create({ file: await toFile(Buffer.from(CONTENT), 'mine.jsonl'), purpose: 'evals' });
      const b = openaiClient(server.url, KEY_B);
      await rejectsWith(b.files.retrieve(file.id), NotFoundError);
      await rejectsWith(b.files.content(file.id), NotFoundError);
      await rejectsWith(b.files.delete(file.id), NotFoundError);
      const seen: string[] = [];
      for await (const f of b.files.list()) seen.push(f.id);
      assert.ok(!seen.includes(file.id));
    });

    describe('list: order (newest first by default), limit, after, purpose and auto-pagination', () => {
      // Project proj-list holds only these files: three for evals, then one for user_data.
      const evalFiles: string[] = [];
      let userDataFile = '';
      before(async () => {
        const client = openaiClient(server.url, KEY_LIST);
        for (let i = 0; i < 3; i++) {
          evalFiles.push((await client.files.create({ file: await toFile(Buffer.from(`{"item":{"i":${i}}}\n`), `list-${i}.jsonl`), purpose: 'evals' })).id);
        }
        userDataFile = (await client.files.create({ file: await toFile(Buffer.from('notes'), 'notes.txt'), purpose: 'user_data' })).id;
      });

      it('lists newest first; limit/after page in that order', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const newestFirst = [userDataFile, ...[...evalFiles].reverse()];
        const all = await client.files.list();
        expectSchema(bodyOf(all), 'ListFilesResponse');
        expectPage(all, newestFirst, false);
        const first = await client.files.list({ limit: 2 });
        expectSchema(bodyOf(first), 'ListFilesResponse');
        expectPage(first, newestFirst.slice(0, 2), true);
        expectPage(await client.files.list({ limit: 2, after: newestFirst[1] as string }), newestFirst.slice(2), false);
        expectPage(await client.files.list({ order: 'asc', limit: 3 }), [...newestFirst].reverse().slice(0, 3), true);
        const empty = await client.files.list({ after: newestFirst[3] as string });
        expectSchema(bodyOf(empty), 'ListFilesResponse');
        expectPage(empty, [], false);
      });

      it('filters by purpose', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const evals = await client.files.list({ purpose: 'evals', order: 'asc' });
        expectSchema(bodyOf(evals), 'ListFilesResponse');
        expectPage(evals, evalFiles, false);
        expectPage(await client.files.list({ purpose: 'user_data' }), [userDataFile], false);
        expectPage(await client.files.list({ purpose: 'batch' }), [], false);
      });

      it('auto-paginates one file per page', async () => {
        const client = openaiClient(server.url, KEY_LIST);
        const seen: string[] = [];
        let pages = 0;
        for await (const page of (await client.files.list({ limit: 1, order: 'asc' })).iterPages()) {
          expectSchema(bodyOf(page), 'ListFilesResponse');
          pages++;
          for (const f of page.data) {
            expectSchema(f, 'OpenAIFile');
            seen.push(f.id);
          }
        }
        assert.deepEqual(seen, [...evalFiles, userDataFile]);
        assert.equal(pages, 4);
      });
    });
  });
}
