import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeanHeaders, LeanResponse } from './lean-response.ts';

describe('LeanResponse', () => {
  const headers = () => new LeanHeaders(['Content-Type', 'application/json', 'X-Seen', 'a', 'x-seen', 'b', 'Content-Length', '9'], new Set(['content-length']));

  it('headers: case-insensitive, repeated fields joined like fetch, skipped names absent, sorted iteration', () => {
    const h = headers();
    assert.equal(h.get('content-type'), 'application/json');
    assert.equal(h.get('X-SEEN'), 'a, b');
    assert.equal(h.get('content-length'), null);
    assert.equal(h.has('x-seen'), true);
    assert.deepEqual([...h], [['content-type', 'application/json'], ['x-seen', 'a, b']]);
    const seen: string[] = [];
    h.forEach((value, name) => seen.push(`${name}=${value}`));
    assert.deepEqual(seen, ['content-type=application/json', 'x-seen=a, b']);
  });

  it('reads the body once as text or JSON; clone before reading; body as a stream on demand', async () => {
    const make = () => new LeanResponse(Buffer.from('{"a":[1]}'), { status: 200, statusText: 'OK', headers: headers(), url: 'http://x/v1' });
    const r = make();
    assert.equal(r.ok, true);
    const copy = r.clone();
    assert.deepEqual(await r.json(), { a: [1] });
    assert.equal(r.bodyUsed, true);
    await assert.rejects(r.text(), TypeError);
    assert.equal(await copy.text(), '{"a":[1]}');
    const streamed = make().body;
    assert.ok(streamed);
    const parts: Uint8Array[] = [];
    for await (const chunk of streamed as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
    assert.equal(Buffer.concat(parts).toString(), '{"a":[1]}');
    const empty = new LeanResponse(null, { status: 204, statusText: 'No Content', headers: headers(), url: '' });
    assert.equal(empty.body, null);
    assert.equal(await empty.text(), '');
    assert.equal(new LeanResponse(null, { status: 503, statusText: '', headers: headers(), url: '' }).ok, false);
  });
});
