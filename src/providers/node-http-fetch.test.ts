import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createNodeHttpFetch } from './node-http-fetch.ts';

describe('createNodeHttpFetch', () => {
  const fetchImpl = createNodeHttpFetch();
  let server: http.Server;
  let base = '';
  let closedEarly = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        if (req.url === '/echo') {
          res.writeHead(201, [['content-type', 'application/json'], ['x-multi', 'a'], ['x-multi', 'b']]);
          res.end(JSON.stringify({ method: req.method, body: raw, auth: req.headers.authorization ?? null, encoding: req.headers['accept-encoding'] ?? null }));
        } else if (req.url === '/gzip') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(gzipSync(JSON.stringify({ zipped: true })));
        } else if (req.url === '/empty') {
          res.writeHead(204);
          res.end();
        } else if (req.url === '/cut') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"half":', () => res.socket?.destroy());
        } else if (req.url === '/hang') {
          res.on('close', () => closedEarly++);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends method, headers and body; returns status, repeated headers and body; never asks for compression', async () => {
    const res = await fetchImpl(`${base}/echo`, { method: 'POST', headers: new Headers({ authorization: 'Bearer k', 'accept-encoding': 'gzip' }), body: '{"a":1}' });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get('x-multi'), 'a, b');
    assert.deepEqual(await res.json(), { method: 'POST', body: '{"a":1}', auth: 'Bearer k', encoding: null });
  });

  it('decodes a compressed body; a 204 has none', async () => {
    assert.deepEqual(await (await fetchImpl(`${base}/gzip`)).json(), { zipped: true });
    const empty = await fetchImpl(`${base}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
  });

  it('a body cut short is a connection error (ECONNRESET), not a truncated response', async () => {
    await assert.rejects(fetchImpl(`${base}/cut`), (error: unknown) => (error as { code?: string }).code === 'ECONNRESET');
  });

  it('abort rejects with an AbortError and closes the request', async () => {
    const controller = new AbortController();
    const pending = fetchImpl(`${base}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError' });
    for (let i = 0; i < 50 && closedEarly === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(closedEarly, 1);
    await assert.rejects(fetchImpl(`${base}/echo`, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('a refused connection rejects (the SDK turns it into APIConnectionError)', async () => {
    await assert.rejects(fetchImpl('http://127.0.0.1:1/x'), (error: unknown) => (error as { code?: string }).code === 'ECONNREFUSED');
  });
});
