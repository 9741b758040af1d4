import busboy from 'busboy';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { badRequest } from '../domain/api-error.ts';

export interface MultipartFile {
  filename: string;
  content: AsyncIterable<Uint8Array>;
}

export type FileHandler<T> = (file: MultipartFile, fields: () => Promise<Record<string, string>>) => Promise<T>;

const malformed = (error: unknown) =>
  badRequest(`Malformed multipart body: ${error instanceof Error ? error.message : String(error)}`, 'file', 'invalid_multipart');

/** The file part's bytes; a stream error (a truncated body) becomes the caller's 400. */
async function* fileBytes(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw malformed(error);
  }
}

/**
 * Streams a multipart/form-data body: the `file` part is handed to `onFile` as it arrives (never
 * buffered whole); the text fields resolve once the body has been read to its end. Whatever fails
 * first — the upload (e.g. over the size limit) or the parser (a truncated body) — settles the
 * request at once; no stream error is ever left without a listener.
 */
export function receiveMultipart<T>(request: Request, onFile: FileHandler<T>): Promise<T> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType)) {
    return Promise.reject(badRequest("Expected a multipart/form-data body with a 'file' part and a 'purpose' field.", 'file', 'invalid_content_type'));
  }
  if (request.body === null) return Promise.reject(badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'));

  let parser: busboy.Busboy;
  try {
    // Clients (the openai SDK among them) send filenames as raw UTF-8; busboy's default reads latin1.
    parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 64 * 1024, parts: 32 } });
  } catch (error) {
    return Promise.reject(malformed(error));
  }
  const body = Readable.fromWeb(request.body as NodeWebReadableStream<Uint8Array>);

  return new Promise<T>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let settled = false;
    let upload: Promise<T> | null = null;
    let parserError: unknown = null;
    let resolveFields: () => void = () => undefined;
    let rejectFields: (error: unknown) => void = () => undefined;
    const fieldsDone = new Promise<void>((res, rej) => {
      resolveFields = res;
      rejectFields = rej;
    });
    fieldsDone.catch(() => undefined);

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // Stop reading: the response (sent with Connection: close) ends the exchange.
      body.unpipe(parser);
      body.resume();
      reject(error instanceof Error ? error : new Error(String(error)));
    };

    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      stream.on('error', () => undefined); // surfaced through the upload's read, or the parser
      if (name !== 'file' || upload !== null) {
        stream.resume();
        return;
      }
      upload = onFile({ filename: info.filename || 'upload', content: fileBytes(stream) }, () => fieldsDone.then(() => fields));
      upload.then(
        (value) => {
          if (settled) return;
          settled = true;
          resolve(value);
        },
        (error: unknown) => fail(parserError ?? error),
      );
    });
    parser.on('close', () => {
      resolveFields();
      if (upload === null) fail(badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'));
    });
    parser.on('error', (error: unknown) => {
      parserError = malformed(error);
      rejectFields(parserError);
      if (upload === null) fail(parserError);
    });
    body.on('error', (error) => {
      parserError ??= malformed(error);
      rejectFields(parserError);
      fail(parserError);
    });
    body.pipe(parser);
  });
}
