import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonlLines, LineTooLongError } from './jsonl-lines.ts';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(text: string | Buffer, size: number, max?: number) {
  const out: Array<{ lineNo: number; text: string }> = [];
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for await (const line of jsonlLines(chunksOf(bytes, size), max)) out.push(line);
  return out;
}

describe('jsonlLines', () => {
  it('numbers lines from 1 and skips blank ones', async () => {
    const lines = await collect('{"a":1}\n\n  \n{"b":2}\n', 4);
    assert.deepEqual(lines, [
      { lineNo: 1, text: '{"a":1}' },
      { lineNo: 4, text: '{"b":2}' },
    ]);
  });

  it('keeps the last line without a newline and drops \\r of CRLF endings', async () => {
    assert.deepEqual(await collect('x\r\ny\r\nz', 1), [
      { lineNo: 1, text: 'x' },
      { lineNo: 2, text: 'y' },
      { lineNo: 3, text: 'z' },
    ]);
  });

  it('joins multi-byte characters split across chunks, at every split point', async () => {
    const text = '{"q":"Grüße 你好 🎉"}\n{"q":"ünïcödé"}\n';
    for (let size = 1; size <= 8; size++) {
      const lines = await collect(text, size);
      assert.deepEqual(lines.map((l) => JSON.parse(l.text).q), ['Grüße 你好 🎉', 'ünïcödé'], `chunk size ${size}`);
    }
  });

  it('yields nothing for empty input', async () => {
    assert.deepEqual(await collect('', 3), []);
    assert.deepEqual(await collect('\n\n', 3), []);
  });

  it('refuses a line longer than the limit instead of buffering it', async () => {
    await assert.rejects(collect(`short\n${'x'.repeat(100)}`, 10, 50), (error: unknown) => error instanceof LineTooLongError && error.lineNo === 2);
  });
});
