import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into its non-blank lines, numbered from 1, holding at most one chunk and
 * one partial line — a 1 GB file never sits in memory. UTF-8 sequences split across chunks are
 * joined by the decoder; a `\r\n` ending loses its `\r`.
 */
export async function* jsonlLines(chunks: AsyncIterable<Uint8Array>, maxLineBytes = 16 * 1024 * 1024): AsyncGenerator<{ lineNo: number; text: string }> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    const text = carry + decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      lineNo++;
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
      if (line.trim() !== '') yield { lineNo, text: line };
    }
    carry = text.slice(start);
    if (carry.length > maxLineBytes) throw new LineTooLongError(lineNo + 1, maxLineBytes);
  }
  const last = carry + decoder.end();
  if (last.trim() !== '') yield { lineNo: lineNo + 1, text: last.endsWith('\r') ? last.slice(0, -1) : last };
}

export class LineTooLongError extends Error {
  readonly lineNo: number;
  constructor(lineNo: number, limit: number) {
    super(`line ${lineNo} is longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
    this.lineNo = lineNo;
  }
}
