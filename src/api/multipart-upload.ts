import busboy from 'busboy';
import { Readable } from 'node:stream';
import { ApiError, badRequest } from '../domain/api-error.ts';

export interface MultipartFile {
  filename: string;
  content: AsyncIterable<Uint8Array>;
}

export type FileHandler<T> = (file: MultipartFile, fields: () => Promise<Record<string, string>>) => Promise<T>;

/**
 * Streams a multipart/form-data body: the `file` part is handed to `onFile` as it arrives (never
 * buffered whole); the text fields resolve once the body has been read to its end.
 */
export async function receiveMultipart<T>(request: Request, onFile: FileHandler<T>): Promise<T> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw badRequest("Expected a multipart/form-data body with a 'file' part and a 'purpose' field.", 'file', 'invalid_content_type');
  }
  if (request.body === null) throw badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');

  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 20, fieldSize: 64 * 1024, parts: 32 } });
  } catch (error) {
    throw badRequest(`Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`, 'file', 'invalid_multipart');
  }

  const fields: Record<string, string> = {};
  let fileSeen = false;
  let result: Promise<T> | null = null;
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || fileSeen) {
        stream.resume();
        return;
      }
      fileSeen = true;
      result = onFile({ filename: info.filename || 'upload', content: stream }, () => ended.then(() => fields));
      // A failing upload stops reading; the body's rest is drained so the parser can finish.
      result.catch(() => stream.resume());
    });
    parser.on('close', () => resolve());
    parser.on('error', (error: unknown) => reject(badRequest(`Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`, 'file', 'invalid_multipart')));
  });

  const body = Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('error', (error) => parser.destroy(error));
  body.pipe(parser);
  try {
    await ended;
  } catch (error) {
    // Prefer the upload's own error (e.g. 413) over the parser's complaint about the cut stream.
    if (result !== null) await (result as Promise<T>).catch((e: unknown) => { if (e instanceof ApiError) throw e; });
    throw error;
  }
  if (result === null) throw badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
  return result;
}
